"""POST /api/chat and GET /api/chat/updates: the web chat page's side of the web channel
(bot/channels/web.py), which goes through the same inbox and outbox as Telegram and Zalo.

The browser never talks to Rasa: Rasa stays on loopback, and each browser gets its own
conversation through an HTTP-only cookie (Secure behind HTTPS), which is also the channel's
address for replies.

Past capacity a message is not taken and the answer says when to send it again, as nginx's own
refusals do: 429 (this chat sends too fast), 503 (too many messages wait for Rasa, or the
database is busy), each with ``Retry-After``, ``retry_after`` and an ``error`` for the citizen.
The page then sends the same message with the same id, so nothing is lost or answered twice.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Cookie, FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.channels.intake import Outcome
from bot.channels.web import Exchange, WebChat

PREFIX = "/api"
SESSION_COOKIE = "motcua_chat"
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
EMPTY = "Bạn chưa nhập gì. Hãy gõ câu hỏi, ví dụ: «đăng ký khai sinh cho con»."
STATUS = {Outcome.TOO_LONG: 413, Outcome.TOO_FAST: 429}
DB_BUSY_RETRY_S = 5
# What the citizen reads when a message was not taken; the page says it again with a countdown.
TOO_FAST = "Bạn gửi nhanh quá. Hãy đợi {seconds} giây rồi gửi lại."
BUSY = "Hệ thống đang quá tải. Tin nhắn chưa được gửi: hãy đợi khoảng {seconds} giây rồi gửi lại."


class ChatIn(BaseModel):
    message: str = ""
    id: str = ""  # the page's id for this message: a resubmission is recognised and not answered twice
    after: int = -1  # the last reply id the page has shown; -1: none yet


def _address(cookie: str | None) -> str:
    """The browser's chat id: its cookie, or a new random one when missing or forged."""
    return cookie if cookie and cookie.isalnum() and len(cookie) <= 64 else secrets.token_hex(16)


def _body(exchange: Exchange) -> dict[str, object]:
    return {
        "messages": exchange.messages + [{"text": note} for note in exchange.notes],
        "cursor": exchange.cursor,
        "pending": exchange.pending,
        "handover": exchange.handover,
        "assisted": exchange.assisted,
    }


def _retry_later(status: int, seconds: int, content: dict[str, object]) -> JSONResponse:
    """A message not taken: when to send it again, in the header and in the body."""
    text = (TOO_FAST if status == 429 else BUSY).format(seconds=seconds)
    return JSONResponse(status_code=status, headers={"Retry-After": str(seconds)},
                        content={**content, "error": text, "retry_after": seconds})


def create_router(chat: WebChat, secure_cookies: bool = False) -> APIRouter:
    """The two routes, with a lifespan that runs the web channel's worker while the app serves;
    ``secure_cookies``: the chat cookie travels over HTTPS only (``MOTCUA_SECURE_COOKIES``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await chat.start()
        try:
            yield
        finally:
            await chat.stop()

    router = APIRouter(prefix=PREFIX, lifespan=lifespan)

    @router.post("/chat")
    async def say(body: ChatIn, motcua_chat: str | None = Cookie(default=None)) -> object:
        text = body.message.strip()
        if not text:
            return JSONResponse(status_code=422, content={"error": EMPTY, "messages": [{"text": EMPTY}]})
        address = _address(motcua_chat)
        client_id = body.id if CLIENT_ID.fullmatch(body.id) else ""
        after = min(body.after, 2**62) if body.after >= 0 else None
        try:
            exchange = await chat.say(address, text, client_id, after)
        except (OperationalError, PoolTimeout):  # the database is locked or out of connections
            reply = _retry_later(503, DB_BUSY_RETRY_S, {"messages": []})
        else:
            status = 503 if exchange.busy else STATUS.get(exchange.outcome, 200)
            if exchange.retry_after_s:
                reply = _retry_later(status, exchange.retry_after_s, _body(exchange))
            else:
                content = _body(exchange)
                if status != 200:  # refused: the page shows it as an error, scripts read "error"
                    content["error"] = next(
                        iter(exchange.notes + [m["text"] for m in exchange.messages]), "")
                # A resend of a message already taken: its answer may have been shown already.
                content["duplicate"] = exchange.outcome is Outcome.DUPLICATE
                reply = JSONResponse(status_code=status, content=content)
        reply.set_cookie(SESSION_COOKIE, address, httponly=True, samesite="lax",
                         secure=secure_cookies, max_age=30 * 86400)
        return reply

    @router.get("/chat/updates")
    async def updates(after: int = Query(-1, ge=-1, le=2**62),
                      motcua_chat: str | None = Cookie(default=None)) -> object:
        """Replies newer than ``after`` for this browser's chat (without it: the ones never
        fetched): officer answers, the answer that follows an outage, the assisted session."""
        if not motcua_chat or _address(motcua_chat) != motcua_chat:
            return {"messages": [], "cursor": max(after, 0), "pending": False, "handover": False,
                    "assisted": None}
        try:
            return _body(await chat.updates(motcua_chat, after if after >= 0 else None))
        except (OperationalError, PoolTimeout):
            return _retry_later(503, DB_BUSY_RETRY_S, {"messages": []})

    return router
