"""Zalo webhook hygiene in the web app: replayed old events, Unicode normalisation before limits,
and the web process pruning old event ids. Rasa is not needed (nothing here reaches it)."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.channels import zalo
from bot.channels.records import InboxMessage, SeenEvent, utcnow
from bot.channels.store import open_store
from feedback.db import session_scope
from motcua import services
from motcua.settings import Settings, zalo_config
from tests.conftest import free_port
from tests.support import fake_zalo
from tests.support.fake_zalo import FakeZalo
from tests.support.database import migrated_url

HOURS = 3600 * 1000  # in Zalo's milliseconds


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeZalo]:
    server = FakeZalo().start()
    yield server
    server.stop()


@pytest.fixture
def web(fake: FakeZalo, tmp_path: Path, monkeypatch) -> Callable[[], TestClient]:
    """Factory: the web app with the Zalo router (started with its workers on entering)."""
    for key, value in {
        "ZALO_OA_ID": fake_zalo.OA_ID, "ZALO_APP_ID": fake_zalo.APP_ID,
        "ZALO_OA_SECRET_KEY": fake_zalo.OA_SECRET_KEY, "ZALO_APP_SECRET": fake_zalo.APP_SECRET,
        "ZALO_ACCESS_TOKEN": fake.access_token, "ZALO_REFRESH_TOKEN": fake.refresh_token,
        "ZALO_API_BASE_URL": fake.base_url, "ZALO_OAUTH_BASE_URL": fake.base_url,
        "MOTCUA_CHANNEL_MAX_TEXT_CHARS": "40",
    }.items():
        monkeypatch.setenv(key, value)

    def start() -> TestClient:
        settings = Settings(host="127.0.0.1", rasa_port=free_port(), data_dir=tmp_path / "var")
        migrated_url(settings.data_dir)  # the app's database, as `motcua up` prepares it
        app = FastAPI()
        router = zalo.create_router(zalo_config(), services.channel_wiring(settings))
        app.include_router(router)
        return TestClient(app)

    return start


def _post(client: TestClient, event: dict) -> dict:
    body, headers = FakeZalo.signed(event)
    response = client.post("/zalo/webhook", content=body, headers=headers)
    assert response.status_code == 200
    return response.json()


def _inbox(tmp_path: Path) -> list[InboxMessage]:
    with Session(open_store(migrated_url(tmp_path / "var"))) as session:
        return list(session.exec(select(InboxMessage)).all())


def test_a_replayed_old_event_is_ignored(web, tmp_path):
    old = FakeZalo.event("u200", "dang ky khai sinh")
    old["timestamp"] = str(int(old["timestamp"]) - 4 * HOURS)  # signed by Zalo, four hours ago
    future = FakeZalo.event("u200", "dang ky ket hon")
    future["timestamp"] = str(int(future["timestamp"]) + 4 * HOURS)
    fresh = FakeZalo.event("u200", "xin chào")
    with web() as client:
        assert _post(client, old) == {"ok": True, "ignored": "stale"}
        assert _post(client, future) == {"ok": True, "ignored": "stale"}
        assert _post(client, fresh) == {"ok": True}
    assert [m.text for m in _inbox(tmp_path)] == ["xin chào"]
    with Session(open_store(migrated_url(tmp_path / "var"))) as session:
        claimed = [e.key for e in session.exec(select(SeenEvent)).all()]
    assert claimed == [fresh["message"]["msg_id"]]  # the stale ones were not even claimed


def test_text_is_nfc_normalised_before_the_length_limit(web, tmp_path):
    said = "Tôi muốn hỏi về đăng ký khai sinh"  # 33 characters composed
    decomposed = unicodedata.normalize("NFD", said)
    assert len(decomposed) > 40 >= len(said)  # too long only when counted decomposed
    with web() as client:
        assert _post(client, FakeZalo.event("u201", decomposed)) == {"ok": True}
    [stored] = _inbox(tmp_path)
    assert stored.text == said and unicodedata.is_normalized("NFC", stored.text)


def test_the_web_process_prunes_old_event_ids(web, tmp_path):
    engine = open_store(migrated_url(tmp_path / "var"))
    with session_scope(engine) as session:
        session.add(SeenEvent(channel="zalo", key="old-msg", seen_at=utcnow() - timedelta(days=8)))
        session.add(SeenEvent(channel="zalo", key="recent-msg", seen_at=utcnow() - timedelta(hours=1)))

    def keys() -> list[str]:
        with Session(engine) as session:
            return sorted(e.key for e in session.exec(select(SeenEvent)).all())

    with web():
        deadline = time.monotonic() + 20
        while keys() != ["recent-msg"] and time.monotonic() < deadline:
            time.sleep(0.05)
    assert keys() == ["recent-msg"]
