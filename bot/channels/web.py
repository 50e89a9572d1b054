"""The web chat as a channel: the same inbox, outbox, dedupe, limits, live help and assisted mode
as Telegram and Zalo; only the last step differs, because a browser cannot be pushed to.

The page posts a message with its own id (a double submit is one message) and the cursor of the
last reply it showed. The POST waits, bounded, until that message is answered — or its
conversation is known to be waiting for Rasa — and returns every reply after the cursor; the page
polls ``updates`` for what comes later (officer answers, the answer after an outage). Fetched
outbox rows count as delivered (``outbox.take``).

Past capacity the page is told when to send again, and sends the same message with the same id:
too fast for this chat (the intake's limit; the refusal keeps nothing, so the resend is not a
duplicate), or too many web messages already waiting for Rasa (the bounded queue).
"""

from __future__ import annotations

import asyncio
import math
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.channels import assisted, texts
from bot.channels.intake import Inbound, IntakeLimits, Outcome
from bot.channels.officers import KIND as OFFICER_KIND
from bot.channels.outbox import take
from bot.channels.pulse import Pulse
from bot.channels.records import InboxMessage, OutboxMessage, SeenEvent
from bot.channels.relay import Relay
from bot.handover.desk import HandoverDesk
from bot.rasa_client import BotMessage, RasaClient
from feedback.db import session_scope

CHANNEL = "web"
SENDER_PREFIX = "web-"
BUSY_RETRY_S = 5  # when the queue is full: Rasa answers a few messages a second


@dataclass(frozen=True)
class Exchange:
    """What the page gets back: the replies after its cursor, and the conversation's state."""

    messages: list[dict[str, Any]]
    cursor: int
    pending: bool  # a message of this chat still waits for its answer: keep polling
    handover: bool  # an officer is (or will be) answering: keep polling
    assisted: str | None  # the open assisted session's code
    outcome: Outcome | None = None
    notes: list[str] = field(default_factory=list)
    busy: bool = False  # not taken: too many web messages wait for Rasa
    retry_after_s: int = 0  # not taken: the page sends the same message again after this


def conversation_id(address: str) -> str:
    return SENDER_PREFIX + address


