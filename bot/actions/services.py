"""The services actions use, built once per action-server process."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path
from typing import TypeVar

from bot.handover.desk import HandoverDesk
from feedback.service import FeedbackService
from knowledge.answer import Answerer
from knowledge.catalogue import load_shipped_catalogue
from knowledge.catalogue.overlay import ProvincialOverlay
from knowledge.guide import ProcedureGuide
from motcua import services
from motcua.runner import WARMUP_MESSAGES
from motcua.settings import get_settings, in_action_worker


log = logging.getLogger(__name__)
T = TypeVar("T")
_building = threading.RLock()


def _built_once(build: Callable[[], T]) -> Callable[[], T]:
    """One build even when two threads ask at once (the warm-up thread below and a first request):
    lru_cache alone would build twice."""

    @wraps(build)
    def guarded() -> T:
        with _building:
            return build()

    return guarded


@_built_once
@lru_cache(maxsize=1)
def procedure_guide() -> ProcedureGuide:
    """The catalogue and its search indexes (built by `motcua up` before the servers start)."""
    return ProcedureGuide(load_shipped_catalogue(), services.retriever(get_settings()))


@_built_once
@lru_cache(maxsize=1)
def answerer() -> Answerer:
    """Reads what a question asks and finds the procedure and the sentences that answer it."""
    return Answerer.build(procedure_guide(), load_shipped_catalogue())


@lru_cache(maxsize=1)
def province_overlay() -> ProvincialOverlay:
    """The province's real units, hours and portal (provinces/<slug>/agencies.yml)."""
    return ProvincialOverlay.for_province(get_settings().province)


@lru_cache(maxsize=1)
def feedback_service() -> FeedbackService:
    """The petitions service (same database as the officer console), migrated if it was not."""
    return services.feedback_service(get_settings())


def uploads_dir() -> Path:
    """Where the channels keep the photos citizens send (bot/channels/telegram.py on_photo)."""
    return get_settings().data_dir / "uploads"


@lru_cache(maxsize=1)
def handover_desk() -> HandoverDesk:
    """The live-help queue shared with the web console."""
    return services.handover_desk(get_settings())


def warm_up() -> None:
    """Build the catalogue, indexes and answerer, and search once (ONNX Runtime's first run, the
    tokenizers), so that the first citizen is answered as fast as the next ones."""
    started = time.perf_counter()
    try:
        procedure_guide().find(WARMUP_MESSAGES[0])
        answerer()
        log.info("action server warmed up in %.1f s", time.perf_counter() - started)
    except Exception:  # the first request then builds what is missing, and shows the error
        log.exception("warm-up of the action server failed")


def start_warm_up() -> None:
    """Warm up in a thread, unless the settings turn it off. In a thread, so that the server is
    serving meanwhile (this takes 10-40 s on a busy machine, and Sanic shuts a worker down that
    is not serving within 30 s); `motcua up` then sends a warm-up conversation, which waits for
    it (_built_once), before it reports ready."""
    if get_settings().warmup:
        threading.Thread(target=warm_up, name="motcua-warm-up", daemon=True).start()


# Warm up while the action server starts, not on a citizen's first message. With one worker, the
# action server serves in the process that imported us and calls start_warm_up itself
# (motcua/action_server.py). With several, rasa-sdk imports this package in its main process,
# which only supervises, and again in each Sanic worker it spawns, which serve the requests; only
# a worker needs all this in memory. Sanic names the worker in SANIC_WORKER_NAME
# ("Sanic-Server-0-0") while it imports us (multiprocessing's parent_process(), tested here
# before, is still None then: the guide was built on the first citizen's question, ~10 s).
if in_action_worker():
    start_warm_up()
