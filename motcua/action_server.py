"""The action server (`python -m motcua.action_server --actions bot.actions --port N`): rasa-sdk's
own server, with our actions run off its event loop.

rasa-sdk calls a plain ``def run`` action on the event loop, so one search, one database commit
or one slow disk held up every other request of that worker, health checks included. Here each
such action runs in the worker's one action thread and the loop keeps reading requests; ``async
def run`` actions are left as they are. One thread, not a pool: the search is CPU-bound Python
(the GIL gives threads nothing to share) and the encoder's tokenizer is not documented as safe to
call from two threads at once; more parallel actions come from more workers: rasa-sdk's
``ACTION_SERVER_SANIC_WORKERS``, which `motcua up` sets from ``MOTCUA_WORKERS``.

One worker (the default) is served in this very process. rasa-sdk's ``run`` always starts Sanic's
process manager, which spawns the worker and imports our actions there a second time: a process
that only supervises, holding ~400 MB of catalogue, search and database code it never uses.
Several workers keep rasa-sdk's ``run`` as it is.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser, run
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from bot.actions.services import start_warm_up

_ACTION_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="motcua-action")


class OffLoop:
    """A synchronous action, awaited in a worker thread. A class, not a closure: Sanic pickles
    the executor into each of its workers."""

    def __init__(self, run: Callable[..., Any]) -> None:
        self.run = run

    async def __call__(self, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(_ACTION_THREAD, self.run, *args)


class ThreadedActionExecutor(ActionExecutor):
    """rasa-sdk's executor; synchronous actions are registered wrapped in ``OffLoop``."""

    def register_function(self, action_name: str, f: Callable[..., Any]) -> None:
        super().register_function(action_name, f)
        if not inspect.iscoroutinefunction(f):
            self.actions[action_name] = OffLoop(f)


def serve_in_this_process(executor: ActionExecutor, port: int, cors: Any, auto_reload: bool,
                          endpoints: str) -> None:
    """rasa-sdk's ``run`` for one worker, without Sanic's process manager: the same app (rasa-sdk's
    factory: routes, tracing, plugins), served by Sanic's single-process mode, which stops
    gracefully on SIGTERM and SIGINT as a worker does. The actions are warmed up here, since no
    Sanic worker imports them."""
    app = create_app_for_serve(executor, cors_origins=cors, auto_reload=auto_reload,
                               endpoints=endpoints)
    # rasa-sdk binds to SANIC_HOST, else every interface; Sanic reads SANIC_* into its config.
    app.prepare(host=app.config.get("HOST", "0.0.0.0"), port=port, single_process=True)
    start_warm_up()
    Sanic.serve_single(app)


def main() -> None:
    """rasa-sdk's ``__main__`` (HTTP only), with the threaded executor; one process per worker."""
    args = create_argument_parser().parse_args()
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    executor = ThreadedActionExecutor()
    executor.register_package(args.actions_module or args.actions)
    if utils.number_of_sanic_workers() == 1:
        serve_in_this_process(executor, args.port, args.cors, args.auto_reload, args.endpoints)
    else:
        run(executor, args.port, args.cors, auto_reload=args.auto_reload, endpoints=args.endpoints)


if __name__ == "__main__":
    main()
