"""POST /api/chat and GET /api/chat/updates: the web chat page's bridge to Rasa's REST channel.

The browser never talks to Rasa directly: this keeps Rasa on loopback, gives each browser its own
conversation through an HTTP-only cookie, and turns Rasa being down into a polite answer. While the
conversation is handed to a person (bot/handover), messages go to the officer instead, and the page
polls /api/chat/updates for the officer's answers.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Cookie, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.channels.texts import FORWARDED_TO_OFFICER
from bot.handover.desk import HandoverDesk
from bot.rasa_client import RasaClient, RasaUnavailable

MAX_MESSAGE_CHARS = 2000
SESSION_COOKIE = "motcua_chat"

router = APIRouter(prefix="/api")


class ChatIn(BaseModel):
    message: str = ""


def _error(status: int, text: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": text, "messages": [{"text": text}]})


def _conversation(cookie: str | None) -> tuple[str, str]:
    """(cookie value, Rasa sender id) — a new random one when the cookie is missing or forged."""
    sender = cookie if cookie and cookie.isalnum() and len(cookie) <= 64 else secrets.token_hex(16)
    return sender, f"web-{sender}"


@router.post("/chat")
async def chat(
    request: Request,
    response: Response,
    body: ChatIn,
    motcua_chat: str | None = Cookie(default=None),
) -> object:
    text = body.message.strip()
    if not text:
        return _error(422, "Bạn chưa nhập gì. Hãy gõ câu hỏi, ví dụ: «đăng ký khai sinh cho con».")
    if len(text) > MAX_MESSAGE_CHARS:
        return _error(413, f"Tin nhắn dài quá ({len(text)} ký tự). Hãy viết gọn dưới {MAX_MESSAGE_CHARS} ký tự.")
    cookie, conversation = _conversation(motcua_chat)
    response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="lax", max_age=30 * 86400)
    desk: HandoverDesk = request.app.state.handover
    if desk.citizen_says(conversation, text) is not None:
        return {"messages": [{"text": FORWARDED_TO_OFFICER}], "handover": True}
    client: RasaClient = request.app.state.rasa
    try:
        messages = await client.send(conversation, text, metadata={"channel": "web"})
    except RasaUnavailable:
        return _error(503, "Xin lỗi, hệ thống đang bận. Bạn vui lòng gửi lại sau ít phút.")
    return {"messages": [m.as_dict() for m in messages], "handover": desk.active(conversation) is not None}


@router.get("/chat/updates")
async def updates(
    request: Request,
    after: int = Query(0, ge=0, le=2**63 - 1),
    motcua_chat: str | None = Cookie(default=None),
) -> object:
    """Officer answers (and hand-back notices) newer than ``after``, for this browser's chat."""
    if not motcua_chat:
        return {"messages": [], "handover": False}
    _, conversation = _conversation(motcua_chat)
    desk: HandoverDesk = request.app.state.handover
    pending = desk.pending_for(conversation, after_id=max(after, 0))
    return {
        "messages": [{"id": m.id, "text": m.text, "author": m.author} for m in pending],
        "handover": desk.active(conversation) is not None,
    }
