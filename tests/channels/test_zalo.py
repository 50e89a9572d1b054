"""Zalo OA webhook mounted in a web app, against a local fake of Zalo's API, with real Rasa behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from bot.channels import zalo
from bot.channels.outbox import queue
from bot.channels.records import Contact, InboxMessage, OutboxMessage, SeenEvent, ZaloToken
from bot.channels.store import open_store
from bot.rasa_client import BotMessage
from feedback.db import session_scope
from motcua import services
from motcua.settings import Settings, zalo_config
from tests.channels.conftest import wait_for
from tests.support import fake_zalo
from tests.support.fake_zalo import FakeZalo
from tests.support.served import ServedApp
from tests.support.database import migrated_url

pytestmark = pytest.mark.integration

PROCEDURE = "1.001193"
QUESTION = "dang ky khai sinh cho con"


class ZaloWebApp(ServedApp):
    """A FastAPI app with the Zalo router, served on loopback; posts webhook events to it."""

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(f"{self.base_url}/zalo/webhook", content=body, headers=headers, timeout=30)


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    server = FakeZalo().start()
    yield server
    server.stop()


@pytest.fixture
def zalo_app(running_system, fake, tmp_path, monkeypatch):
    """Factory: the web app with the Zalo router, Rasa at ``rasa_port``."""
    served: list[ZaloWebApp] = []
    for key, value in {
        "ZALO_OA_ID": fake_zalo.OA_ID, "ZALO_APP_ID": fake_zalo.APP_ID,
        "ZALO_OA_SECRET_KEY": fake_zalo.OA_SECRET_KEY, "ZALO_APP_SECRET": fake_zalo.APP_SECRET,
        "ZALO_ACCESS_TOKEN": fake.access_token, "ZALO_REFRESH_TOKEN": fake.refresh_token,
        "ZALO_API_BASE_URL": fake.base_url, "ZALO_OAUTH_BASE_URL": fake.base_url,
        "MOTCUA_CHANNEL_RETRY_BASE_S": "1", "MOTCUA_CHANNEL_RETRY_MAX_S": "2",
    }.items():
        monkeypatch.setenv(key, value)

    def start(rasa_port: int | None = None) -> ZaloWebApp:
        settings = Settings(host="127.0.0.1", rasa_port=rasa_port or running_system.rasa_port,
                            data_dir=tmp_path / "var",
                            db_url=migrated_url(tmp_path / "var"))  # migrated, as by `motcua up`
        app = FastAPI()
        router = zalo.create_router(zalo_config(), services.channel_wiring(settings))
        app.include_router(router)
        served.append(ZaloWebApp(app, "web app with Zalo").start())
        return served[-1]

    yield start
    for app in served:
        app.stop()


def _reply_with(fake: FakeZalo, user: str, needle: str, timeout: float = 90) -> str:
    return str(wait_for(lambda: next((t for t in fake.texts(user) if needle in t), None),
                        timeout, f"a Zalo reply containing {needle!r}"))


def test_text_round_trip(zalo_app, fake):
    app = zalo_app()
    response = app.post(*fake.signed(fake.event("u100", QUESTION)))
    assert response.status_code == 200
    _reply_with(fake, "u100", PROCEDURE)
    buttons = [m["message"]["attachment"]["payload"]["buttons"] for m in fake.sent
               if "attachment" in m["message"]]
    for group in buttons:
        assert len(group) <= 5 and all(b["type"] == "oa.query.hide" for b in group)


def _stored(tmp_path: Path, table, address: str | None = None) -> list:
    """Rows of a channels table (for one address), read straight from the database."""
    with Session(open_store(migrated_url(tmp_path / "var"))) as session:
        query = select(table)
        if address is not None:
            query = query.where(table.address == address)
        return list(session.exec(query).all())


def test_forged_signatures_rejected(zalo_app, fake, tmp_path):
    app = zalo_app()
    event = fake.event("u101", QUESTION)
    body, headers = fake.signed(event, secret="not-our-secret")
    assert app.post(body, headers).status_code == 401
    body, headers = fake.signed(event)
    assert app.post(body, {"Content-Type": "application/json"}).status_code == 401
    tampered = body.replace(b"dang ky", b"DANG KY")
    assert app.post(tampered, headers).status_code == 401
    other_app = {**event, "app_id": "999"}
    assert app.post(*fake.signed(other_app)).status_code == 401
    # Refused before anything is stored: nothing to answer, nothing claimed.
    assert _stored(tmp_path, InboxMessage) == [] and _stored(tmp_path, SeenEvent) == []
    assert _stored(tmp_path, OutboxMessage, "u101") == []


def test_replay_ignored_and_bad_bodies_refused(zalo_app, fake, tmp_path):
    app = zalo_app()
    body, headers = fake.signed(fake.event("u102", "xin chào"))
    for _ in range(3):
        assert app.post(body, headers).status_code == 200
    # Each 200 came after the event was stored: the replays left nothing behind.
    assert len(_stored(tmp_path, InboxMessage, "u102")) == 1
    wait_for(lambda: fake.texts("u102"), 90, "the answer")
    assert app.post(b"{oops", headers).status_code == 400
    assert app.post(b"[]", headers).status_code == 400
    huge = fake.event("u102", "x" * 300_000)
    assert app.post(*fake.signed(huge)).status_code == 413


def test_unsupported_content_and_images(zalo_app, fake):
    app = zalo_app()
    sticker = fake.event("u103", name="user_send_sticker")
    assert app.post(*fake.signed(sticker)).status_code == 200
    assert "chưa đọc được" in _reply_with(fake, "u103", "chưa đọc được", 30)
    image = fake.event("u104", name="user_send_image", attachments=[
        {"type": "image", "payload": {"url": "https://photo.example/abc.jpg", "thumbnail": ""}}])
    assert app.post(*fake.signed(image)).status_code == 200
    # Not on Zalo's CDN (ZALO_PHOTO_SOURCES): never fetched, and the citizen hears what to do.
    assert "gửi lại ảnh" in _reply_with(fake, "u104", "chưa tải được ảnh", 30)


def test_expired_token_refreshed_and_persisted(zalo_app, fake, tmp_path):
    app = zalo_app()
    # The schedule refreshes a token seeded from the environment at once (its expiry is unknown).
    wait_for(lambda: fake.refreshes == 1, 30, "the scheduled refresh")
    fake.expire_access_token()
    assert app.post(*fake.signed(fake.event("u105", QUESTION))).status_code == 200
    _reply_with(fake, "u105", PROCEDURE)
    assert fake.refreshes == 2
    with Session(open_store(migrated_url(tmp_path / "var"))) as session:
        stored = session.get(ZaloToken, 1)
    assert stored.refresh_token == fake.refresh_token  # the rotated one, kept for next time


def test_rate_limited_send_is_retried(zalo_app, fake):
    app = zalo_app()
    fake.too_many = 1
    assert app.post(*fake.signed(fake.event("u106", "/help"))).status_code == 200
    wait_for(lambda: fake.texts("u106"), 60, "the answer after the 429")


def test_rasa_down_apology_then_answer(zalo_app, fake, rasa_proxy):
    rasa_proxy.up = False
    app = zalo_app(rasa_proxy.port)
    assert app.post(*fake.signed(fake.event("u107", QUESTION))).status_code == 200
    assert "không cần gửi lại" in _reply_with(fake, "u107", "gián đoạn", 30)
    rasa_proxy.up = True
    _reply_with(fake, "u107", PROCEDURE)


def test_notice_outside_window_is_held_then_released(zalo_app, fake, tmp_path: Path):
    app = zalo_app()
    engine = open_store(migrated_url(tmp_path / "var"))
    with session_scope(engine) as session:  # the citizen last wrote three days ago
        session.add(Contact(channel="zalo", address="u108",
                            last_inbound_at=Contact().last_inbound_at - timedelta(days=3)))
    with session_scope(engine) as session:
        queue(session, "zalo", "u108", [BotMessage(text="Phản ánh PA-7K3Q9M đã có kết quả.")], "notice")
        queue(session, "zalo", "u108", [BotMessage(text="Bản sao qua Telegram.")], "notice",
              [("telegram", "555")])

    def states() -> list[str]:
        with Session(engine) as session:
            return [r.state for r in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]

    assert wait_for(lambda: states()[:2] == ["held", "rerouted"], 20, "held and rerouted notices")
    assert states()[2] == "pending"  # the copy now waits in the Telegram outbox
    assert fake.texts("u108") == []
    assert app.post(*fake.signed(fake.event("u108", "/start"))).status_code == 200
    _reply_with(fake, "u108", "PA-7K3Q9M", 60)
