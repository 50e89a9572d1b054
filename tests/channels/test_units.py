"""Cheap checks of the channel building blocks, no processes started."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

import pytest
from sqlmodel import Session, select

from bot.channels import assisted, dedupe
from bot.channels.delivery import Delivered, DeliveryResult, RetryLater
from bot.channels.logsafe import RedactingFormatter
from bot.channels.outbox import Dispatcher, fit, queue, split_text
from bot.channels.ratelimit import InboundLimiter, SendLimiter, Verdict
from bot.channels.records import AssistedSession, OutboxMessage
from bot.channels.store import open_store
from bot.channels.zalo import verify
from bot.channels.zalo_config import ZaloConfig
from bot.rasa_client import BotMessage, Button
from feedback.db import session_scope
from tests.support import fake_zalo
from tests.support.clock import ManualClock
from tests.support.fake_zalo import FakeZalo
from tests.support.database import migrated_url


def test_split_text_keeps_everything_within_the_limit():
    text = "\n".join(f"Dòng số {i}: giấy tờ cần chuẩn bị" for i in range(300))
    pieces = split_text(text, 500)
    assert all(len(p) <= 500 for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_fit_puts_image_first_and_buttons_last():
    message = BotMessage(text="x " * 3000, buttons=(Button("Có", "/affirm"),), image="http://a/b.png")
    parts = fit(message, 2000)
    assert parts[0].image and not parts[0].text
    assert parts[-1].buttons and all(not p.buttons for p in parts[:-1])


def test_send_limiter_per_chat_global_and_pause():
    clock = ManualClock(100.0)
    limiter = SendLimiter(per_chat_s=1.0, global_per_s=3, clock=clock)
    assert limiter.reserve("a") == 0
    assert limiter.reserve("a") == pytest.approx(1.0)
    assert limiter.reserve("b") == 0 and limiter.reserve("c") == 0
    assert limiter.reserve("d") > 0  # three a second in all
    clock.now += 1.0
    assert limiter.reserve("d") == 0
    limiter.pause(5)
    assert limiter.reserve("e") == pytest.approx(5)


def test_inbound_limiter_tells_once_per_window():
    clock = ManualClock(100.0)
    limiter = InboundLimiter(limit=2, window_s=60, clock=clock)
    verdicts = [limiter.check("u") for _ in range(4)]
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.REFUSE_AND_TELL, Verdict.REFUSE_QUIETLY]
    clock.now += 61
    assert limiter.check("u") is Verdict.ALLOW


def test_zalo_signature_matches_the_platform_scheme():
    config = ZaloConfig(oa_id=fake_zalo.OA_ID, app_id=fake_zalo.APP_ID,
                        oa_secret_key=fake_zalo.OA_SECRET_KEY, app_secret="s",
                        access_token="a", refresh_token="r")
    event = FakeZalo.event("u1", "xin chào")
    body, headers = FakeZalo.signed(event)
    assert verify(config, body, event, headers["X-ZEvent-Signature"])
    assert verify(config, body, event, headers["X-ZEvent-Signature"].removeprefix("mac="))
    assert not verify(config, body + b" ", event, headers["X-ZEvent-Signature"])
    assert not verify(config, body, event, "mac=" + "0" * 64)
    assert not verify(config, body, {**event, "timestamp": ""}, headers["X-ZEvent-Signature"])


def test_dedupe_claims_once(tmp_path):
    engine = open_store(migrated_url(tmp_path))
    with session_scope(engine) as session:
        assert dedupe.claim(session, "telegram", "u1")
        assert not dedupe.claim(session, "telegram", "u1")
        assert dedupe.claim(session, "zalo", "u1")


def test_assisted_records_codes_from_replies(tmp_path):
    engine = open_store(migrated_url(tmp_path))
    helpers = assisted.parse_helpers("12:Nguyễn Văn A; 34:Trần B ;")
    assert helpers["34"].name == "Trần B" and len(helpers) == 2
    with session_scope(engine) as session:
        assisted.start(session, "telegram", "12", helpers["12"], "ông Tòng")
    with session_scope(engine) as session:
        sender, metadata = assisted.conversation(session, "telegram", "12", "telegram-12")
        assert metadata["assisted"]["helper_name"] == "Nguyễn Văn A"
        assisted.note_replies(session, sender, [
            BotMessage(text="Thủ tục 1.001193 Đăng ký khai sinh\nLệ phí: miễn"),
            BotMessage(text="Đã nhận phản ánh, mã PA-ABCDEF"),  # check character wrong: ignored
        ])
    with session_scope(engine) as session:
        card = assisted.handover_card(assisted.finish(session, "telegram", "12"))
    assert "1.001193 Đăng ký khai sinh" in card and "PA-ABCDEF" not in card
    with Session(engine) as session:
        assert session.exec(select(AssistedSession)).one().ended_at is not None


def test_redacting_formatter_hides_secrets_in_tracebacks():
    formatter = RedactingFormatter(["123:SECRET"])
    try:
        raise ConnectionError("POST https://api.telegram.org/bot123:SECRET/getMe failed")
    except ConnectionError:
        record = logging.LogRecord("httpx", logging.ERROR, __file__, 1, "url %s",
                                   ("https://api.telegram.org/bot123:SECRET/x",), exc_info=True)
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "SECRET" not in text and "***" in text


class RecordingPlatform:
    """Stands in for a messaging platform: accepts, or answers 429 once for one address."""

    channel = "telegram"

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str]] = []
        self.flood_once = {"b"}

    async def send(self, address: str, message: BotMessage, kind: str) -> DeliveryResult:
        if address in self.flood_once:
            self.flood_once.discard(address)
            return RetryLater(0.05, "429", pause_channel=True)
        self.delivered.append((address, message.text))
        return Delivered(f"id-{len(self.delivered)}")


async def test_dispatcher_keeps_order_per_address_and_retries(tmp_path):
    engine = open_store(migrated_url(tmp_path))
    with session_scope(engine) as session:
        for i in range(3):
            queue(session, "telegram", "a", [BotMessage(text=f"a{i}")])
            queue(session, "telegram", "b", [BotMessage(text=f"b{i}")])
    with session_scope(engine) as session:
        queue(session, "telegram", "c", [BotMessage(text="thông báo")], "notice")
    platform = RecordingPlatform()
    dispatcher = Dispatcher(engine, platform, SendLimiter(per_chat_s=0, global_per_s=100), poll_s=0.05)
    for _ in range(200):
        await dispatcher.run_once()
        if len(platform.delivered) == 7:
            break
        await asyncio.sleep(0.01)
    assert [t for a, t in platform.delivered if a == "a"] == ["a0", "a1", "a2"]
    assert [t for a, t in platform.delivered if a == "b"] == ["b0", "b1", "b2"]
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {r.state for r in rows} == {"sent"}
    assert [r.kind for r in rows if r.address == "c"] == ["notice"]
    assert json.loads(rows[0].body)["text"] == "a0"
