"""The persistent outbox: every message to a citizen is stored first and delivered from here.

A burst (a hundred status notifications, a slow platform, a rate limit) only delays delivery;
nothing is lost, because a row leaves the ``pending`` state only when the platform has accepted it,
when it moves to a fallback channel, or when the platform refuses it for good — then it becomes a
dead letter that officers see and can send again. Messages to one address go out in the order they
were queued, and a dead letter never blocks the ones behind it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.channels.delivery import (
    Delivered,
    DeliveryResult,
    OutsideWindow,
    PermanentFailure,
    RefreshCredentials,
    RetryLater,
    Sender,
)
from bot.channels.ratelimit import SendLimiter
from bot.channels.records import OutboxMessage, utcnow
from bot.rasa_client import BotMessage
from feedback.db import session_scope

log = logging.getLogger(__name__)

# The longest text each platform takes in one message, and how it counts: Telegram counts UTF-16
# code units (an emoji is two), Zalo characters. Longer texts are split when queued.
TEXT_LIMITS = {"telegram": 4096, "zalo": 2000}
MAX_BUTTON_PAYLOAD = 1000  # a tapped button comes back as the user's text: keep it a short command
MAX_BACKOFF_S = 600.0
MAX_ATTEMPTS = 20  # failures of one message before it is a dead letter (about two hours of backoff)
CREDENTIALS_PAUSE_S = 300.0
GAVE_UP = "gave_up"
GAVE_UP_HINT = ("Nền tảng liên tục báo lỗi tạm thời nên hệ thống đã ngừng thử. "
                "Kiểm tra kết nối tới nền tảng rồi bấm “Gửi lại”.")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


MEASURES: dict[str, Callable[[str], int]] = {"telegram": utf16_length}


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Cut a long text at line breaks, else at spaces, into pieces of at most ``limit``."""
    pieces: list[str] = []
    while measure(text) > limit:
        room = _room(text, limit, measure)
        cut = text.rfind("\n", 0, room)
        if cut < room // 2:
            cut = text.rfind(" ", 0, room)
        if cut < room // 2:
            cut = room
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def _room(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """How many leading characters of ``text`` fit in ``limit``."""
    total = 0
    for index, char in enumerate(text):
        total += measure(char)
        if total > limit:
            return max(index, 1)
    return len(text)


def fit(message: BotMessage, limit: int, measure: Callable[[str], int] = len) -> list[BotMessage]:
    """One platform-sized message per piece: the image alone first, buttons on the last text.

    A button whose payload is longer than ``MAX_BUTTON_PAYLOAD`` is left out (and logged): cut
    short, it would send the assistant a command that does not exist.
    """
    buttons = tuple(b for b in message.buttons if len(b.payload) <= MAX_BUTTON_PAYLOAD)
    if len(buttons) < len(message.buttons):
        log.warning("%d button(s) left out: payload over %d characters",
                    len(message.buttons) - len(buttons), MAX_BUTTON_PAYLOAD)
    parts: list[BotMessage] = []
    if message.image:
        parts.append(BotMessage(image=message.image))
    texts = split_text(message.text, limit, measure) or ([""] if buttons else [])
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        parts.append(BotMessage(text=text, buttons=buttons if last else (), data=message.data))
    return parts


def queue(
    session: Session,
    channel: str,
    address: str,
    messages: Iterable[BotMessage],
    kind: str = "reply",
    fallbacks: Sequence[tuple[str, str]] = (),
) -> int:
    """Add messages to the outbox inside the caller's transaction; returns how many rows.

    ``fallbacks`` are the other (channel, address) pairs the citizen gave, tried in order when
    this channel refuses the message for good or Zalo's window is closed (petition notices).
    """
    limit = TEXT_LIMITS.get(channel, 2000)
    measure = MEASURES.get(channel, len)
    count = 0
    for message in messages:
        for part in fit(message, limit, measure):
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


def dead_letters(engine: Engine, limit: int = 200) -> list[OutboxMessage]:
    """Messages refused for good, newest first: what officers review and may send again."""
    with Session(engine) as session:
        return list(session.exec(
            select(OutboxMessage).where(OutboxMessage.state == "dead")
            .order_by(col(OutboxMessage.failed_at).desc(), col(OutboxMessage.id).desc())
            .limit(limit)
        ).all())


def requeue(engine: Engine, row_id: int) -> OutboxMessage | None:
    """Send a dead letter again, as a new row at the end of its address's queue; None if ``row_id``
    is not a dead letter (already requeued by someone else, say)."""
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, row_id)
        if row is None or row.state != "dead":
            return None
        row.state = "requeued"
        copy = OutboxMessage(channel=row.channel, address=row.address, kind=row.kind,
                             body=row.body, fallbacks=row.fallbacks)
        session.add_all([row, copy])
        session.flush()
        session.expunge(copy)
        return copy


