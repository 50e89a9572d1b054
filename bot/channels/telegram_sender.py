"""Outbox → Telegram: texts, photos and inline keyboards, with Telegram's errors mapped to the
outbox's retry rules.

Button payloads go through a short key (``b:<key>``) because callback_data holds 64 bytes at
most; the key is a digest of the payload, stored so buttons keep working after a restart.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Engine
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from bot.channels.outbox import PermanentFailure, RetryLater
from bot.channels.records import ButtonPayload, utcnow
from bot.rasa_client import BotMessage
from feedback.db import session_scope

CALLBACK_PREFIX = "b:"


def button_key(engine: Engine, payload: str) -> str:
    """The callback_data for a payload (idempotent: one key per payload)."""
    key = hashlib.sha256(payload.encode()).hexdigest()[:24]
    with session_scope(engine) as session:
        statement = insert(ButtonPayload).values(key=key, payload=payload, created_at=utcnow())
        session.exec(statement.on_conflict_do_nothing())  # type: ignore[call-overload]
    return CALLBACK_PREFIX + key


def button_payload(engine: Engine, callback_data: str) -> str | None:
    """The payload behind a callback_data, or None for an unknown or forged one."""
    if not callback_data.startswith(CALLBACK_PREFIX):
        return None
    with session_scope(engine) as session:
        row = session.get(ButtonPayload, callback_data.removeprefix(CALLBACK_PREFIX))
        return row.payload if row else None


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]


class TelegramSender:
    """The outbox's ``Sender`` for Telegram."""

    channel = "telegram"

    def __init__(self, bot: Bot, engine: Engine) -> None:
        self.bot = bot
        self.engine = engine

    def keyboard(self, message: BotMessage) -> InlineKeyboardMarkup | None:
        if not message.buttons:
            return None
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.title, callback_data=button_key(self.engine, b.payload))]
             for b in message.buttons]
        )

    async def send(self, address: str, message: BotMessage, kind: str) -> None:
        markup = self.keyboard(message)
        try:
            if message.image:
                await self.bot.send_photo(address, message.image, caption=message.text or None,
                                          reply_markup=markup)
            else:
                await self.bot.send_message(address, message.text or "…", reply_markup=markup)
        except RetryAfter as error:
            raise RetryLater(_seconds(error.retry_after)) from error
        except (Forbidden, ChatMigrated) as error:
            raise PermanentFailure(f"{type(error).__name__}: {error.message}") from error
        except BadRequest as error:
            raise PermanentFailure(f"BadRequest: {error.message}") from error
