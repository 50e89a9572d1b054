"""Two Rasa servers on one conversation store: PostgreSQL trackers and Redis's lock store, as
`motcua up` configures them with MOTCUA_TRACKER_DB_URL and MOTCUA_REDIS_URL.

Two processes on two ports (two hosts, or two workers of one) so that the test decides which
one gets which message. Their action server is a slow fake that answers each message by quoting
it: while one server waits for it, the other receives the conversation's next message, and must
wait for the first turn to end before it starts its own. (Without the Redis lock store the first
turn is lost from the conversation: the test fails, as tried when it was written.)
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from motcua import rasa_model
from motcua.settings import Settings
from tests.conftest import REPO_ROOT, free_port
from tests.support.system import fast_config, fresh_postgres_database

pytestmark = pytest.mark.integration

ACTION_DELAY_S = 1.0
QUESTIONS = ("dang ky khai sinh cho con", "làm căn cước công dân")  # both go to a custom action


# sender id → set when that conversation's first action call reached the action server
IN_ACTION: dict[str, threading.Event] = {}


class SlowActions(BaseHTTPRequestHandler):
    """Rasa's action server, answering any action with the text it was asked, after a delay."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        call = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        IN_ACTION.setdefault(call["sender_id"], threading.Event()).set()
        time.sleep(ACTION_DELAY_S)
        asked = call["tracker"]["latest_message"]["text"]
        body = json.dumps({"events": [], "responses": [{"text": f"đã trả lời: {asked}"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def two_rasa_servers(tmp_path_factory: pytest.TempPathFactory, rasa_venv: Path, redis_url: str,
                     postgres_url: str) -> Iterator[tuple[list[str], str]]:
    """Two `rasa run` processes sharing trackers and locks; their webhook URLs and the tracker
    database's URL."""
    folder = tmp_path_factory.mktemp("rasa-workers")
    actions = ThreadingHTTPServer(("127.0.0.1", 0), SlowActions)
    threading.Thread(target=actions.serve_forever, daemon=True).start()
    tracker_url = fresh_postgres_database(postgres_url, "rasa_tracker")
    config = fast_config(folder)
    processes, urls = [], []
    for index in range(2):
        settings = Settings(
            data_dir=folder / str(index), rasa_port=free_port(), action_port=actions.server_address[1],
            models_dir=REPO_ROOT / "var" / "test-models", rasa_venv=rasa_venv, rasa_config=config,
            redis_url=redis_url, tracker_db_url=tracker_url,
        )
        model = rasa_model.ensure_model(settings, config)
        log = (folder / f"rasa-{index}.log").open("wb")
        processes.append(subprocess.Popen(rasa_model.run_command(settings, model), cwd=REPO_ROOT,
                                          env=rasa_model.rasa_environment(settings), stdout=log,
                                          stderr=subprocess.STDOUT))
        urls.append(settings.rest_webhook_url)
    try:
        deadline = time.monotonic() + 600
        for process, url in zip(processes, urls):
            while not _answers(url.split("/webhooks")[0] + "/"):
                assert process.poll() is None, (folder / "rasa-0.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "Rasa did not start"
                time.sleep(1)
        yield urls, tracker_url
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)
        actions.shutdown()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


async def test_two_messages_of_one_conversation_at_two_servers_are_answered_in_order(
        two_rasa_servers: tuple[list[str], str]) -> None:
    (first_url, second_url), tracker_url = two_rasa_servers
    conversations = [f"order-{i}-{time.time_ns()}" for i in range(6)]
    for sender in conversations:
        IN_ACTION[sender] = threading.Event()
    async with httpx.AsyncClient(timeout=120) as client:

        async def say(url: str, sender: str, text_: str) -> list[str]:
            response = await client.post(url, json={"sender": sender, "message": text_})
            response.raise_for_status()
            return [m.get("text", "") for m in response.json()]

        async def conversation(sender: str) -> list[list[str]]:
            first = asyncio.create_task(say(first_url, sender, QUESTIONS[0]))
            # The second message leaves once the first turn holds the conversation (it is in
            # its action), and goes to the other server.
            assert await asyncio.to_thread(IN_ACTION[sender].wait, 60)
            second = asyncio.create_task(say(second_url, sender, QUESTIONS[1]))
            return [await first, await second]

        replies = [reply for pair in await asyncio.gather(*map(conversation, conversations)) for reply in pair]
    for index, question in enumerate(QUESTIONS * len(conversations)):
        assert replies[index] == [f"đã trả lời: {question}"]  # each message answered, about itself

    engine = create_engine(tracker_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as db:
        for sender in conversations:
            rows = db.execute(text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                              {"s": sender}).all()
            turns = [json.loads(data).get("text") if kind == "user" else kind for kind, data in rows
                     if kind in ("user", "bot")]
            # One turn after the other: never the second message before the first one's answer.
            assert turns == [QUESTIONS[0], "bot", QUESTIONS[1], "bot"], (sender, turns)
    engine.dispose()