def reroute_unfetched(engine: Engine, channel: str, older_than: timedelta) -> int:
    """Notices a pull channel (the web chat) still holds after ``older_than`` go to the next
    channel the citizen gave (ZNS to their phone): nobody opened the page to fetch them, and no
    dispatcher will ever push them. Returns how many moved; each in a transaction of its own."""
    cutoff = utcnow() - older_than
    with Session(engine) as session:
        ids = list(session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.channel == channel, OutboxMessage.state == "pending",
                OutboxMessage.kind == "notice", OutboxMessage.fallbacks != "[]",
                OutboxMessage.created_at < cutoff)
            .order_by(col(OutboxMessage.id)).limit(500)
        ).all())
    moved = 0
    for row_id in ids:
        with session_scope(engine) as session:
            row = session.get(OutboxMessage, row_id)
            if row is None or not _claim(session, row_id, "rerouted",
                                         last_error=f"not fetched within {older_than}"[:500]):
                continue  # fetched by the page meanwhile
            (next_channel, address), *rest = json.loads(row.fallbacks)
            queue(session, next_channel, address, [_body(row)], row.kind, [tuple(f) for f in rest])
            moved += 1
    return moved


async def reroute_unfetched_forever(engine: Engine, channel: str, older_than: timedelta,
                                    every_s: float = 300.0) -> None:
    """``reroute_unfetched`` now and every ``every_s`` seconds (cancel to stop)."""
    while True:
        try:
            moved = await asyncio.to_thread(reroute_unfetched, engine, channel, older_than)
            if moved:
                log.info("%d %s notice(s) not fetched moved to the next channel", moved, channel)
        except Exception:  # a busy database: next round
            log.exception("unfetched %s notices could not be moved", channel)
        await asyncio.sleep(every_s)


def _body(row: OutboxMessage) -> BotMessage:
    return BotMessage.from_rest(json.loads(row.body))


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt does to its row."""

    state: str  # pending | sent | held | rerouted | dead
    error: str | None = None
    delay_s: float = 0.0  # pending: not before now + delay
    pause_s: float = 0.0  # stop the whole channel this long
    counts: bool = True  # the attempt counts towards MAX_ATTEMPTS
    message_id: str | None = None
    code: str | None = None
    hint: str | None = None


def backoff(attempts: int) -> float:
    return min(MAX_BACKOFF_S, 2.0 ** min(attempts, 10))


def decide(row: OutboxMessage, result: DeliveryResult, max_attempts: int = MAX_ATTEMPTS) -> Outcome:
    """The row's next state from what the platform said; pure, so every rule is testable alone."""
    rerouting = bool(json.loads(row.fallbacks))
    attempts = row.attempts + 1
    match result:
        case Delivered(message_id=message_id):
            return Outcome("sent", message_id=message_id)
        case RetryLater(after_s=after_s, reason=reason, pause_channel=True):
            wait = backoff(attempts) if after_s is None else after_s
            return Outcome("pending", reason, delay_s=wait, pause_s=wait, counts=False)
        case RetryLater(after_s=after_s, reason=reason):
            if attempts >= max_attempts:
                return Outcome("rerouted" if rerouting else "dead",
                               f"no delivery after {attempts} attempts; last: {reason}"[:500],
                               code=GAVE_UP, hint=GAVE_UP_HINT)
            return Outcome("pending", reason, delay_s=backoff(attempts) if after_s is None else after_s)
        case RefreshCredentials(reason=reason):
            return Outcome("pending", reason or "credentials refused", delay_s=CREDENTIALS_PAUSE_S,
                           pause_s=CREDENTIALS_PAUSE_S, counts=False)
        case OutsideWindow(reason=reason):
            return Outcome("rerouted" if rerouting else "held", reason)
        case PermanentFailure(code=code, reason=reason, hint=hint):
            return Outcome("rerouted" if rerouting else "dead", reason, code=code, hint=hint or None)
    raise TypeError(f"not a delivery result: {result!r}")



