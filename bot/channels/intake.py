"""Intake: every channel's door. A citizen's message is stored for the conversation worker, or
answered at once, in one transaction committed before the platform is acknowledged.

The transaction claims the event's id (a replay is ignored), notes the contact, refuses what is
empty, too long or too fast (saying why, once), answers the assisted-mode commands, and stores the
rest in the inbox. It runs in a worker thread: a busy database never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from bot.channels import assisted, dedupe, shared_limits, texts
from bot.channels.contacts import touch
from bot.channels.outbox import queue
from bot.channels.ratelimit import Verdict
from bot.channels.records import InboxMessage
from bot.rasa_client import BotMessage
from feedback.db import session_scope


class IntakeLimits(BaseModel):
    """Limits on what we accept and how long we wait (``MOTCUA_CHANNEL_*``, read by
    ``motcua.settings``); the defaults suit a province."""

    max_text_chars: int = 2000
    max_per_minute: int = 20
    rate_window_s: float = 60.0  # the window max_per_minute counts over (tests shorten it)
    slow_after_s: float = 8.0  # then tell the citizen to wait
    retry_base_s: float = 5.0  # first retry after Rasa was down; doubles up to retry_max_s
    retry_max_s: float = 120.0
    # How long the web chat's POST waits for its answer before the page falls back to polling;
    # above Rasa's own timeout (30 s), so normally the answer or the apology comes in the response.
    web_wait_s: float = 35.0
    # Web chat messages waiting for Rasa before new ones are refused (503: the page sends again).
    web_max_pending: int = 500


@dataclass(frozen=True)
class Inbound:
    """One message from a citizen, already translated from the platform's shape."""

    channel: str
    address: str  # where replies go: Telegram chat id, Zalo user id, the web chat's cookie
    sender: str  # the Rasa conversation id (an open assisted session replaces it)
    text: str
    event_key: str  # the platform's id for the event, for dedupe
    metadata: dict[str, Any] = field(default_factory=dict)
    # The sender resends a message refused as too fast itself (the web page, after Retry-After):
    # such a refusal keeps nothing, neither the event's id nor a reply.
    resent_if_too_fast: bool = False


class Outcome(Enum):
    ACCEPTED = "accepted"  # in the inbox, for Rasa or the officer
    ANSWERED = "answered"  # a command the intake answered itself
    DUPLICATE = "duplicate"
    EMPTY = "empty"
    TOO_LONG = "too_long"  # the citizen has been told the limit
    TOO_FAST = "too_fast"  # told once per window, then refused quietly


@dataclass(frozen=True)
class Receipt:
    outcome: Outcome
    inbox_id: int | None = None  # the stored message, when ACCEPTED


class Intake:
    """The door of one channel: ``accept`` for citizens' messages, ``answer`` for events the
    channel answers itself. Each call is one transaction, run off the event loop."""

    def __init__(self, engine: Engine, limits: IntakeLimits, helpers: assisted.Helpers) -> None:
        self.engine = engine
        self.limits = limits
        self.helpers = helpers
        # In Redis when one is set: every worker counts the same messages.
        self.limiter = shared_limits.inbound_limiter(limits.max_per_minute, limits.rate_window_s)
        self._limiter_lock = threading.Lock()  # accept runs in worker threads

    async def accept(self, inbound: Inbound) -> Receipt:
        """Store the message for Rasa, or answer it, or say why not; committed before returning."""
        return await asyncio.to_thread(self.accept_now, inbound)

    async def answer(self, channel: str, address: str, event_key: str,
                     messages: Iterable[BotMessage]) -> bool:
        """Answer an event ourselves (welcome, unsupported content); False for a duplicate."""
        return await asyncio.to_thread(self.answer_now, channel, address, event_key, list(messages))

    def accept_now(self, inbound: Inbound) -> Receipt:
        """``accept`` for a caller already off the event loop."""
        text = inbound.text.replace("\x00", "").strip()  # PostgreSQL's text holds no NUL
        channel, address = inbound.channel, inbound.address
        with session_scope(self.engine) as session:
            if not dedupe.claim(session, channel, inbound.event_key):
                return Receipt(Outcome.DUPLICATE)
            touch(session, channel, address)
            refused, why = self._refusal(channel, address, text)
            if refused is not None:
                if refused is Outcome.TOO_FAST and inbound.resent_if_too_fast:
                    session.rollback()
                elif why:
                    queue(session, channel, address, [BotMessage(text=why)])
                return Receipt(refused)
            reply = assisted.command(session, self.helpers, channel, address, text)
            if reply is not None:
                queue(session, channel, address, [BotMessage(text=reply)])
                return Receipt(Outcome.ANSWERED)
            sender, extra = assisted.conversation(session, channel, address, inbound.sender)
            row = InboxMessage(
                channel=channel, address=address, sender=sender, text=text,
                meta=json.dumps({**inbound.metadata, **extra}, ensure_ascii=False),
            )
            session.add(row)
            session.flush()
            return Receipt(Outcome.ACCEPTED, row.id)

    def answer_now(self, channel: str, address: str, event_key: str, messages: list[BotMessage]) -> bool:
        with session_scope(self.engine) as session:
            if not dedupe.claim(session, channel, event_key):
                return False
            touch(session, channel, address)
            queue(session, channel, address, messages)
        return True

    def _refusal(self, channel: str, address: str, text: str) -> tuple[Outcome | None, str]:
        """(None, "") to accept; otherwise the outcome and what to tell the citizen ("" for nothing)."""
        if not text:
            return Outcome.EMPTY, ""
        if len(text) > self.limits.max_text_chars:
            return Outcome.TOO_LONG, texts.too_long(len(text), self.limits.max_text_chars)
        with self._limiter_lock:
            verdict = self.limiter.check(f"{channel}:{address}")
        if verdict is Verdict.REFUSE_AND_TELL:
            return Outcome.TOO_FAST, texts.RATE_LIMITED
        if verdict is Verdict.REFUSE_QUIETLY:
            return Outcome.TOO_FAST, ""
        return None, ""
