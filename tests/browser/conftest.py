"""A real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) and a web server for it.

Playwright's own browser downloads are never used: CI installs Chromium with apt
(`apt-get install -y chromium`). Without /usr/bin/chromium these tests skip, saying so.

The browser is module-scoped on purpose: Playwright's sync API marks its event loop as running on
the main thread while it is open, which would break asyncio tests of other modules run after ours.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, free_port
from tests.support.database import migrated_url
from tests.support.served import ServedApp

CHROMIUM = Path(os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SKIP_REASON = f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)"
# Marks every browser test module, so that a missing browser skips before slow fixtures start.
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=SKIP_REASON)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 60_000  # generous: CI machines are small and Rasa answers take a while there
# `MOTCUA_UPDATE_SCREENSHOTS=1 pytest tests/browser` refreshes docs/screenshots/; otherwise the
# screenshots go to a temporary folder, so a test run never changes the repository.
SCREENSHOTS_DIR = REPO_ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Chromium, headless, on a fresh temporary profile (Playwright makes one per launch)."""
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page plus everything it did that a test may want to refuse: dialogs, uncaught errors."""

    page: object
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Watched]]:
    """Opens pages in fresh browser contexts (own cookies), Vietnamese locale, phone or desktop size.

    Any `alert()`/`confirm()` a page raises is recorded in `.dialogs` and dismissed; uncaught
    JavaScript errors go to `.errors`.
    """
    contexts = []

    def open_(viewport: dict | None = None) -> Watched:
        context = browser.new_context(
            viewport=viewport or DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
            is_mobile=viewport == PHONE, has_touch=viewport == PHONE, device_scale_factor=1)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watched = Watched(page)
        page.on("dialog", lambda dialog: (watched.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: watched.errors.append(str(error)))
        return watched

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("MOTCUA_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS_DIR
    return tmp_path_factory.mktemp("screenshots")


def horizontal_overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when nothing overflows)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth")


@dataclass
class WebServer:
    url: str
    data_dir: Path
    db_url: str


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """The real web app (`motcua.web.create_app`) served by uvicorn on a free loopback port.

    Rasa is not started: these pages (officer console, public page) do not talk to it.
    """
    from motcua.settings import Settings
    from motcua.web import create_app

    data_dir = tmp_path_factory.mktemp("web-data")
    db_url = migrated_url(data_dir)
    server = ServedApp(create_app(Settings(data_dir=data_dir, db_url=db_url, rasa_port=free_port())),
                       "browser-test-web").start()
    yield WebServer(server.base_url, data_dir, db_url)
    server.stop()