class Dispatcher:
    """Delivers one channel's pending rows, oldest first per address, within the rate limits.

    Other processes may queue rows too (status notifications from the web process), so the
    dispatcher also polls the table every ``poll_s`` seconds; ``wake`` makes it look at once.
    Database work runs in a worker thread, never on the event loop.
    """

    def __init__(self, engine: Engine, sender: Sender, limiter: SendLimiter, poll_s: float = 1.0,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self.engine = engine
        self.sender = sender
        self.limiter = limiter
        self.poll_s = poll_s
        self.max_attempts = max_attempts
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
        heads = await asyncio.to_thread(self._heads)
        now = utcnow()
        wait = self.poll_s
        batch: list[OutboxMessage] = []
        for row in heads:
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
        try:
            result = await self.sender.send(row.address, _body(row), row.kind)
        except Exception as error:  # noqa: BLE001 - transient, unclassified: network, timeouts
            # Only the type is logged: an error's text may quote a URL with a token in it.
            log.warning("outbox %s on %s failed (%s)", row.id, row.channel, type(error).__name__)
            result = RetryLater(None, f"{type(error).__name__}: {error}"[:500])
        else:
            _log_result(row, result)
        outcome = decide(row, result, self.max_attempts)
        if outcome.pause_s:
            self.limiter.pause(outcome.pause_s)
        await asyncio.to_thread(self._record, row, outcome)

    def _record(self, row: OutboxMessage, outcome: Outcome) -> None:
        with session_scope(self.engine) as session:
            stored = session.get(OutboxMessage, row.id)
            assert stored is not None
            now = utcnow()
            if outcome.counts:
                stored.attempts += 1
            stored.state = outcome.state
            stored.last_error = outcome.error[:500] if outcome.error else None
            if outcome.state == "sent":
                stored.sent_at = now
                stored.platform_message_id = outcome.message_id
            if outcome.delay_s:
                stored.not_before = now + timedelta(seconds=outcome.delay_s)
            if outcome.code:
                stored.error_code = outcome.code[:32]
                stored.error_reason = (outcome.error or "")[:500]
                stored.error_hint = outcome.hint[:500] if outcome.hint else None
                stored.failed_at = now
            if outcome.state == "rerouted":
                (channel, address), *rest = json.loads(row.fallbacks)
                queue(session, channel, address, [_body(row)], row.kind, [tuple(f) for f in rest])
            session.add(stored)


def _log_result(row: OutboxMessage, result: DeliveryResult) -> None:
    """One line per refusal, in the platform's words; no address (chat ids and phones are
    personal data)."""
    match result:
        case PermanentFailure(code=code, reason=reason):
            log.error("outbox %s on %s refused for good (%s): %s", row.id, row.channel, code, reason)
        case RetryLater(reason=reason) | RefreshCredentials(reason=reason) | OutsideWindow(reason=reason):
            log.info("outbox %s on %s not delivered now: %s", row.id, row.channel, reason)


def take(
    session: Session, channel: str, address: str, after_id: int | None
) -> list[tuple[int, str, BotMessage]]:
    """A pull channel's delivery (the web chat has no platform to push to): the client fetches its
    rows, which then count as sent. With a cursor, every row after it that was or is being given
    to the page (a lost response is fetched again); without one (a page just loaded), the rows
    never fetched. Returns (id, kind, message) in order.

    A pending row is claimed by a conditional UPDATE, not by writing back what was read: the
    upkeep task may move the same notice to ZNS at the same moment (``reroute_unfetched``), and
    exactly one of the two must win."""
    query = select(OutboxMessage).where(OutboxMessage.channel == channel,
                                        OutboxMessage.address == address)
    if after_id is None:
        query = query.where(OutboxMessage.state == "pending")
    else:
        query = query.where(OutboxMessage.id > after_id,
                            col(OutboxMessage.state).in_(("pending", "sent")))
    rows = list(session.exec(query.order_by(col(OutboxMessage.id)).limit(200)).all())
    given = []
    for row in rows:
        if row.state == "pending" and not _claim(session, row.id, "sent", sent_at=utcnow(),
                                                  attempts=row.attempts + 1):
            continue  # moved to another channel meanwhile
        given.append(row)
    return [(row.id or 0, row.kind, _body(row)) for row in given]


def _claim(session: Session, row_id: int | None, state: str, **values: object) -> bool:
    """Move a pending row to ``state`` unless someone else moved it first."""
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id, OutboxMessage.state == "pending")
        .values(state=state, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
