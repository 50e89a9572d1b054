"""SIGKILL, then restart with the same command: nothing acknowledged is lost, conversations go on.

Real processes only. The web server is killed while citizens are filing petitions through
Open311; every petition whose receipt reached a citizen must be in the database after a restart.
Rasa and the action server are started with the commands `motcua up` uses (``plan_services``),
without its supervisor (which, by design, stops everything when one service dies), so each can
be killed alone and restarted with exactly the same command line and environment.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from feedback.db import make_engine
from motcua import rasa_model
from motcua.runner import Service, Supervisor, app_environment, plan_services
from motcua.settings import Settings
from tests.conftest import REPO_ROOT, free_port
from tests.support.database import migrated_url
from tests.support.system import fast_config

pytestmark = pytest.mark.integration

SUBMITTERS = 6
ACKS_BEFORE_KILL = 15
READY_S = 600.0


# ---- web server killed during petition submissions ----------------------------------------------


def _web_command(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "tests.hardening.apps:web_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]


def _start_web(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = app_environment(Settings(data_dir=data_dir, web_port=port, rasa_port=free_port()))
    env["MOTCUA_FEEDBACK_SECRET"] = "crash-test-secret-key-0123456789"
    env["MOTCUA_DB_URL"] = migrated_url(data_dir)
    log = (data_dir / "web.log").open("ab")
    process = subprocess.Popen(_web_command(port), cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    _wait_until(f"http://127.0.0.1:{port}/healthz", process)
    return process


def _wait_until(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"process exited with {process.returncode}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} not ready")


def _kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _submit_until_stopped(url: str, worker: int, acked: list[str], stop: threading.Event) -> None:
    """File petitions one after another; keep the receipts that reached us."""
    with httpx.Client(timeout=30) as client:
        n = 0
        while not stop.is_set():
            n += 1
            form = {"service_code": "chieu-sang", "address_string": "phường Đông Kinh",
                    "description": f"Đèn đường số {worker}-{n} ở tổ {n % 40} không sáng, "
                                   f"khu vực cột {worker * 1000 + n} tối om từ {n % 12 + 1} ngày nay."}
            try:
                response = client.post(f"{url}/open311/v2/requests.json", data=form)
            except httpx.HTTPError:
                continue  # no receipt: the citizen was not told "received"
            if response.status_code == 200:
                acked.append(response.json()[0]["service_request_id"])


def test_web_server_sigkill_during_submissions_loses_no_acknowledged_petition(tmp_path: Path) -> None:
    port = free_port()
    process = _start_web(tmp_path, port)
    acked: list[str] = []
    stop = threading.Event()
    url = f"http://127.0.0.1:{port}"
    workers = [threading.Thread(target=_submit_until_stopped, args=(url, w, acked, stop)) for w in range(SUBMITTERS)]
    try:
        for worker in workers:
            worker.start()
        while len(acked) < ACKS_BEFORE_KILL:
            assert process.poll() is None
            time.sleep(0.05)
        _kill(process)  # mid-stream: other submissions are in flight right now
        stop.set()
        for worker in workers:
            worker.join()
        receipts = list(acked)

        process = _start_web(tmp_path, port)  # the same command, the same data dir
        stored = _stored_codes(tmp_path)
        assert set(receipts) <= stored, set(receipts) - stored
        with httpx.Client(base_url=url, timeout=30) as client:
            for code in receipts[:5]:
                assert client.get(f"/open311/v2/requests/{code}.json").json()[0]["service_request_id"] == code
            again = client.post("/open311/v2/requests.json", data={
                "service_code": "chieu-sang", "address_string": "phường Kỳ Lừa",
                "description": "Sau khi khởi động lại: đèn đường ngõ chợ không sáng."})
            assert again.status_code == 200, again.text  # and the restarted server takes new ones
    finally:
        stop.set()
        if process.poll() is None:
            _kill(process)


def _stored_codes(data_dir: Path) -> set[str]:
    """The petition codes in the app database of ``data_dir``, a SQLite file checked whole first."""
    url = migrated_url(data_dir)
    if url.startswith("sqlite"):
        with sqlite3.connect(f"file:{data_dir / 'motcua.db'}?mode=ro", uri=True) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    engine = make_engine(url)
    try:
        with engine.connect() as db:
            return set(db.execute(text("SELECT code FROM petition")).scalars())
    finally:
        engine.dispose()


# ---- Rasa and the action server killed mid-conversation ------------------------------------------


@dataclass
class Bot:
    settings: Settings
    services: dict[str, Service]

    @property
    def webhook(self) -> str:
        return self.settings.rest_webhook_url

    def say(self, sender: str, text: str, timeout: float = 120) -> str:
        response = httpx.post(self.webhook, json={"sender": sender, "message": text}, timeout=timeout)
        response.raise_for_status()
        return "\n".join(str(m.get("text") or "") for m in response.json())

    def pid(self, name: str) -> int:
        return int((self.settings.data_dir / "run" / f"{name}.pid").read_text())

    def kill(self, name: str) -> None:
        """SIGKILL by the PID in <data_dir>/run/<name>.pid, as an operator (or the OOM killer) would."""
        os.killpg(self.pid(name), signal.SIGKILL)
        self.services[name].process.wait()

    def restart(self, name: str) -> None:
        """Start the service again with exactly the command and environment it had."""
        old = self.services[name]
        fresh = Service(old.name, old.command, old.port, old.health_url, old.env)
        supervisor = Supervisor(self.settings, [fresh])
        supervisor.start()
        assert supervisor.wait_ready(READY_S)
        self.services[name] = fresh


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, rasa_venv: Path) -> Iterator[Bot]:
    data_dir = tmp_path_factory.mktemp("crash-var")
    settings = Settings(data_dir=data_dir, rasa_port=free_port(), action_port=free_port(),
                        web_port=free_port(), models_dir=REPO_ROOT / "var" / "test-models",
                        rasa_venv=rasa_venv)
    model = rasa_model.ensure_model(settings, fast_config(data_dir))
    services = {s.name: s for s in plan_services(settings, model) if s.name in ("actions", "rasa")}
    services["actions"].env["MOTCUA_DB_URL"] = migrated_url(data_dir)
    supervisor = Supervisor(settings, list(services.values()))
    supervisor.start()
    running = Bot(settings, services)
    try:
        assert supervisor.wait_ready(READY_S)
        yield running
    finally:
        Supervisor(settings, list(running.services.values())).stop()


def test_rasa_sigkill_mid_conversation_keeps_the_conversation(bot: Bot) -> None:
    first = bot.say("crash-rasa", "dang ky khai sinh cho con")
    assert "1.001193" in first
    # Control: without the conversation's slot, the same follow-up asks which procedure.
    assert "khai sinh" not in bot.say("crash-rasa-control", "thế lệ phí bao nhiêu?").lower()

    old_pid = bot.pid("rasa")
    bot.kill("rasa")
    bot.restart("rasa")
    assert bot.pid("rasa") != old_pid

    follow_up = bot.say("crash-rasa", "thế lệ phí bao nhiêu?")
    assert "khai sinh" in follow_up.lower()  # procedure_code survived in the SQLite tracker store
    tracker_url = f"{bot.settings.rasa_url}/conversations/crash-rasa/tracker"
    assert httpx.get(tracker_url, timeout=30).status_code == 401  # the HTTP API needs the token
    tracker = httpx.get(tracker_url, params={"token": bot.settings.rasa_token}, timeout=30).json()
    assert tracker["slots"]["procedure_code"]
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"][:1] == ["dang ky khai sinh cho con"]


def test_action_server_sigkill_mid_turn_then_restart(bot: Bot) -> None:
    assert "1.001193" in bot.say("crash-actions", "dang ky khai sinh cho con")

    outcomes: list[object] = []

    def in_flight(n: int) -> None:
        try:
            outcomes.append(bot.say(f"crash-inflight-{n}", "dang ky khai sinh cho con"))
        except httpx.HTTPError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=in_flight, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    bot.kill("actions")
    for thread in threads:
        thread.join()
    assert len(outcomes) == 4  # every in-flight turn got an answer or an error, none hung

    # Rasa itself keeps answering what needs no custom action while the action server is down.
    assert "Xin chào" in bot.say("crash-actions-greet", "xin chào")
    bot.restart("actions")
    follow_up = bot.say("crash-actions", "thế lệ phí bao nhiêu?")
    assert "khai sinh" in follow_up.lower()


PETITION_OPENING = "Đèn đường ở thôn Nà Pàn hỏng cả tháng nay, tối rất nguy hiểm"
CODE = re.compile(r"PA-[0-9A-Z]{6}")


def test_action_server_sigkill_mid_petition_submission_loses_no_acknowledged_petition(bot: Bot) -> None:
    """Citizens at the last step of the petition form all answer at once; the action server is
    killed while those submissions are in flight. Every code the bot gave out is in the database."""
    citizens = [f"crash-petition-{n}" for n in range(6)]
    for sender in citizens:
        assert "ở đâu" in bot.say(sender, PETITION_OPENING)
        assert "số điện thoại" in bot.say(sender, "xã Chi Lăng")

    replies: list[str | Exception] = []

    def submit(sender: str) -> None:
        try:
            replies.append(bot.say(sender, "không"))
        except httpx.HTTPError as error:
            replies.append(error)

    threads = [threading.Thread(target=submit, args=(sender,)) for sender in citizens]
    for thread in threads:
        thread.start()
    while not replies:  # the first receipt is out: the other submissions are in flight
        time.sleep(0.01)
    bot.kill("actions")
    for thread in threads:
        thread.join()
    receipts = [code for reply in replies if isinstance(reply, str) for code in CODE.findall(reply)]
    assert receipts, replies  # at least one petition was acknowledged before the kill

    bot.restart("actions")
    # Recovery: after the restart a citizen files from scratch and gets a receipt.
    sender = "crash-petition-after"
    bot.say(sender, PETITION_OPENING)
    bot.say(sender, "xã Chi Lăng")
    after = CODE.search(bot.say(sender, "không"))
    assert after, "no receipt after the restart"
    stored = _stored_codes(bot.settings.data_dir)
    assert {*receipts, after.group(0)} <= stored, {*receipts, after.group(0)} - stored
