"""Outbox → Zalo: the OA message API v3 (``/v3.0/oa/message/cs``) and access-token refresh.

Zalo refresh tokens are single-use: each refresh returns a new pair, which is stored at once in
the channels database (the environment only seeds the chain). A send answered "access token
invalid" refreshes once and tries again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.channels.outbox import OutsideWindow, RetryLater
from bot.channels.records import ZaloToken, utcnow
from bot.channels.relay import last_inbound
from bot.channels.zalo_config import ZaloConfig
from bot.rasa_client import BotMessage
from feedback.db import session_scope

log = logging.getLogger(__name__)

TOKEN_INVALID = -216  # Zalo: access token invalid or expired
MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100
REFRESH_MARGIN = timedelta(minutes=5)


class ZaloApiError(RuntimeError):
    """Zalo answered with a non-zero error code; transient unless mapped otherwise."""


class ZaloTokens:
    """The current access token, refreshed before it expires or when Zalo rejects it."""

    def __init__(self, config: ZaloConfig, engine: Engine, client: httpx.AsyncClient) -> None:
        self.config = config
        self.engine = engine
        self.client = client
        self._lock = asyncio.Lock()
        self._seed()

    def _seed(self) -> None:
        """Start from the env tokens the first time, or when the operator put new ones there."""
        digest = hashlib.sha256(self.config.refresh_token.get_secret_value().encode()).hexdigest()
        with session_scope(self.engine) as session:
            row = session.get(ZaloToken, 1)
            if row is None or row.seed_digest != digest:
                row = row or ZaloToken(access_token="", refresh_token="", expires_at=utcnow())
                row.access_token = self.config.access_token.get_secret_value()
                row.refresh_token = self.config.refresh_token.get_secret_value()
                row.expires_at = utcnow() + timedelta(hours=1)  # unknown: refresh within the hour
                row.seed_digest = digest
                session.add(row)

    async def current(self) -> str:
        with Session(self.engine) as session:
            row = session.get(ZaloToken, 1)
        assert row is not None
        if row.expires_at - utcnow() > REFRESH_MARGIN:
            return row.access_token
        return await self.refresh(row.access_token)

    async def refresh(self, stale: str) -> str:
        """A new access token; concurrent callers with the same stale token share one refresh."""
        async with self._lock:
            with Session(self.engine) as session:
                row = session.get(ZaloToken, 1)
            assert row is not None
            if row.access_token != stale and row.expires_at - utcnow() > REFRESH_MARGIN:
                return row.access_token
            response = await self.client.post(
                self.config.token_url,
                data={"app_id": self.config.app_id, "refresh_token": row.refresh_token,
                      "grant_type": "refresh_token"},
                headers={"secret_key": self.config.app_secret.get_secret_value()},
            )
            data = _json(response)
            if not data.get("access_token") or not data.get("refresh_token"):
                raise ZaloApiError(f"token refresh refused: {data.get('error_name') or data.get('error')}")
            with session_scope(self.engine) as session:
                stored = session.get(ZaloToken, 1)
                assert stored is not None
                stored.access_token = data["access_token"]
                stored.refresh_token = data["refresh_token"]
                stored.expires_at = utcnow() + timedelta(seconds=int(data.get("expires_in") or 3600))
                session.add(stored)
            log.info("Zalo access token refreshed")
            return data["access_token"]


def _json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 429:
        raise RetryLater(float(response.headers.get("retry-after", "60") or 60))
    if response.status_code >= 500:
        raise ZaloApiError(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as error:
        raise ZaloApiError(f"HTTP {response.status_code}, not JSON") from error
    if not isinstance(data, dict):
        raise ZaloApiError("unexpected answer shape")
    return data


def zalo_message(message: BotMessage) -> dict[str, Any]:
    """A BotMessage in the v3 message shape: text, text with buttons, or an image."""
    if message.image:
        return {"attachment": {"type": "template", "payload": {
            "template_type": "media",
            "elements": [{"media_type": "image", "url": message.image}],
        }}}
    if message.buttons:
        return {"text": message.text, "attachment": {"type": "template", "payload": {
            "buttons": [
                {"title": b.title[:MAX_BUTTON_TITLE], "type": "oa.query.hide", "payload": b.payload}
                for b in message.buttons[:MAX_BUTTONS]
            ],
        }}}
    return {"text": message.text}


class ZaloSender:
    """The outbox's ``Sender`` for Zalo; notices outside the window raise ``OutsideWindow``."""

    channel = "zalo"

    def __init__(self, config: ZaloConfig, engine: Engine, client: httpx.AsyncClient) -> None:
        self.config = config
        self.engine = engine
        self.client = client
        self.tokens = ZaloTokens(config, engine, client)

    def window_open(self, user_id: str) -> bool:
        with Session(self.engine) as session:
            last = last_inbound(session, self.channel, user_id)
        return last is not None and utcnow() - last < timedelta(hours=self.config.cs_window_hours)

    async def send(self, address: str, message: BotMessage, kind: str) -> None:
        if not self.window_open(address):
            raise OutsideWindow(f"no message from the user in {self.config.cs_window_hours:.0f}h")
        body = {"recipient": {"user_id": address}, "message": zalo_message(message)}
        token = await self.tokens.current()
        data = await self._post(body, token)
        if data.get("error") == TOKEN_INVALID:
            data = await self._post(body, await self.tokens.refresh(token))
        error = data.get("error")
        if error in (0, None):
            return
        if error == TOKEN_INVALID:
            log.error("Zalo rejects even a fresh access token: check ZALO_ACCESS/REFRESH_TOKEN")
        raise ZaloApiError(f"Zalo error {error}: {data.get('message')}")

    async def _post(self, body: dict[str, Any], token: str) -> dict[str, Any]:
        response = await self.client.post(self.config.message_url, json=body,
                                          headers={"access_token": token})
        return _json(response)
