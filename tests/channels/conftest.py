"""Fixtures for channel tests: fake platforms, a switchable path to Rasa, the Telegram process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.channels.tcp_proxy import SwitchableProxy
from tests.conftest import REPO_ROOT, free_port
from tests.support.database import migrated_url
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
            MOTCUA_DB_URL=migrated_url(data_dir),  # migrated, as `motcua up` leaves it
        )
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


class FakeZaloCdn:
    """Zalo's photo CDN on loopback: a JPEG, an oversize photo (declared, or sent past what it
    declares), an HTML page, a "JPEG" that is HTML, a missing photo and a redirect to the JPEG.
    ``requests`` counts the GETs, by path."""

    JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8 + b"\xff\xd9"
    OVERSIZE = 10 * 1024 * 1024 + 1

    def __init__(self) -> None:
        from starlette.applications import Starlette
        from starlette.responses import RedirectResponse, Response, StreamingResponse
        from starlette.routing import Route

        from tests.support.served import ServedApp

        self.requests: dict[str, int] = {}

        def counted(handler: Callable[[], Response]) -> Callable[..., Response]:
            async def endpoint(request) -> Response:
                self.requests[request.url.path] = self.requests.get(request.url.path, 0) + 1
                return handler()
            return endpoint

        async def endless() -> AsyncIterator[bytes]:
            chunk = b"\xff\xd8\xff" + bytes(64 * 1024 - 3)
            for _ in range(self.OVERSIZE // len(chunk) + 2):
                yield chunk

        routes = {
            "/anh.jpg": lambda: Response(self.JPEG, media_type="image/jpeg"),
            "/lon.jpg": lambda: Response(b"\xff\xd8\xff" + bytes(self.OVERSIZE - 3),
                                         media_type="image/jpeg"),
            "/khong-khai.jpg": lambda: StreamingResponse(endless(), media_type="image/jpeg"),
            "/trang.html": lambda: Response("<html>Đăng nhập</html>", media_type="text/html"),
            "/gia.jpg": lambda: Response(b"<html>not a photo</html>", media_type="image/jpeg"),
            "/mat.jpg": lambda: Response(status_code=404),
            "/chuyen.jpg": lambda: RedirectResponse("/anh.jpg", status_code=302),
        }
        app = Starlette(routes=[Route(path, counted(handler)) for path, handler in routes.items()])
        self._served = ServedApp(app, "fake Zalo CDN")

    @property
    def base_url(self) -> str:
        return self._served.base_url

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def start(self) -> FakeZaloCdn:
        self._served.start()
        return self

    def stop(self) -> None:
        self._served.stop()


@pytest.fixture
def zalo_cdn() -> Iterator[FakeZaloCdn]:
    cdn = FakeZaloCdn().start()
    yield cdn
    cdn.stop()
