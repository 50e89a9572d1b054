"""Telegram delivery through the outbox against the local fake Bot API: a blocked bot, an unknown
chat, flood control and texts Telegram finds too long. No Rasa needed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from telegram import Bot

from bot.channels.outbox import Dispatcher, queue, utf16_length
from bot.channels.ratelimit import SendLimiter
from bot.channels.records import OutboxMessage
from bot.channels.store import open_store
from bot.channels.telegram_sender import (
    BLOCKED_HINT,
    NO_CHAT_HINT,
    TelegramSender,
    button_key,
    button_payload,
)
from bot.rasa_client import BotMessage
from feedback.db import session_scope
from tests.channels.conftest import TOKEN
from tests.support.clock import ManualClock
from tests.support.database import migrated_url
from tests.support.fake_telegram import FakeTelegram
from tests.support.outbox import deliver_until


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeTelegram]:
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeTelegram) -> FakeTelegram:
    with fake_server._lock:
        fake_server.calls.clear()
        fake_server.refusals.clear()
        fake_server.flood.clear()
        fake_server.max_text = 4096
    return fake_server


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(migrated_url(tmp_path / "var"))


class Outbox:
    def __init__(self, engine: Engine, bot: Bot) -> None:
        self.engine = engine
        self.clock = ManualClock()
        self.limiter = SendLimiter(per_chat_s=0, global_per_s=1000, clock=self.clock)
        self.dispatcher = Dispatcher(engine, TelegramSender(bot, engine), self.limiter, poll_s=0.01)

    def queue(self, chat: int, *texts: str) -> None:
        for text in texts:
            with session_scope(self.engine) as session:
                queue(session, "telegram", str(chat), [BotMessage(text=text)])

    def rows(self, chat: int) -> list[OutboxMessage]:
        with Session(self.engine) as session:
            return list(session.exec(select(OutboxMessage).where(OutboxMessage.address == str(chat))
                                     .order_by(col(OutboxMessage.id))).all())

    async def until(self, condition: Callable[[], object], rounds: int = 300) -> None:
        """Deliver round after round until ``condition()`` holds."""
        await deliver_until(self.dispatcher, condition, rounds)


@pytest.fixture
async def outbox(fake: FakeTelegram, engine: Engine) -> AsyncIterator[Outbox]:
    async with Bot(TOKEN, base_url=f"{fake.base_url}/bot") as bot:
        yield Outbox(engine, bot)


async def test_a_blocked_bot_is_a_dead_letter_and_blocks_nobody(outbox, fake):
    fake.refuse_chat(3001, 403, "Forbidden: bot was blocked by the user")
    outbox.queue(3001, "Tin một", "Tin hai")
    outbox.queue(3002, "Tin cho người khác")
    await outbox.until(lambda: all(r.state != "pending" for r in outbox.rows(3001) + outbox.rows(3002)))
    assert [(r.state, r.error_code) for r in outbox.rows(3001)] == [("dead", "403"), ("dead", "403")]
    assert outbox.rows(3001)[0].error_hint == BLOCKED_HINT
    assert "blocked" in outbox.rows(3001)[0].error_reason
    [delivered] = outbox.rows(3002)
    assert delivered.state == "sent" and fake.texts(3002) == ["Tin cho người khác"]
    assert delivered.platform_message_id == _last_id(fake, 3002)


async def test_an_unknown_chat_is_a_dead_letter(outbox, fake):
    fake.refuse_chat(3003, 400, "Bad Request: chat not found")
    outbox.queue(3003, "Xin chào")
    await outbox.until(lambda: outbox.rows(3003)[0].state != "pending")
    [row] = outbox.rows(3003)
    assert (row.state, row.error_code, row.error_hint) == ("dead", "400", NO_CHAT_HINT)


async def test_flood_control_pauses_the_channel_and_retries(outbox, fake):
    fake.flood_control("sendMessage", times=1, retry_after=7)
    outbox.queue(3004, "Sau 429")
    await outbox.dispatcher.run_once()
    [row] = outbox.rows(3004)
    assert row.state == "pending" and row.attempts == 0 and "429" in row.last_error
    assert outbox.limiter.reserve("3999") == pytest.approx(7)
    outbox.clock.now += 7
    with session_scope(outbox.engine) as session:  # seven seconds later
        stored = session.get(OutboxMessage, row.id)
        stored.not_before = row.created_at
        session.add(stored)
    await outbox.until(lambda: outbox.rows(3004)[0].state == "sent")
    assert fake.texts(3004) == ["Sau 429"]


async def test_a_text_telegram_finds_too_long_is_split_and_sent(outbox, fake):
    fake.max_text = 60  # stricter than we assumed: Telegram answers 400 "message is too long"
    text = " ".join(f"Bước {i}: nộp hồ sơ tại bộ phận một cửa." for i in range(1, 6))
    outbox.queue(3005, text)
    await outbox.until(lambda: outbox.rows(3005)[0].state != "pending")
    [row] = outbox.rows(3005)
    pieces = fake.texts(3005)
    assert row.state == "sent" and len(pieces) > 1
    assert all(utf16_length(p) <= 60 for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert row.platform_message_id == _last_id(fake, 3005)


def test_texts_are_split_by_telegrams_own_count_before_sending(engine):
    text = "Hồ sơ 📄 " * 700  # 5600 characters, 6300 UTF-16 code units
    with session_scope(engine) as session:
        count = queue(session, "telegram", "3006", [BotMessage(text=text)])
    with Session(engine) as session:
        bodies = [json.loads(r.body)["text"] for r in session.exec(select(OutboxMessage)).all()]
    assert count == len(bodies) == 2
    assert all(utf16_length(b) <= 4096 for b in bodies)
    assert " ".join(bodies).split() == text.split()


def test_callback_data_is_capped(engine):
    key = button_key(engine, "/ask_fee")
    assert len(key.encode()) <= 64 and button_payload(engine, key) == "/ask_fee"
    assert button_payload(engine, key + "x" * 64) is None  # longer than Telegram allows: forged
    assert button_payload(engine, "b:unknown") is None


def _last_id(fake: FakeTelegram, chat: int) -> str:
    """The message_id the fake gave the last accepted send to ``chat`` (it numbers them in order)."""
    return str(fake.sent(chat)[-1].message_id)
