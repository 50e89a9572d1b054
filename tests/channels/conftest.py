"""Fixtures for channel tests: fake platforms, a switchable path to Rasa, the Telegram process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.channels.tcp_proxy import SwitchableProxy
from tests.conftest import REPO_ROOT, free_port
from tests.support.fake_telegram import FakeTelegram

TOKEN = "5550001:AAH-secret-test-token-0123456789"
WEBHOOK_SECRET = "webhook_secret_for_tests_42"
HELPER_ID = 424242


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def rasa_proxy(running_system) -> Iterator[SwitchableProxy]:
    proxy = SwitchableProxy(running_system.rasa_port).start()
    yield proxy
    proxy.stop()


@dataclass
class BotProcess:
    """``motcua telegram`` as `motcua up` would run it."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return int(self.env["TELEGRAM_PORT"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BotProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "motcua", "telegram"],
                                            cwd=REPO_ROOT, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"telegram channel exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"telegram channel not healthy:\n{self.log()}")

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def telegram_bot(tmp_path: Path, fake_telegram: FakeTelegram) -> Iterator[Callable[..., BotProcess]]:
    """Factory: start the Telegram channel against the fake API and a given Rasa port."""
    started: list[BotProcess] = []
    data_dir = tmp_path / "var"

    def start(rasa_port: int, **env: str) -> BotProcess:
        full = dict(os.environ)
        full.update(
            PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1",
            MOTCUA_DATA_DIR=str(data_dir), MOTCUA_HOST="127.0.0.1", MOTCUA_RASA_PORT=str(rasa_port),
            MOTCUA_CHANNEL_RETRY_BASE_S="1", MOTCUA_CHANNEL_RETRY_MAX_S="2",
            TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake_telegram.base_url,
            TELEGRAM_PORT=str(free_port()), TELEGRAM_HELPERS=f"{HELPER_ID}:Nguyễn Thị Hỗ Trợ",
        )
        full.pop("MOTCUA_DB_URL", None)
        full.update(env)
        bot = BotProcess(full, tmp_path / "telegram.log").start()
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()


def wait_for(condition: Callable[[], object], timeout: float = 60.0, what: str = "condition") -> object:
    """Poll until ``condition()`` is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
