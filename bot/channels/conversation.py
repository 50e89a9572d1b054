"""The conversation worker: empties one channel's inbox into Rasa, each conversation in order.

While a person answers (live help), a conversation's messages go to the officer instead. When
Rasa is slow the citizen is told to wait; when it is down they get one apology and the message is
retried with backoff until Rasa answers — it is never dropped, and the conversation's later
messages wait behind it. Database work runs in threads, so one slow conversation or a locked
database file never stalls the event loop that serves the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.channels import assisted, exclusive, texts
from bot.channels.intake import IntakeLimits
from bot.channels.outbox import queue
from bot.channels.pulse import Pulse
from bot.channels.records import InboxMessage, utcnow
from bot.handover.desk import HandoverDesk
from bot.rasa_client import BotMessage, RasaClient, RasaUnavailable
from feedback.db import session_scope

log = logging.getLogger(__name__)


class ConversationWorker:
    """Answers the pending messages of one channel; ``kick`` makes it look at once, ``changed``
    is called on the loop whenever it has queued something for the citizen."""

    def __init__(self, engine: Engine, rasa: RasaClient, channel: str, limits: IntakeLimits,
                 desk: HandoverDesk | None, changed: Callable[[], None], poll_s: float = 1.0) -> None:
        self.engine = engine
        self.rasa = rasa
        self.channel = channel
        self.limits = limits
        self.desk = desk
        self.changed = changed
        self.poll_s = poll_s
        self.kick = Pulse()
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Hand pending messages to Rasa forever (cancel the task to stop)."""
        try:
            while True:
                ticket = self.kick.ticket()
                try:
                    for sender in await asyncio.to_thread(self._due_senders):
                        if sender not in self._busy:
                            self._busy.add(sender)
                            task = asyncio.create_task(self._drain(sender))
                            self._tasks.add(task)
                            task.add_done_callback(self._tasks.discard)
                except Exception:
                    log.exception("inbox round failed on %s", self.channel)
                await self.kick.wait(ticket, self.poll_s)
        finally:
            for task in list(self._tasks):
                task.cancel()

    def _due_senders(self) -> list[str]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(InboxMessage.sender)
                .where(InboxMessage.channel == self.channel, InboxMessage.state == "pending",
                       InboxMessage.next_at <= utcnow())
                .distinct()
                .limit(200)
            ).all()
        return list(rows)

    def _head(self, sender: str) -> InboxMessage | None:
        """The conversation's oldest unanswered message: the only one that may go to Rasa now."""
        with Session(self.engine) as session:
            return session.exec(
                select(InboxMessage)
                .where(InboxMessage.channel == self.channel, InboxMessage.sender == sender,
                       InboxMessage.state == "pending")
                .order_by(col(InboxMessage.id))
            ).first()

    async def _drain(self, sender: str) -> None:
        """Answer one conversation's messages in order; stop at the first Rasa failure."""
        try:
            while True:
                # Every worker process runs this loop on the same inbox: the one holding the
                # conversation answers its next message (bot/channels/exclusive.py).
                async with exclusive.hold(self.engine, f"conversation:{self.channel}:{sender}") as mine:
                    row = await asyncio.to_thread(self._head, sender) if mine else None
                    if row is None or row.next_at > utcnow() or not await self._answer(row):
                        return
        except Exception:
            log.exception("a %s conversation could not be relayed", self.channel)
        finally:
            self._busy.discard(sender)

    async def _answer(self, row: InboxMessage) -> bool:
        if self.desk is not None:
            to_officer = await asyncio.to_thread(self.desk.citizen_says, row.sender, row.text)
            if to_officer is not None:
                await self._done(row, [BotMessage(text=texts.FORWARDED_TO_OFFICER)])
                return True
        # The petition and handover actions read channel and address to reach the citizen later.
        metadata = {**json.loads(row.meta), "channel": row.channel, "address": row.address}
        call = asyncio.ensure_future(self.rasa.send(row.sender, row.text, metadata))
        try:
            try:
                replies = await asyncio.wait_for(asyncio.shield(call), self.limits.slow_after_s)
            except TimeoutError:
                if row.attempts == 0:
                    await asyncio.to_thread(self._say, row, texts.RASA_SLOW)
                    self.changed()
                replies = await call
        except RasaUnavailable as error:
            delay = await asyncio.to_thread(self._postpone, row)
            self.changed()
            log.warning("Rasa unavailable for inbox %s (%s); retry in %.0fs", row.id, error, delay)
            return False
        await self._done(row, replies)
        return True

    async def _done(self, row: InboxMessage, replies: list[BotMessage]) -> None:
        await asyncio.to_thread(self._finish, row, replies)
        self.changed()

    def _finish(self, row: InboxMessage, replies: list[BotMessage]) -> None:
        """Queue the replies and close the message, in one transaction."""
        with session_scope(self.engine) as session:
            stored = session.get(InboxMessage, row.id)
            assert stored is not None
            queue(session, row.channel, row.address, replies)
            assisted.note_replies(session, row.sender, replies)
            stored.state = "done"
            stored.done_at = utcnow()
            session.add(stored)

    def _say(self, row: InboxMessage, text: str) -> None:
        with session_scope(self.engine) as session:
            queue(session, row.channel, row.address, [BotMessage(text=text)])

    def _postpone(self, row: InboxMessage) -> float:
        """Retry later with backoff; the first failure of a message apologises. Returns the delay."""
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
        return delay
