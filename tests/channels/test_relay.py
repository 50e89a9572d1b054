"""The relay's parts on a real channels database: the event loop stays free while the database is
busy, and assisted mode is a command of the intake, so it works on every channel."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from bot.channels import texts
from bot.channels.assisted import Helpers, parse_codes, parse_helpers
from bot.channels.records import InboxMessage, OutboxMessage
from bot.channels.relay import Inbound, IntakeLimits, Outcome, Relay
from bot.channels.store import open_store
from bot.rasa_client import RasaClient
from tests.support.fake_rasa import FakeRasa
from tests.support.database import migrated_url, sqlite_only


@pytest.fixture()
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


def relay_for(tmp_path: Path, rasa: FakeRasa, channel: str, helpers: Helpers | None = None) -> Relay:
    url = f"http://127.0.0.1:{rasa.port}/webhooks/rest/webhook"
    return Relay(open_store(migrated_url(tmp_path)), RasaClient(url), lambda: None, IntakeLimits(), channel=channel,
                 helpers=helpers)


def outbox_texts(relay: Relay, address: str) -> list[str]:
    with Session(relay.intake.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.address == address)
                            .order_by(col(OutboxMessage.id))).all()
    return [json.loads(row.body)["text"] for row in rows]


@sqlite_only("another connection holds the one write lock of the file")
async def test_a_locked_database_does_not_stall_the_event_loop(tmp_path: Path, rasa: FakeRasa) -> None:
    relay = relay_for(tmp_path, rasa, "telegram")
    reached = threading.Event()

    @event.listens_for(relay.intake.engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001 - SQLAlchemy's hook
        # Write transactions wait for the lock at BEGIN IMMEDIATE (feedback/db.py).
        if statement.startswith(("BEGIN IMMEDIATE", "INSERT INTO ch_seen")):
            reached.set()

    # Another process holds the write lock (a long migration, a backup, a stuck writer).
    holder = sqlite3.connect(tmp_path / "motcua.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        message = Inbound("telegram", "1", "telegram-1", "xin chào", "u1")
        accepting = asyncio.create_task(relay.accept(message))
        assert await asyncio.to_thread(reached.wait, 10), "the intake never reached the database"
        # While that message waits for the lock, the same loop still serves another conversation.
        other = await relay.worker.rasa.send("telegram-2", "giờ làm việc")
        assert [m.text for m in other] == ["Trả lời: giờ làm việc"]
        assert not accepting.done()  # it really was waiting for the database all this time
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert (await accepting).outcome is Outcome.ACCEPTED
    await relay.worker.rasa.aclose()


async def test_assisted_mode_is_a_command_on_any_channel(tmp_path: Path, rasa: FakeRasa) -> None:
    relay = relay_for(tmp_path, rasa, "zalo", Helpers(by_code=parse_codes("ZL-CODE-77:Trần Thị B")))

    async def send(text: str, key: str) -> Outcome:
        return (await relay.accept(Inbound("zalo", "u1", "zalo-u1", text, key))).outcome

    assert await send("kết thúc hỗ trợ", "k0") is Outcome.ACCEPTED  # no session: a question for the bot
    assert await send("Hỗ trợ zl-code-77 ông Tòng", "k1") is Outcome.ANSWERED
    assert await send("Hỗ trợ zl-code-77 ông Tòng", "k1") is Outcome.DUPLICATE  # a replayed event
    assert await send("đăng ký khai sinh", "k2") is Outcome.ACCEPTED
    assert await send("kết thúc hỗ trợ", "k3") is Outcome.ANSWERED
    with Session(relay.intake.engine) as session:
        inbox = session.exec(select(InboxMessage).order_by(col(InboxMessage.id))).all()
    assert [(row.sender, row.text) for row in inbox][0] == ("zalo-u1", "kết thúc hỗ trợ")
    asked = inbox[1]
    assert asked.sender.startswith("assisted-HT-") and asked.text == "đăng ký khai sinh"
    assert json.loads(asked.meta)["assisted"]["citizen"] == "ông Tòng"
    opened, card = outbox_texts(relay, "u1")
    assert opened.startswith("Đã mở phiên hỗ trợ HT-") and "(Trần Thị B)" in opened
    assert card.startswith("PHIẾU HỖ TRỢ HT-") and "Người dân: ông Tòng" in card
    await relay.worker.rasa.aclose()


async def test_a_listed_telegram_account_needs_no_code(tmp_path: Path, rasa: FakeRasa) -> None:
    relay = relay_for(tmp_path, rasa, "telegram", Helpers(by_account=parse_helpers("42:Nguyễn Văn A")))
    helper = await relay.accept(Inbound("telegram", "42", "telegram-42", "/hotro bà Lò Thị Mai", "u1"))
    stranger = await relay.accept(Inbound("telegram", "43", "telegram-43", "/hotro bà Lò Thị Mai", "u2"))
    assert helper.outcome is stranger.outcome is Outcome.ANSWERED
    assert outbox_texts(relay, "42")[0].startswith("Đã mở phiên hỗ trợ HT-")
    assert outbox_texts(relay, "43") == [texts.ASSIST_NOT_HELPER]
    await relay.worker.rasa.aclose()
