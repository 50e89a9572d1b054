"""The persistent outbox: every message to a citizen is stored first and delivered from here.

A burst (a hundred status notifications, a slow platform, a 429) only delays delivery; nothing is
lost, because a row leaves the ``pending`` state only when the platform has accepted it, when the
platform says it can never be delivered (the user blocked the bot), or when it moves to a fallback
channel. Messages to one address go out in the order they were queued.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.channels.ratelimit import SendLimiter
from bot.channels.records import OutboxMessage, utcnow
from bot.rasa_client import BotMessage
from feedback.db import session_scope

log = logging.getLogger(__name__)

# The longest text each platform takes in one message; longer texts are split when queued.
TEXT_LIMITS = {"telegram": 4096, "zalo": 2000}
MAX_BACKOFF_S = 600.0


class RetryLater(Exception):
    """The platform asked us to slow down (HTTP 429): try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """The platform will never take this message (user blocked the bot, unknown chat)."""


class OutsideWindow(Exception):
    """Free-form messages to this user are not allowed now (Zalo's window after their last message)."""


class Sender(Protocol):
    """Delivers one message on one platform; raises one of the exceptions above, or any other
    exception for a transient failure (retried with backoff)."""

    channel: str

    async def send(self, address: str, message: BotMessage, kind: str) -> None: ...


def split_text(text: str, limit: int) -> list[str]:
    """Cut a long text at line breaks, else at spaces, into pieces of at most ``limit``."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def fit(message: BotMessage, limit: int) -> list[BotMessage]:
    """One platform-sized message per piece: the image alone first, buttons on the last text."""
    parts: list[BotMessage] = []
    if message.image:
        parts.append(BotMessage(image=message.image))
    texts = split_text(message.text, limit) or ([""] if message.buttons else [])
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        parts.append(BotMessage(text=text, buttons=message.buttons if last else ()))
    return parts


def queue(
    session: Session,
    channel: str,
    address: str,
    messages: Iterable[BotMessage],
    kind: str = "reply",
    fallbacks: Sequence[tuple[str, str]] = (),
) -> int:
    """Add messages to the outbox inside the caller's transaction; returns how many rows."""
    limit = TEXT_LIMITS.get(channel, 2000)
    count = 0
    for message in messages:
        for part in fit(message, limit):
            session.add(OutboxMessage(
                channel=channel, address=address, kind=kind,
                body=json.dumps(part.as_dict(), ensure_ascii=False),
                fallbacks=json.dumps([list(f) for f in fallbacks]),
            ))
            count += 1
    return count


def release_held(session: Session, channel: str, address: str) -> int:
    """The user wrote again, so held notices may go out now (Zalo's window is open again)."""
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.channel) == channel, col(OutboxMessage.address) == address,
               col(OutboxMessage.state) == "held")
        .values(state="pending", not_before=utcnow())
    )
    return session.exec(statement).rowcount  # type: ignore[call-overload]


def _body(row: OutboxMessage) -> BotMessage:
    return BotMessage.from_rest(json.loads(row.body))


class Dispatcher:
    """Delivers one channel's pending rows, oldest first per address, within the rate limits.

    Other processes may queue rows too (status notifications from the web process), so the
    dispatcher also polls the table every ``poll_s`` seconds; ``wake`` makes it look at once.
    """

    def __init__(self, engine: Engine, sender: Sender, limiter: SendLimiter, poll_s: float = 1.0):
        self.engine = engine
        self.sender = sender
        self.limiter = limiter
        self.poll_s = poll_s
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever (cancel the task to stop)."""
        while True:
            try:
                wait = await self.run_once()
            except Exception:  # the database was busy, say: never let the loop die
                log.exception("outbox round failed on %s", self.sender.channel)
                wait = self.poll_s
            if wait > 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                except TimeoutError:
                    pass
            self._wake.clear()

    async def run_once(self) -> float:
        """Send what is due and allowed now; return the seconds until something may be due."""
        now = utcnow()
        wait = self.poll_s
        batch: list[OutboxMessage] = []
        for row in self._heads():
            if row.not_before > now:
                wait = min(wait, (row.not_before - now).total_seconds())
                continue
            delay = self.limiter.reserve(row.address)
            if delay > 0:
                wait = min(wait, delay)
                continue
            batch.append(row)
        await asyncio.gather(*(self._deliver(row) for row in batch))
        return 0.0 if batch else max(wait, 0.01)

    def _heads(self) -> list[OutboxMessage]:
        """The oldest pending row of each address: later ones wait for it, keeping the order."""
        with Session(self.engine) as session:
            first_ids = (
                select(func.min(OutboxMessage.id))
                .where(OutboxMessage.channel == self.sender.channel, OutboxMessage.state == "pending")
                .group_by(col(OutboxMessage.address))
                .limit(1000)
            )
            return list(session.exec(
                select(OutboxMessage).where(col(OutboxMessage.id).in_(first_ids))
            ).all())

    async def _deliver(self, row: OutboxMessage) -> None:
        outcome: _Outcome
        try:
            await self.sender.send(row.address, _body(row), row.kind)
            outcome = _Outcome("sent")
        except RetryLater as error:
            self.limiter.pause(error.retry_after)
            outcome = _Outcome("pending", str(error), delay_s=error.retry_after)
        except OutsideWindow as error:
            outcome = _Outcome("rerouted" if json.loads(row.fallbacks) else "held", str(error))
        except PermanentFailure as error:
            log.error("outbox %s to %s on %s refused for good: %s", row.id, row.address,
                      row.channel, error)
            outcome = _Outcome("failed", str(error))
        except Exception as error:  # transient: network, 5xx, timeouts
            delay = min(MAX_BACKOFF_S, 2.0 ** min(row.attempts + 1, 10))
            log.warning("outbox %s on %s failed (%s), retry in %.0fs", row.id, row.channel,
                        type(error).__name__, delay)
            outcome = _Outcome("pending", f"{type(error).__name__}: {error}", delay_s=delay)
        self._record(row, outcome)

    def _record(self, row: OutboxMessage, outcome: _Outcome) -> None:
        with session_scope(self.engine) as session:
            stored = session.get(OutboxMessage, row.id)
            assert stored is not None
            stored.attempts += 1
            stored.state = outcome.state
            stored.last_error = outcome.error[:500] if outcome.error else None
            if outcome.state == "sent":
                stored.sent_at = utcnow()
            if outcome.delay_s:
                stored.not_before = utcnow() + timedelta(seconds=outcome.delay_s)
            if outcome.state == "rerouted":
                (channel, address), *rest = json.loads(row.fallbacks)
                queue(session, channel, address, [_body(row)], row.kind, [tuple(f) for f in rest])
            session.add(stored)


@dataclass(frozen=True)
class _Outcome:
    state: str
    error: str | None = None
    delay_s: float = 0.0


class OutboxNotifier:
    """feedback.notify's ``Notifier`` for one channel: "sent" means safely queued in our outbox.

    The feedback module marks its notification delivered when ``send`` returns; from then on the
    channel's dispatcher owns delivery, including rate limits, retries and Zalo's window.
    """

    def __init__(self, engine: Engine, channel: str, fallbacks: Sequence[tuple[str, str]] = ()):
        self.engine = engine
        self.channel = channel
        self.fallbacks = tuple(fallbacks)

    def send(self, address: str, message: str) -> None:
        with session_scope(self.engine) as session:
            queue(session, self.channel, address, [BotMessage(text=message)], "notice", self.fallbacks)
