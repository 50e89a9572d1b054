"""Zalo Official Account channel: the webhook receiver, mounted in the web app.

Each event's ``X-ZEvent-Signature`` (``mac=`` sha256 of app id + raw body + timestamp + OA secret
key) is checked before anything else; text, image and button events (a tapped ``oa.query.hide``
button arrives as text carrying its payload) go to the relay, and replies leave through the OA
message API from the outbox. The event is stored before Zalo gets its 200.

Mount with ``app.include_router(router)`` where ``router = zalo.router_from_env(settings)``; the
router's lifespan starts the relay and outbox workers inside the web process.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import ValidationError

from bot.channels import texts
from bot.channels.outbox import Dispatcher
from bot.channels.ratelimit import SendLimiter
from bot.channels.relay import Inbound, IntakeLimits, Relay
from bot.channels.store import open_store
from bot.channels.webhooks import parse_object, read_body
from bot.channels.zalo_api import ZaloSender
from bot.channels.zalo_config import ZaloConfig
from bot.handover.desk import HandoverDesk
from bot.rasa_client import BotMessage, RasaClient
from bot.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "zalo"
WEBHOOK_PATH = "/zalo/webhook"
SIGNATURE_HEADER = "X-ZEvent-Signature"
UNSUPPORTED_EVENTS = {
    "user_send_sticker", "user_send_audio", "user_send_video", "user_send_file",
    "user_send_gif", "user_send_location", "user_send_link", "user_send_business_card",
}


def signature(config: ZaloConfig, raw_body: bytes, timestamp: str) -> str:
    """What Zalo puts after ``mac=`` for this body."""
    signed = (config.app_id.encode() + raw_body + timestamp.encode()
              + config.oa_secret_key.get_secret_value().encode())
    return hashlib.sha256(signed).hexdigest()


def verify(config: ZaloConfig, raw_body: bytes, event: dict[str, Any], header: str) -> bool:
    """True when the event was signed with our OA secret key for our app."""
    given = header.strip().removeprefix("mac=").strip().lower()
    timestamp = str(event.get("timestamp") or "")
    if not given or not timestamp or str(event.get("app_id") or config.app_id) != config.app_id:
        return False
    return hmac.compare_digest(given, signature(config, raw_body, timestamp))


class ZaloChannel:
    """What the webhook needs while the web app runs: relay, outbox worker, HTTP client."""

    def __init__(self, config: ZaloConfig, settings: Settings) -> None:
        self.config = config
        self.engine = open_store(settings.data_dir)
        self.client = httpx.AsyncClient(timeout=15.0)
        self.rasa = RasaClient(settings.rest_webhook_url)
        self.dispatcher = Dispatcher(self.engine, ZaloSender(config, self.engine, self.client),
                                     SendLimiter(per_chat_s=1.0, global_per_s=20))
        self.relay = Relay(self.engine, self.rasa, self.dispatcher.wake, IntakeLimits(),
                           desk=HandoverDesk(settings.handover_db_url), channel=CHANNEL)

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.rasa.aclose()

    def handle(self, event: dict[str, Any], raw_body: bytes) -> None:
        """Translate one verified event; everything it produces is committed on return."""
        name = str(event.get("event_name") or "")
        if name == "follow":  # a follow names the user and the OA differently
            user = str((event.get("follower") or {}).get("id") or "")
            recipient = str(event.get("oa_id") or "")
        else:
            user = str((event.get("sender") or {}).get("id") or "")
            recipient = str((event.get("recipient") or {}).get("id") or "")
        if not name.startswith(("user_", "follow")) or not user or recipient != self.config.oa_id:
            return  # our own echoes, read receipts, other OAs: nothing to answer
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        key = str(message.get("msg_id") or hashlib.sha256(raw_body).hexdigest())
        if name == "user_send_text":
            self._relay(user, str(message.get("text") or ""), key)
        elif name == "user_send_image":
            urls = [a.get("payload", {}).get("url") for a in message.get("attachments") or []
                    if isinstance(a, dict) and isinstance(a.get("payload"), dict)]
            image = {"source": CHANNEL, "url": urls[0]} if urls and urls[0] else None
            text = str(message.get("text") or "") or texts.PHOTO_CAPTIONLESS
            self._relay(user, text, key, {"image": image} if image else {})
        elif name == "follow":
            self.relay.answer(CHANNEL, user, key, [BotMessage(text=texts.WELCOME)])
        elif name in UNSUPPORTED_EVENTS:
            self.relay.answer(CHANNEL, user, key, [BotMessage(text=texts.UNSUPPORTED)])

    def _relay(self, user: str, text: str, key: str, metadata: dict[str, Any] | None = None) -> None:
        self.relay.accept(Inbound(CHANNEL, user, f"{CHANNEL}-{user}", text, key, metadata or {}))


def create_router(config: ZaloConfig, settings: Settings) -> APIRouter:
    """The webhook route, with a lifespan that runs the relay and outbox workers."""
    holder: dict[str, ZaloChannel] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        channel = holder["channel"] = ZaloChannel(config, settings)
        workers = [asyncio.create_task(channel.relay.run()),
                   asyncio.create_task(channel.dispatcher.run())]
        try:
            yield
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await channel.aclose()

    router = APIRouter(lifespan=lifespan)

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def webhook(request: Request) -> dict[str, bool]:
        raw = await read_body(request)
        event = parse_object(raw)
        if not verify(config, raw, event, request.headers.get(SIGNATURE_HEADER, "")):
            log.warning("Zalo event with a wrong signature refused")
            raise HTTPException(401, "bad signature")
        holder["channel"].handle(event, raw)
        return {"ok": True}

    return router


def router_from_env(settings: Settings) -> APIRouter | None:
    """The Zalo router when ``ZALO_*`` is configured, None when Zalo is not used at all."""
    try:
        config = ZaloConfig()
    except ValidationError as error:
        missing = [str(e["loc"][0]).upper() for e in error.errors() if e["type"] == "missing"]
        if len(missing) == len(_REQUIRED):
            return None
        raise RuntimeError("Cấu hình Zalo chưa đủ, thiếu: " + ", ".join(f"ZALO_{m}" for m in missing)) from error
    return create_router(config, settings)


_REQUIRED = [name for name, field in ZaloConfig.model_fields.items() if field.is_required()]
