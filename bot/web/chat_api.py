"""POST /api/chat: the web chat page's bridge to Rasa's REST channel.

The browser never talks to Rasa directly: this keeps Rasa on loopback, gives each browser its own
conversation through an HTTP-only cookie, and turns Rasa being down into a polite answer.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.rasa_client import RasaClient, RasaUnavailable

MAX_MESSAGE_CHARS = 2000
SESSION_COOKIE = "motcua_chat"

router = APIRouter(prefix="/api")


class ChatIn(BaseModel):
    message: str = ""


def _error(status: int, text: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": text, "messages": [{"text": text}]})


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
    sender = motcua_chat if motcua_chat and motcua_chat.isalnum() else secrets.token_hex(16)
    client: RasaClient = request.app.state.rasa
    try:
        messages = await client.send(f"web-{sender}", text, metadata={"channel": "web"})
    except RasaUnavailable:
        return _error(503, "Xin lỗi, hệ thống đang bận. Bạn vui lòng gửi lại sau ít phút.")
    response.set_cookie(SESSION_COOKIE, sender, httponly=True, samesite="lax", max_age=30 * 86400)
    return {"messages": [m.as_dict() for m in messages]}