class WebChat:
    """One web process's chat channel. ``start``/``stop`` run its worker while the app serves."""

    def __init__(self, engine: Engine, desk: HandoverDesk, rasa_url: str,
                 limits: IntakeLimits | None = None, helpers: assisted.Helpers | None = None) -> None:
        self.engine = engine
        self.desk = desk
        self.rasa_url = rasa_url
        self.limits = limits or IntakeLimits()
        self.helpers = helpers or assisted.Helpers()
        self.changed = Pulse()  # something was queued for a browser, or a message was answered
        self.relay = self._relay()
        self._users = 0
        self._worker: tuple[asyncio.AbstractEventLoop, asyncio.Task[None]] | None = None
        self._spent = False  # the relay's Rasa client was closed with its worker

    def _relay(self) -> Relay:
        return Relay(self.engine, RasaClient(self.rasa_url), self.changed.notify, self.limits,
                     channel=CHANNEL, desk=self.desk, helpers=self.helpers)

    # ---- lifecycle: one worker however many app lifespans overlap (tests run several) ----------

    async def start(self) -> None:
        self._users += 1
        if self._worker is None:
            if self._spent:
                self.relay, self._spent = self._relay(), False
            self._worker = (asyncio.get_running_loop(), asyncio.create_task(self._serve(self.relay)))

    async def stop(self) -> None:
        self._users -= 1
        if self._users > 0 or self._worker is None:
            return
        loop, task = self._worker
        self._worker, self._spent = None, True
        if loop is asyncio.get_running_loop():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        else:
            loop.call_soon_threadsafe(task.cancel)

    @staticmethod
    async def _serve(relay: Relay) -> None:
        try:
            await relay.run()
        finally:
            await relay.worker.rasa.aclose()

    # ---- the page's two requests ---------------------------------------------------------------

    async def say(self, address: str, text: str, client_id: str, after: int | None) -> Exchange:
        """Take one message from the page and return what it can show now (``after``: the page's
        cursor, None when it has none)."""
        key = f"m{client_id}" if client_id else f"r{secrets.token_hex(8)}"
        if await asyncio.to_thread(self._full, key):
            exchange = await self.updates(address, after)
            return replace(exchange, busy=True, retry_after_s=BUSY_RETRY_S)
        receipt = await self.relay.accept(Inbound(CHANNEL, address, conversation_id(address), text,
                                                  key, resent_if_too_fast=True))
        if receipt.outcome is Outcome.TOO_FAST:
            # The window slides: room frees when the oldest message counted leaves it. The key is
            # the one intake counts under (channel:address).
            wait = await asyncio.to_thread(self.relay.intake.limiter.wait_s, f"{CHANNEL}:{address}")
            return replace(await self.updates(address, after), outcome=receipt.outcome,
                           retry_after_s=max(math.ceil(wait), 1))
        if receipt.outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE):
            await self._settled(address, receipt.inbox_id)
        exchange = await self.updates(address, after)
        notes = []
        if not exchange.messages and exchange.pending:
            notes.append(await asyncio.to_thread(self._waiting_note, address))
        return Exchange(exchange.messages, exchange.cursor, exchange.pending, exchange.handover,
                        exchange.assisted, receipt.outcome, notes)

    async def updates(self, address: str, after: int | None) -> Exchange:
        """The replies after ``after`` (officer answers included) and the chat's state."""
        await self.relay.forward_officer_answers()
        return await asyncio.to_thread(self._snapshot, address, after)

    # ---- waiting for the answer ----------------------------------------------------------------

    async def _settled(self, address: str, inbox_id: int | None) -> None:
        """Return when the message is answered or stuck behind Rasa, or after ``web_wait_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.web_wait_s
        while True:
            ticket = self.changed.ticket()
            if await asyncio.to_thread(self._is_settled, address, inbox_id):
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            # What other processes change does not notify us: look again every second at worst.
            await self.changed.wait(ticket, min(remaining, 1.0))

    def _is_settled(self, address: str, inbox_id: int | None) -> bool:
        with Session(self.engine) as session:
            if inbox_id is not None:
                row = session.get(InboxMessage, inbox_id)
                if row is not None and row.state == "done":
                    return True
            head = _head(session, address)
            return head is None or head.attempts > 0  # nothing waits, or Rasa is known to be down

    def _full(self, key: str) -> bool:
        """True when ``web_max_pending`` web messages wait for Rasa and this one is not among
        them (a resend of a message already taken is never refused)."""
        with Session(self.engine) as session:
            if session.get(SeenEvent, (CHANNEL, key[:100])) is not None:
                return False
            waiting = session.exec(
                select(func.count()).select_from(InboxMessage)
                .where(InboxMessage.channel == CHANNEL, InboxMessage.state == "pending")
            ).one()
        return waiting >= self.limits.web_max_pending

    def _waiting_note(self, address: str) -> str:
        with Session(self.engine) as session:
            head = _head(session, address)
        return texts.QUEUED if head is not None and head.attempts > 0 else texts.RASA_SLOW

    # ---- what the page shows -------------------------------------------------------------------

    def _snapshot(self, address: str, after: int | None) -> Exchange:
        with session_scope(self.engine) as session:
            rows = take(session, CHANNEL, address, after)
            if after is None:  # a page without a cursor starts after everything there is
                latest = session.exec(
                    select(func.max(OutboxMessage.id))
                    .where(OutboxMessage.channel == CHANNEL, OutboxMessage.address == address)
                ).one()
                after = latest or 0
            cursor = max([after, *(row_id for row_id, _, _ in rows)])
            pending = _head(session, address) is not None
            sender, _ = assisted.conversation(session, CHANNEL, address, conversation_id(address))
        handover = self.desk.active(sender) is not None
        in_session = sender.startswith(assisted.SENDER_PREFIX)
        code = sender.removeprefix(assisted.SENDER_PREFIX) if in_session else None
        return Exchange([_shown(*row) for row in rows], cursor, pending, handover, code)


def _head(session: Session, address: str) -> InboxMessage | None:
    """The chat's oldest unanswered message."""
    return session.exec(
        select(InboxMessage)
        .where(InboxMessage.channel == CHANNEL, InboxMessage.address == address,
               InboxMessage.state == "pending")
        .order_by(col(InboxMessage.id))
    ).first()


def _shown(row_id: int, kind: str, message: BotMessage) -> dict[str, Any]:
    buttons = [{"title": b.title, "payload": b.payload} for b in message.buttons]
    return {"id": row_id, "text": message.text, "buttons": buttons, "image": message.image,
            "officer": kind == OFFICER_KIND}
