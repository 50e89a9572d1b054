"""A local stand-in for Zalo's OA Open API and OAuth server, plus the webhook side of Zalo.

It implements ``POST /v3.0/oa/message/cs`` (checking the ``access_token`` header) and
``POST /v4/oa/access_token`` (single-use refresh tokens, as Zalo's), records what was sent, and
signs webhook events the way Zalo does, independently of the code under test. Tests script
refusals per user with ``refuse``: Zalo's error codes, in an HTTP 200 body, as Zalo sends them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import threading
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.support.served import ServedApp

APP_ID = "4310000000000000001"
OA_ID = "2990000000000000002"
OA_SECRET_KEY = "oa-secret-key-for-tests"
APP_SECRET = "app-secret-for-tests"


class FakeZalo:
    def __init__(self) -> None:
        self.access_token = "access-0"
        self.refresh_token = "refresh-0"
        self.sent: list[dict[str, Any]] = []
        self.refreshes = 0
        self.too_many = 0  # answer this many sends with HTTP 429
        self.token_delay_s = 0.0  # the token endpoint answers this late (to overlap refreshes)
        self.scripts: dict[str, list[tuple[int, dict[str, Any]]]] = {}  # user -> next answers
        self.attempts: list[str] = []  # the user of every send request, answered or refused
        self._lock = threading.Lock()
        self._served = ServedApp(self._app(), "fake Zalo")

    @property
    def base_url(self) -> str:
        return self._served.base_url

    def start(self) -> FakeZalo:
        self._served.start()
        return self

    def stop(self) -> None:
        self._served.stop()

    def reset(self) -> None:
        """Forget what was sent and scripted (one server serves a whole test module)."""
        with self._lock:
            self.sent.clear()
            self.scripts.clear()
            self.attempts.clear()
            self.too_many = 0
            self.token_delay_s = 0.0

    def expire_access_token(self) -> None:
        with self._lock:
            self.access_token = "expired-" + secrets.token_hex(4)

    def refuse(self, user_id: str, code: int | None, message: str = "refused", status: int = 200,
               times: int = 1) -> None:
        """Answer the next ``times`` sends to ``user_id`` with this error code (None: a body
        without one), in an HTTP 200 body unless ``status`` says otherwise."""
        body = {"error": code, "message": message} if code is not None else {"message": message}
        with self._lock:
            self.scripts.setdefault(user_id, []).extend([(status, body)] * times)

    def message_ids(self, user_id: str) -> list[str]:
        with self._lock:
            return [m["_message_id"] for m in self.sent if m["recipient"]["user_id"] == user_id]

    def texts(self, user_id: str) -> list[str]:
        with self._lock:
            return [str(m["message"].get("text") or "") for m in self.sent
                    if m["recipient"]["user_id"] == user_id]

    # ---- the platform's webhook side ------------------------------------------------------------

    @staticmethod
    def event(user_id: str, text: str = "", name: str = "user_send_text", **message: Any) -> dict[str, Any]:
        return {"app_id": APP_ID, "user_id_by_app": "u" + user_id, "event_name": name,
                "timestamp": str(int(time.time() * 1000)), "sender": {"id": user_id},
                "recipient": {"id": OA_ID},
                "message": {"msg_id": secrets.token_hex(16), "text": text, **message}}

    @staticmethod
    def signed(event: dict[str, Any], secret: str = OA_SECRET_KEY) -> tuple[bytes, dict[str, str]]:
        """Body and headers as Zalo posts them: mac = sha256(app_id + body + timestamp + secret)."""
        body = json.dumps(event, ensure_ascii=False).encode()
        mac = hashlib.sha256(APP_ID.encode() + body + str(event["timestamp"]).encode()
                             + secret.encode()).hexdigest()
        return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}

    # ---- the API ---------------------------------------------------------------------------------

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v3.0/oa/message/cs")
        async def send(request: Request) -> JSONResponse:
            body = await request.json()
            with self._lock:
                user = str(body.get("recipient", {}).get("user_id"))
                self.attempts.append(user)
                if self.scripts.get(user):
                    status, answer = self.scripts[user].pop(0)
                    return JSONResponse(answer, status_code=status)
                if self.too_many > 0:
                    self.too_many -= 1
                    return JSONResponse({"error": -32, "message": "rate limit"}, status_code=429,
                                        headers={"Retry-After": "2"})
                if request.headers.get("access_token") != self.access_token:
                    return JSONResponse({"error": -216, "message": "Access token is invalid"})
                message_id = f"m{len(self.sent) + 1}"
                self.sent.append({**body, "_message_id": message_id})
            return JSONResponse({"error": 0, "message": "Success", "data": {
                "message_id": message_id, "user_id": body["recipient"]["user_id"]}})

        @app.post("/v4/oa/access_token")
        async def token(request: Request) -> JSONResponse:
            form = await request.form()
            await asyncio.sleep(self.token_delay_s)
            with self._lock:
                if (request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID
                        or form.get("grant_type") != "refresh_token"
                        or form.get("refresh_token") != self.refresh_token):
                    return JSONResponse({"error": -14014, "error_name": "Invalid refresh token"})
                self.refreshes += 1
                self.access_token = f"access-{self.refreshes}"
                self.refresh_token = f"refresh-{self.refreshes}"
                return JSONResponse({"access_token": self.access_token,
                                     "refresh_token": self.refresh_token, "expires_in": "90000"})

        return app
