"""From a citizen's message to Rasa's replies in the outbox, for every channel alike.

``accept`` stores the message (with its event id, so replays are ignored) before the platform is
acknowledged; a worker then asks Rasa, in order per conversation, and queues the replies. When
Rasa is slow the citizen is told to wait; when it is down they get one apology and the message is
retried with backoff until Rasa answers — it is never dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.channels import assisted, dedupe, texts
from bot.channels.outbox import queue, release_held
from bot.channels.ratelimit import InboundLimiter, Verdict
from bot.channels.records import Contact, InboxMessage, utcnow
from bot.handover.desk import HandoverDesk
from bot.rasa_client import BotMessage, RasaClient, RasaUnavailable
from feedback.db import session_scope

log = logging.getLogger(__name__)


class IntakeLimits(BaseSettings):
    """Limits on what we accept (env ``MOTCUA_CHANNEL_*``); the defaults suit a province."""

    model_config = SettingsConfigDict(env_prefix="MOTCUA_CHANNEL_", extra="ignore")

    max_text_chars: int = 2000
    max_per_minute: int = 20
    slow_after_s: float = 8.0  # then tell the citizen to wait
    retry_base_s: float = 5.0  # first retry after Rasa was down; doubles up to retry_max_s
    retry_max_s: float = 120.0


@dataclass(frozen=True)
class Inbound:
    """One message from a citizen, already translated from the platform's shape."""

    channel: str
    address: str  # where replies go: Telegram chat id, Zalo user id
    sender: str  # the Rasa conversation id
    text: str
    event_key: str  # the platform's id for the event, for dedupe
    metadata: dict[str, Any] = field(default_factory=dict)


