"""What a platform said about one message: the result every sender returns to the outbox.

Senders (Telegram, Zalo OA, ZNS, web chat) translate their platform's answers into one of these
five results; the outbox decides what happens next from the result alone, so no sender needs to
know about retries, dead letters or fallback channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.rasa_client import BotMessage


@dataclass(frozen=True)
class Delivered:
    """The platform accepted the message; ``message_id`` is its own id, kept for receipts."""

    message_id: str | None = None


@dataclass(frozen=True)
class RetryLater:
    """Not now: try the same message again later.

    ``after_s`` is the wait the platform asked for (rate limit, quota); None lets the outbox back
    off by the row's attempts (a 5xx, an answer we could not read). ``pause_channel`` stops the
    whole channel for ``after_s``, for limits that hold for every recipient (Telegram's flood
    control, Zalo's -32); otherwise only this message waits, and its attempts count towards the
    dead-letter limit.
    """

    after_s: float | None = None
    reason: str = ""
    pause_channel: bool = False


@dataclass(frozen=True)
class RefreshCredentials:
    """The credentials were refused even after the sender refreshed them once.

    A sender that holds refreshable credentials (Zalo's access token) refreshes and retries once
    itself; this result reaches the outbox only when that did not help, so the outbox keeps the
    message, pauses the channel and leaves the alert to officers.
    """

    reason: str = ""


@dataclass(frozen=True)
class OutsideWindow:
    """Free-form messages to this user are not allowed now (Zalo's reply window has closed)."""

    reason: str = ""


@dataclass(frozen=True)
class PermanentFailure:
    """The platform will never take this message; ``code`` and ``reason`` are its own words.

    ``hint`` says in Vietnamese, for the officers' dead-letter page, what happened and what to do.
    """

    code: str
    reason: str
    hint: str = ""


DeliveryResult = Delivered | RetryLater | RefreshCredentials | OutsideWindow | PermanentFailure


class Sender(Protocol):
    """Delivers one message on one platform and says what became of it.

    A sender returns a result for every answer the platform gives; it raises only for failures it
    cannot classify (network errors, timeouts), which the outbox retries with backoff.
    """

    channel: str

    async def send(self, address: str, message: BotMessage, kind: str) -> DeliveryResult: ...
