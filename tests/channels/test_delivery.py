"""Zalo OA delivery through the outbox, against a local fake of Zalo that answers every error code
in an HTTP 200 body as Zalo does: dead letters, retries, fallbacks, token care. No Rasa needed."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.channels.alerts import active_alerts
from bot.channels.delivery import Delivered, RefreshCredentials
from bot.channels.outbox import MAX_ATTEMPTS, Dispatcher, decide, queue
from bot.channels.ratelimit import SendLimiter
from bot.channels.records import Contact, OutboxMessage, ZaloToken, utcnow
from bot.channels.store import open_store
from bot.channels.zalo_api import ZaloSender
from bot.channels.zalo_config import ZaloConfig
from bot.channels.zalo_errors import ZALO_ERRORS, Action
from bot.channels.zalo_tokens import ZaloTokens
from bot.rasa_client import BotMessage, Button
from feedback.db import session_scope
from tests.support import fake_zalo
from tests.support.clock import ManualClock
from tests.support.database import migrated_url
from tests.support.fake_zalo import FakeZalo
from tests.support.outbox import deliver_until

USER = "5550001"
# What the outbox row becomes after one attempt answered with a code of each kind.
STATE_AFTER = {Action.PERMANENT: "dead", Action.WINDOW: "held", Action.THROTTLE: "pending",
               Action.RETRY: "pending", Action.CONFIG: "pending", Action.REFRESH: "sent"}


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeZalo]:
    server = FakeZalo().start()
    yield server
    server.stop()


@pytest.fixture
def fake(fake_server: FakeZalo) -> FakeZalo:
    fake_server.reset()
    return fake_server


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(migrated_url(tmp_path / "var"))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as http:
        yield http


def _config(fake: FakeZalo, **overrides: Any) -> ZaloConfig:
    return ZaloConfig(**{
        "oa_id": fake_zalo.OA_ID, "app_id": fake_zalo.APP_ID, "oa_secret_key": fake_zalo.OA_SECRET_KEY,
        "app_secret": fake_zalo.APP_SECRET, "access_token": fake.access_token,
        "refresh_token": fake.refresh_token, "api_base_url": fake.base_url,
        "oauth_base_url": fake.base_url, **overrides,
    })


class Outbox:
    """A Zalo dispatcher on a test database, with a clock the test moves."""

    def __init__(self, fake: FakeZalo, engine: Engine, client: httpx.AsyncClient) -> None:
        self.engine = engine
        self.clock = ManualClock()
        self.limiter = SendLimiter(per_chat_s=0, global_per_s=1000, clock=self.clock)
        self.tokens = ZaloTokens(_config(fake), engine, client)
        self.sender = ZaloSender(_config(fake), engine, client, self.tokens)
        self.dispatcher = Dispatcher(engine, self.sender, self.limiter, poll_s=0.01)

    def open_window(self, user: str = USER) -> None:
        with session_scope(self.engine) as session:
            session.add(Contact(channel="zalo", address=user))

    def queue(self, *texts: str, user: str = USER, kind: str = "reply",
              fallbacks: tuple[tuple[str, str], ...] = ()) -> None:
        for text in texts:  # one transaction each, as separate replies would be
            with session_scope(self.engine) as session:
                queue(session, "zalo", user, [BotMessage(text=text)], kind, fallbacks)

    def rows(self, channel: str | None = None) -> list[OutboxMessage]:
        with Session(self.engine) as session:
            query = select(OutboxMessage).order_by(col(OutboxMessage.id))
            if channel:
                query = query.where(OutboxMessage.channel == channel)
            return list(session.exec(query).all())

    async def until(self, condition: Callable[[], object], rounds: int = 300) -> None:
        """Deliver round after round until ``condition()`` holds."""
        await deliver_until(self.dispatcher, condition, rounds)


@pytest.fixture
def outbox(fake: FakeZalo, engine: Engine, client: httpx.AsyncClient) -> Outbox:
    box = Outbox(fake, engine, client)
    box.open_window()
    return box


async def test_the_queue_moves_past_a_refused_message(outbox, fake):
    fake.refuse(USER, -213, "User has not followed OA")
    outbox.queue("Câu trả lời thứ nhất", "Câu trả lời thứ hai")
    await outbox.until(lambda: outbox.rows()[1].state == "sent")
    refused, delivered = outbox.rows()
    assert refused.state == "dead" and refused.error_code == "-213"
    assert "not followed" in refused.error_reason and "quan tâm" in refused.error_hint
    assert refused.failed_at is not None
    assert fake.texts(USER) == ["Câu trả lời thứ hai"]
    assert delivered.platform_message_id == fake.message_ids(USER)[0]


@pytest.mark.parametrize("code", sorted(ZALO_ERRORS))
async def test_every_listed_code_in_a_200_body(outbox, fake, code):
    rule = ZALO_ERRORS[code]
    fake.refuse(USER, code, f"Zalo says {code}")
    outbox.queue("Thông báo")
    await outbox.dispatcher.run_once()
    [row] = outbox.rows()
    assert row.state == STATE_AFTER[rule.action]
    if rule.action is Action.PERMANENT:
        assert row.error_code == str(code) and row.error_hint
    elif rule.action is Action.REFRESH:
        assert fake.texts(USER) == ["Thông báo"] and row.platform_message_id
    elif rule.action is not Action.WINDOW:
        assert str(code) in row.last_error and row.error_code is None
        assert row.not_before > utcnow()  # later, not now
        paused = rule.action in (Action.THROTTLE, Action.CONFIG)
        assert row.attempts == (0 if paused else 1)
        assert (outbox.limiter.reserve("someone else") > 0) is paused
    alerts = [a.message for a in active_alerts(outbox.engine)]
    assert bool(alerts) is (rule.action is Action.CONFIG)
    if alerts:
        assert alerts == [rule.hint]


async def test_an_unlisted_code_is_a_dead_letter_in_zalos_words(outbox, fake):
    fake.refuse(USER, -9999, "Something new at Zalo")
    outbox.queue("Tin")
    await outbox.dispatcher.run_once()
    [row] = outbox.rows()
    assert row.state == "dead" and row.error_code == "-9999"
    assert "Something new at Zalo" in row.error_reason and row.error_hint


async def test_rate_limit_minus_32_is_retried_later_not_dead(outbox, fake):
    fake.refuse(USER, -32, "Your application reached limit call api")
    outbox.queue("Tin sau giới hạn")
    await outbox.dispatcher.run_once()
    [row] = outbox.rows()
    assert row.state == "pending" and row.attempts == 0 and "-32" in row.last_error
    assert row.not_before - utcnow() > timedelta(seconds=50)
    assert outbox.limiter.reserve("other") > 50  # the whole channel waits, not just this citizen
    outbox.clock.now += 61  # a minute later
    with session_scope(outbox.engine) as session:
        session.exec(update(OutboxMessage).values(not_before=utcnow()))  # type: ignore[call-overload]
    await outbox.until(lambda: outbox.rows()[0].state == "sent")
    assert fake.texts(USER) == ["Tin sau giới hạn"]


async def test_http_errors_without_a_code(outbox, fake):
    fake.refuse(USER, None, "Bad Request", status=400)
    fake.refuse("u-5xx", None, "Bad Gateway", status=502)
    fake.refuse("u-4xx-coded", -201, "user_id is invalid", status=400)
    outbox.open_window("u-5xx")
    outbox.open_window("u-4xx-coded")
    outbox.queue("a")
    outbox.queue("b", user="u-5xx")
    outbox.queue("c", user="u-4xx-coded")
    await outbox.dispatcher.run_once()
    no_code, server_error, coded = outbox.rows()
    assert (no_code.state, no_code.error_code) == ("dead", "http_400")  # a 4xx is never "delivered"
    assert (server_error.state, server_error.attempts) == ("pending", 1)
    assert (coded.state, coded.error_code) == ("dead", "-201")


async def test_a_message_that_keeps_failing_ends_as_a_dead_letter(outbox, fake):
    fake.refuse(USER, -200, "Send message failed")
    outbox.queue("Tin")
    with session_scope(outbox.engine) as session:
        session.exec(update(OutboxMessage).values(attempts=MAX_ATTEMPTS - 1))  # type: ignore[call-overload]
    await outbox.dispatcher.run_once()
    [row] = outbox.rows()
    assert row.state == "dead" and row.error_code == "gave_up" and "-200" in row.error_reason


async def test_a_notice_outside_the_window_goes_to_zns(outbox, fake):
    outbox.queue("Phản ánh PA-7K3Q9M đã có kết quả.", user="u-silent", kind="notice",
                 fallbacks=(("zns", "0912345678"),))
    await outbox.dispatcher.run_once()
    original, copy = outbox.rows()
    assert original.state == "rerouted" and fake.attempts == []  # Zalo was not even asked
    assert (copy.channel, copy.address, copy.kind, copy.state) == ("zns", "0912345678", "notice", "pending")
    assert json.loads(copy.body)["text"] == "Phản ánh PA-7K3Q9M đã có kết quả."
    assert json.loads(copy.fallbacks) == []


async def test_a_notice_refused_for_good_goes_to_the_next_channel(outbox, fake):
    fake.refuse(USER, -227, "User is inactive")
    outbox.queue("Phản ánh PA-7K3Q9M đã có kết quả.", kind="notice",
                 fallbacks=(("telegram", "42"), ("zns", "0912345678")))
    await outbox.dispatcher.run_once()
    original, copy = outbox.rows()
    assert original.state == "rerouted" and original.error_code == "-227"
    assert (copy.channel, copy.address) == ("telegram", "42")
    assert json.loads(copy.fallbacks) == [["zns", "0912345678"]]


async def test_a_reply_outside_the_window_is_held(outbox, fake):
    outbox.queue("Trả lời muộn", user="u-silent")
    await outbox.dispatcher.run_once()
    assert [r.state for r in outbox.rows()] == ["held"]
    assert fake.attempts == []


async def test_buttons_with_oversize_payloads_are_left_out(outbox, fake):
    message = BotMessage(text="Chọn", buttons=(Button("Có", "/affirm"), Button("Dài", "/x" + "a" * 2000)))
    with session_scope(outbox.engine) as session:
        queue(session, "zalo", USER, [message])
    await outbox.until(lambda: fake.texts(USER))
    [sent] = fake.sent
    buttons = sent["message"]["attachment"]["payload"]["buttons"]
    assert [b["payload"] for b in buttons] == ["/affirm"]


def test_transient_failures_back_off_and_pauses_do_not_count():
    from bot.channels.delivery import RetryLater

    row = OutboxMessage(channel="zalo", address="u", body="{}", attempts=3)
    later = decide(row, RetryLater(None, "HTTP 502"))
    assert (later.state, later.delay_s, later.counts) == ("pending", 16.0, True)
    paused = decide(row, RetryLater(30.0, "flood", pause_channel=True))
    assert (paused.pause_s, paused.counts) == (30.0, False)
    refused = decide(row, RefreshCredentials("token"))
    assert refused.state == "pending" and refused.pause_s > 0 and not refused.counts


# ---- the access token ------------------------------------------------------------------------


def _stored(engine: Engine) -> ZaloToken:
    with Session(engine) as session:
        row = session.get(ZaloToken, 1)
    assert row is not None
    return row


async def test_an_expired_token_is_refreshed_once_by_two_senders(fake, engine):
    """Two processes (two ZaloTokens with their own HTTP clients, one database) find the token
    expired at the same moment: one refreshes, the other waits for its new token."""
    config = _config(fake)
    async with httpx.AsyncClient(timeout=10) as one, httpx.AsyncClient(timeout=10) as two:
        senders = [ZaloSender(config, engine, http, ZaloTokens(config, engine, http)) for http in (one, two)]
        await senders[0].tokens.current()  # seeds the chain from the environment's pair
        with session_scope(engine) as session:
            session.add_all([Contact(channel="zalo", address="u-a"), Contact(channel="zalo", address="u-b")])
            session.exec(update(ZaloToken).values(expires_at=utcnow() - timedelta(minutes=1)))  # type: ignore[call-overload]
        fake.expire_access_token()
        fake.token_delay_s = 0.3  # both are inside a refresh at once
        refreshes_before = fake.refreshes
        results = await asyncio.gather(senders[0].send("u-a", BotMessage(text="một"), "reply"),
                                       senders[1].send("u-b", BotMessage(text="hai"), "reply"))
    assert all(isinstance(r, Delivered) for r in results)
    assert fake.refreshes == refreshes_before + 1
    stored = _stored(engine)
    assert (stored.access_token, stored.refresh_token) == (fake.access_token, fake.refresh_token)
    assert stored.lease_owner is None and stored.expires_at - utcnow() > timedelta(hours=24)


async def test_a_token_refused_by_zalo_is_refreshed_and_the_message_sent_once(outbox, fake):
    await outbox.tokens.current()
    refreshes_before = fake.refreshes
    fake.expire_access_token()  # Zalo answers -216 to the stored token
    outbox.queue("Sau khi làm mới")
    await outbox.until(lambda: outbox.rows()[0].state == "sent")
    assert fake.refreshes == refreshes_before + 1
    assert fake.texts(USER) == ["Sau khi làm mới"]


async def test_a_lease_left_by_a_crashed_process_expires(fake, engine, client):
    tokens = ZaloTokens(_config(fake), engine, client)
    stale = await tokens.current()
    with session_scope(engine) as session:
        session.exec(update(ZaloToken).values(  # type: ignore[call-overload]
            lease_owner="crashed", lease_until=utcnow() - timedelta(seconds=1)))
    assert await tokens.refresh(stale) == fake.access_token != stale


async def test_a_failed_refresh_alerts_officers_without_leaking_tokens(outbox, fake, caplog):
    await outbox.tokens.current()
    seeded = _stored(outbox.engine)
    fake.refresh_token = "revoked-by-the-oa-admin"  # ours no longer works
    fake.expire_access_token()
    outbox.queue("Tin chờ token")
    with caplog.at_level(logging.INFO):
        await outbox.dispatcher.run_once()
    [row] = outbox.rows()
    assert row.state == "pending" and row.attempts == 0  # kept: the message is not at fault
    [alert] = active_alerts(outbox.engine)
    assert alert.channel == "zalo" and "ZALO_REFRESH_TOKEN" in alert.message
    assert seeded.refresh_token not in caplog.text and seeded.access_token not in caplog.text
    assert "refresh failed" in caplog.text


async def test_the_schedule_refreshes_before_expiry(fake, engine, client):
    tokens = ZaloTokens(_config(fake), engine, client)
    refreshes_before = fake.refreshes
    schedule = asyncio.create_task(tokens.keep_fresh(check_every_s=0.05))
    try:
        for _ in range(200):  # an env-seeded token counts as expiring within the hour
            # Zalo answered, and the new pair is stored (its thread may still be writing it).
            if (fake.refreshes > refreshes_before
                    and _stored(engine).refresh_token == fake.refresh_token):
                break
            await asyncio.sleep(0.05)
    finally:
        schedule.cancel()
        await asyncio.gather(schedule, return_exceptions=True)
    assert fake.refreshes == refreshes_before + 1
    assert _stored(engine).expires_at - utcnow() > timedelta(hours=24)
    assert _stored(engine).refresh_token == fake.refresh_token
