"""Outbox → Telegram: texts, photos and inline keyboards, each of Telegram's answers classified.

Button payloads go through a short key (``b:<key>``) because callback_data holds 64 bytes at
most; the key is a digest of the payload, stored so buttons keep working after a restart.

What Telegram says, and what the outbox does with it: 403 (the user blocked the bot) and 400
"chat not found" are dead letters; 400 "message is too long" is split and sent again in pieces
(texts are split before sending too, by Telegram's own count); 429 pauses the channel for
``retry_after``; 401/404 (the bot token refused) keep the messages and pause; network errors and
timeouts are raised for the outbox to retry with backoff.
"""

from __future__ import annotations

import asyncio
import hashlib

from sqlalchemy.engine import Engine
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from bot.channels.delivery import (
    Delivered,
    DeliveryResult,
    PermanentFailure,
    RefreshCredentials,
    RetryLater,
)
from bot.channels.outbox import split_text, utf16_length
from bot.channels.records import ButtonPayload, utcnow
from bot.rasa_client import BotMessage
from feedback.db import insert_new, session_scope

CALLBACK_PREFIX = "b:"
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit: anything longer is forged
BLOCKED_HINT = ("Người dân đã chặn bot Telegram hoặc xoá cuộc trò chuyện. Hãy liên hệ qua kênh "
                "khác (điện thoại, Zalo); chỉ gửi lại khi họ đã mở lại bot.")
NO_CHAT_HINT = ("Không tìm thấy cuộc trò chuyện Telegram (người dân chưa từng nhắn bot hoặc đã xoá "
                "tài khoản). Hãy liên hệ qua kênh khác.")
REFUSED_HINT = "Telegram từ chối tin nhắn này. Báo bộ phận kỹ thuật kèm mã lỗi; gửi lại sẽ không giúp được."


def button_key(engine: Engine, payload: str) -> str:
    """The callback_data for a payload (idempotent: one key per payload)."""
    key = hashlib.sha256(payload.encode()).hexdigest()[:24]
    with session_scope(engine) as session:
        insert_new(session, ButtonPayload, key=key, payload=payload, created_at=utcnow())
    return CALLBACK_PREFIX + key


def button_payload(engine: Engine, callback_data: str) -> str | None:
    """The payload behind a callback_data, or None for an unknown, forged or oversize one."""
    if not callback_data.startswith(CALLBACK_PREFIX) or len(callback_data.encode()) > MAX_CALLBACK_DATA:
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

    async def send(self, address: str, message: BotMessage, kind: str) -> DeliveryResult:
        markup = await asyncio.to_thread(self.keyboard, message)
        try:
            if message.image:
                sent = await self.bot.send_photo(address, message.image,
                                                 caption=message.text or None, reply_markup=markup)
                return Delivered(str(sent.message_id))
            return Delivered(await self._send_text(address, message.text or "…", markup))
        except RetryAfter as error:
            return RetryLater(_seconds(error.retry_after), "HTTP 429: flood control", pause_channel=True)
        except Forbidden as error:
            return PermanentFailure("403", error.message, BLOCKED_HINT)
        except ChatMigrated as error:
            return PermanentFailure("400", error.message, NO_CHAT_HINT)
        except InvalidToken as error:
            return RefreshCredentials(f"bot token refused: {error.message}")
        except BadRequest as error:
            hint = NO_CHAT_HINT if "chat not found" in error.message.lower() else REFUSED_HINT
            return PermanentFailure("400", error.message, hint)

    async def _send_text(self, address: str, text: str, markup: InlineKeyboardMarkup | None) -> str:
        """Send ``text``; if Telegram finds it too long after all, send it in two halves (each
        halved again if need be), the buttons on the last. Returns the last message's id."""
        try:
            sent = await self.bot.send_message(address, text, reply_markup=markup)
            return str(sent.message_id)
        except BadRequest as error:
            if "too long" not in error.message.lower() or utf16_length(text) < 2:
                raise
        first = split_text(text, (utf16_length(text) + 1) // 2, utf16_length)[0]
        await self._send_text(address, first, None)
        return await self._send_text(address, text[len(first):].lstrip() or "…", markup)
