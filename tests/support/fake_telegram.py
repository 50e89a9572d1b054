"""A local stand-in for the Telegram Bot API, on 127.0.0.1, for channel integration tests.

It answers the methods our bot calls (getMe, getUpdates, sendMessage, sendPhoto,
answerCallbackQuery, getFile, setWebhook, deleteWebhook…), records every call, serves files,
and can be told to answer 429 a number of times, as Telegram does under flood control, to refuse
one chat (403 blocked, 400 chat not found), and to refuse texts over ``max_text`` UTF-16 units.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.support.served import ServedApp

BOT_ID = 777000111
PHOTO_BYTES = b"\xff\xd8\xff\xe0" + b"fake-jpeg" * 100


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    status: int = 200
    message_id: int | None = None  # of the message a send created


class FakeTelegram:
    """Start with ``start()``; push updates with ``push``; read what the bot did in ``calls``."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.offset = 0
        self.flood: dict[str, tuple[int, int]] = {}  # method -> (times left, retry_after)
        self.webhook: dict[str, Any] = {}
        self.refusals: dict[str, tuple[int, str]] = {}  # chat id -> (HTTP code, description)
        self.max_text = 4096  # Telegram's limit, in UTF-16 code units
        self._lock = threading.Lock()
        self._next_update = 1000
        self._next_message = 1
        self._served = ServedApp(self._app(), "fake Telegram")

    @property
    def base_url(self) -> str:
        return self._served.base_url

    def start(self) -> FakeTelegram:
        self._served.start()
        return self

    def stop(self) -> None:
        self._served.stop()

    # ---- what tests call ------------------------------------------------------------------------

    def next_update_id(self) -> int:
        with self._lock:
            self._next_update += 1
            return self._next_update

    def push(self, update: dict[str, Any], force: bool = False) -> None:
        """Queue an update for getUpdates; ``force`` re-delivers even an acknowledged update_id."""
        with self._lock:
            self.updates.append({**update, "_force": force})

    def text_update(self, chat_id: int, text: str, update_id: int | None = None) -> dict[str, Any]:
        update_id = update_id or self.next_update_id()
        entities = ([{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
                    if text.startswith("/") else [])
        return {"update_id": update_id, "message": {
            **self._message_base(chat_id), "text": text, "entities": entities}}

    def photo_update(self, chat_id: int, caption: str = "") -> dict[str, Any]:
        photo = [{"file_id": f"photo-{chat_id}-small", "file_unique_id": "s", "width": 90,
                  "height": 90, "file_size": 1000},
                 {"file_id": f"photo-{chat_id}-big", "file_unique_id": "b", "width": 800,
                  "height": 800, "file_size": len(PHOTO_BYTES)}]
        message = {**self._message_base(chat_id), "photo": photo}
        if caption:
            message["caption"] = caption
        return {"update_id": self.next_update_id(), "message": message}

    def sticker_update(self, chat_id: int) -> dict[str, Any]:
        sticker = {"file_id": "st1", "file_unique_id": "st1", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular"}
        return {"update_id": self.next_update_id(),
                "message": {**self._message_base(chat_id), "sticker": sticker}}

    def callback_update(self, chat_id: int, data: str) -> dict[str, Any]:
        return {"update_id": self.next_update_id(), "callback_query": {
            "id": f"cb{self.next_update_id()}", "from": self._user(chat_id), "chat_instance": "ci",
            "data": data, "message": {"message_id": 1, "date": int(time.time()),
                                      "chat": {"id": chat_id, "type": "private"}, "text": "…"}}}

    def sent(self, chat_id: int) -> list[Call]:
        """Accepted sendMessage / sendPhoto calls to one chat, in order."""
        with self._lock:
            return [c for c in self.calls if c.method in ("sendMessage", "sendPhoto")
                    and c.status == 200 and str(c.params.get("chat_id")) == str(chat_id)]

    def texts(self, chat_id: int) -> list[str]:
        return [str(c.params.get("text") or c.params.get("caption") or "") for c in self.sent(chat_id)]

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def refuse_chat(self, chat_id: int, code: int, description: str) -> None:
        """Answer every send to ``chat_id`` with this error, as Telegram does for a blocked bot
        (403 "Forbidden: bot was blocked by the user") or an unknown chat (400)."""
        with self._lock:
            self.refusals[str(chat_id)] = (code, description)

    def flood_control(self, method: str, times: int, retry_after: int) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and this retry_after."""
        with self._lock:
            self.flood[method] = (times, retry_after)

    # ---- the fake API ---------------------------------------------------------------------------

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Dân", "language_code": "vi"}

    def _message_base(self, chat_id: int) -> dict[str, Any]:
        with self._lock:
            self._next_message += 1
            message_id = self._next_message
        return {"message_id": message_id, "date": int(time.time()), "from": self._user(chat_id),
                "chat": {"id": chat_id, "type": "private", "first_name": "Dân"}}

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.api_route("/bot{token}/{method}", methods=["GET", "POST"])
        async def api(token: str, method: str, request: Request) -> Response:
            if token != self.token:
                return _error(401, "Unauthorized")
            params = await _params(request)
            with self._lock:
                call = Call(method, params)
                self.calls.append(call)
                times, retry_after = self.flood.get(method, (0, 0))
                if times > 0:
                    self.flood[method] = (times - 1, retry_after)
                    call.status = 429
                    return _error(429, f"Too Many Requests: retry after {retry_after}",
                                  {"retry_after": retry_after})
                if method in ("sendMessage", "sendPhoto"):
                    refusal = self._refusal(params)
                    if refusal is not None:
                        call.status = refusal[0]
                        return _error(*refusal)
            if method == "getUpdates":
                return _ok(await self._get_updates(params))
            result = self._answer(method, params)
            if isinstance(result, dict) and method in ("sendMessage", "sendPhoto"):
                call.message_id = result["message_id"]
            return _ok(result)

        @app.get("/file/bot{token}/{path:path}")
        async def file(token: str, path: str) -> Response:
            if token != self.token:
                return Response(status_code=401)
            return Response(PHOTO_BYTES, media_type="image/jpeg")

        return app

    def _refusal(self, params: dict[str, Any]) -> tuple[int, str] | None:
        refusal = self.refusals.get(str(params.get("chat_id")))
        if refusal is not None:
            return refusal
        text = str(params.get("text") or "")
        if len(text.encode("utf-16-le")) // 2 > self.max_text:
            return 400, "Bad Request: message is too long"
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                self.offset = max(self.offset, offset)
                self.updates = [u for u in self.updates if u["update_id"] >= offset or u["_force"]]
                ready = [u for u in self.updates if u["update_id"] >= offset or u["_force"]]
                for u in ready:
                    u["_force"] = False
            if ready or time.monotonic() >= deadline:
                return [{k: v for k, v in u.items() if k != "_force"} for u in ready]
            await asyncio.sleep(0.05)

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Một Cửa", "username": "motcua_test_bot",
                    "can_join_groups": False, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        if method in ("sendMessage", "sendPhoto"):
            with self._lock:
                self._next_message += 1
                message_id = self._next_message
            sent = {"message_id": message_id, "date": int(time.time()),
                    "chat": {"id": int(params["chat_id"]), "type": "private"}}
            if method == "sendMessage":
                sent["text"] = params.get("text", "")
            else:
                sent["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
            return sent
        if method == "getFile":
            return {"file_id": params["file_id"], "file_unique_id": "u",
                    "file_size": len(PHOTO_BYTES), "file_path": f"photos/{params['file_id']}.jpg"}
        if method == "setWebhook":
            self.webhook = params
            return True
        if method in ("deleteWebhook", "answerCallbackQuery", "close", "logOut"):
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                    "pending_update_count": 0}
        return True


async def _params(request: Request) -> dict[str, Any]:
    """PTB sends form fields, with structured values JSON-encoded; accept JSON bodies too."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return await request.json()
    form = await request.form()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = str(value)
        try:
            params[key] = json.loads(text) if text[:1] in "[{" else text
        except json.JSONDecodeError:
            params[key] = text
    params.update(request.query_params)
    return params


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)