class Intake(Enum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REFUSED = "refused"  # too long, too fast or empty; the citizen has been told why


class Relay:
    """The inbox of one channel process and the worker that empties it into Rasa."""

    def __init__(self, engine: Engine, rasa: RasaClient, wake_outbox: Callable[[], None],
                 limits: IntakeLimits | None = None, poll_s: float = 1.0,
                 desk: HandoverDesk | None = None, channel: str = "") -> None:
        self.engine = engine
        self.rasa = rasa
        self.desk = desk  # live help: while a person answers, messages go to them, not to Rasa
        self.channel = channel  # the platform this relay serves: officers' answers for it go out here
        self.wake_outbox = wake_outbox
        self.limits = limits or IntakeLimits()
        self.limiter = InboundLimiter(self.limits.max_per_minute, 60.0)
        self.poll_s = poll_s
        self._kick = asyncio.Event()
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # ---- intake ---------------------------------------------------------------------------------

    def accept(self, inbound: Inbound) -> Intake:
        """Store the message for Rasa, or answer why not; committed before this returns."""
        text = inbound.text.strip()
        with session_scope(self.engine) as session:
            if not dedupe.claim(session, inbound.channel, inbound.event_key):
                return Intake.DUPLICATE
            _touch(session, inbound.channel, inbound.address)
            refusal = self._refusal(inbound.address, text)
            if refusal is not None:
                if refusal:
                    queue(session, inbound.channel, inbound.address, [BotMessage(text=refusal)])
                outcome = Intake.REFUSED
            else:
                session.add(InboxMessage(
                    channel=inbound.channel, address=inbound.address, sender=inbound.sender,
                    text=text, meta=json.dumps(inbound.metadata, ensure_ascii=False),
                ))
                outcome = Intake.ACCEPTED
        self._kick.set()
        self.wake_outbox()
        return outcome

    def answer(self, channel: str, address: str, event_key: str, messages: Iterable[BotMessage]) -> bool:
        """Answer an event ourselves (commands, unsupported content); False for a duplicate."""
        with session_scope(self.engine) as session:
            if not dedupe.claim(session, channel, event_key):
                return False
            _touch(session, channel, address)
            queue(session, channel, address, messages)
        self.wake_outbox()
        return True

    def _refusal(self, address: str, text: str) -> str | None:
        """None to accept; otherwise what to tell the citizen ("" for nothing)."""
        if not text:
            return ""
        if len(text) > self.limits.max_text_chars:
            return texts.too_long(len(text), self.limits.max_text_chars)
        verdict = self.limiter.check(address)
        if verdict is Verdict.REFUSE_AND_TELL:
            return texts.RATE_LIMITED
        if verdict is Verdict.REFUSE_QUIETLY:
            return ""
        return None

    # ---- worker ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Hand pending messages to Rasa forever (cancel the task to stop)."""
        while True:
            try:
                for sender in self._due_senders():
                    if sender not in self._busy:
                        self._busy.add(sender)
                        task = asyncio.create_task(self._drain(sender))
                        self._tasks.add(task)
                        task.add_done_callback(self._tasks.discard)
                self._forward_officer_answers()
            except Exception:
                log.exception("inbox round failed")
            try:
                await asyncio.wait_for(self._kick.wait(), timeout=self.poll_s)
            except TimeoutError:
                pass
            self._kick.clear()

    def _due_senders(self) -> list[str]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(InboxMessage.sender)
                .where(InboxMessage.state == "pending", InboxMessage.next_at <= utcnow())
                .distinct()
                .limit(200)
            ).all()
        return list(rows)

    async def _drain(self, sender: str) -> None:
        """Answer one conversation's messages in order; stop at the first Rasa failure."""
        try:
            while True:
                with Session(self.engine) as session:
                    row = session.exec(
                        select(InboxMessage)
                        .where(InboxMessage.sender == sender, InboxMessage.state == "pending")
                        .order_by(col(InboxMessage.id))
                    ).first()
                if row is None or row.next_at > utcnow() or not await self._answer(row):
                    return
        except Exception:
            log.exception("conversation %s could not be relayed", sender)
        finally:
            self._busy.discard(sender)

    def _forward_officer_answers(self) -> None:
        """Queue what officers wrote in the live-help console for this channel's citizens."""
        if self.desk is None:
            return
        for request, pending in self.desk.undelivered(self.channel):
            with session_scope(self.engine) as session:
                queue(session, self.channel, request.address or "", [
                    BotMessage(text=f"{m.author}: {m.text}" if m.sender == "officer" and m.author else m.text)
                    for m in pending
                ])  # fmt: skip
            self.desk.mark_delivered(request.id, pending[-1].id)
            self.wake_outbox()

    async def _answer(self, row: InboxMessage) -> bool:
        if self.desk is not None and self.desk.citizen_says(row.sender, row.text) is not None:
            return self._forwarded_to_officer(row)
        # The petition action reads channel and address to send status notifications back here.
        metadata = {**json.loads(row.meta), "channel": row.channel, "address": row.address}
        call = asyncio.ensure_future(self.rasa.send(row.sender, row.text, metadata))
        try:
            try:
                replies = await asyncio.wait_for(asyncio.shield(call), self.limits.slow_after_s)
            except TimeoutError:
                if row.attempts == 0:
                    self._say(row, texts.RASA_SLOW)
                replies = await call
        except RasaUnavailable as error:
            self._postpone(row, str(error))
            return False
        with session_scope(self.engine) as session:
            stored = session.get(InboxMessage, row.id)
            assert stored is not None
            queue(session, row.channel, row.address, replies)
            assisted.note_replies(session, row.sender, replies)
            stored.state = "done"
            stored.done_at = utcnow()
            session.add(stored)
        self.wake_outbox()
        return True

    def _forwarded_to_officer(self, row: InboxMessage) -> bool:
        with session_scope(self.engine) as session:
            stored = session.get(InboxMessage, row.id)
            assert stored is not None
            queue(session, row.channel, row.address, [BotMessage(text=texts.FORWARDED_TO_OFFICER)])
            stored.state = "done"
            stored.done_at = utcnow()
            session.add(stored)
        self.wake_outbox()
        return True

    def _say(self, row: InboxMessage, text: str) -> None:
        with session_scope(self.engine) as session:
            queue(session, row.channel, row.address, [BotMessage(text=text)])
        self.wake_outbox()

    def _postpone(self, row: InboxMessage, reason: str) -> None:
        with session_scope(self.engine) as session:
            stored = session.get(InboxMessage, row.id)
            assert stored is not None
            stored.attempts += 1
            delay = min(self.limits.retry_max_s, self.limits.retry_base_s * 2 ** (stored.attempts - 1))
            stored.next_at = utcnow() + timedelta(seconds=delay)
            if not stored.apologised:
                queue(session, row.channel, row.address, [BotMessage(text=texts.RASA_DOWN)])
                stored.apologised = True
            session.add(stored)
        log.warning("Rasa unavailable for inbox %s (%s); retry in %.0fs", row.id, reason, delay)
        self.wake_outbox()


def _touch(session: Session, channel: str, address: str) -> None:
    """Remember the user's last message (it opens Zalo's window) and release held notices."""
    contact = session.get(Contact, (channel, address))
    if contact is None:
        contact = Contact(channel=channel, address=address)
    contact.last_inbound_at = utcnow()
    session.add(contact)
    release_held(session, channel, address)


def last_inbound(session: Session, channel: str, address: str):
    """When the user last wrote to us on this channel, or None."""
    contact = session.get(Contact, (channel, address))
    return contact.last_inbound_at if contact else None
