"""Zalo Official Account channel: the webhook receiver, mounted in the web app.

Each event's ``X-ZEvent-Signature`` (``mac=`` sha256 of app id + raw body + timestamp + OA secret
key) is checked before anything else, then its age: an event whose signed ``timestamp`` is older
than ``ZALO_MAX_EVENT_AGE_S`` is a replay and is answered 200 with ``"ignored": "stale"`` (a non-200
would only make Zalo post it again, and disable the webhook after repeated failures). Text
(NFC-normalised before any limit), image and button events (a tapped ``oa.query.hide`` button
arrives as text carrying its payload) go to the relay — a photo first downloaded into the uploads
folder (``zalo_photos``), as Telegram's, so that "bổ sung PA-…" can attach it to the petition —
and replies leave through the OA message API from the outbox; ZNS receipts and template status
changes go to ``zns_events``. The event is
stored before Zalo gets its 200.

Mount with ``app.include_router(zalo.create_router(config, wiring))``; the
router's lifespan starts, inside the web process, the relay, the outbox workers (OA, and ZNS when
``ZALO_ZNS_ENABLED``), the token schedule and the pruning of old event ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from sqlmodel import Session

from bot.channels import assisted, exclusive, texts
from bot.channels.outbox import Dispatcher
from bot.channels.ratelimit import SendLimiter
from bot.channels.records import SeenEvent
from bot.channels.relay import Inbound, Outcome, Receipt, Relay
from bot.channels.webhooks import event_age_s, normalise_text, parse_object, read_body
from bot.channels.wiring import ChannelWiring
from bot.channels.zalo_api import ZaloSender
from bot.channels.zalo_config import ZaloConfig
from bot.channels.zalo_photos import PhotoRefused, PhotoSources, download
from bot.channels.zalo_tokens import ZaloTokens
from bot.channels.zns import ZnsSender
from bot.channels.zns_events import handle_zns_event
from bot.channels.zns_templates import TEMPLATES_FILE, load_templates
from bot.rasa_client import BotMessage, RasaClient

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
    """What the webhook needs while the web app runs: relay, outbox workers, tokens, HTTP client."""

    def __init__(self, config: ZaloConfig, wiring: ChannelWiring) -> None:
        self.config = config
        self.engine = wiring.engine
        self.client = httpx.AsyncClient(timeout=15.0)
        self.uploads = wiring.uploads_dir / CHANNEL
        self.photo_sources = PhotoSources(config.photo_sources)
        self.rasa = RasaClient(wiring.rasa_url)
        self.tokens = ZaloTokens(config, self.engine, self.client)  # one per process: OA and ZNS
        self.dispatcher = Dispatcher(self.engine, ZaloSender(config, self.engine, self.client, self.tokens),
                                     SendLimiter(per_chat_s=1.0, global_per_s=20))
        self.dispatchers = [self.dispatcher]
        if config.zns_enabled:
            templates = load_templates(config.zns_templates_file
                                       or wiring.province_dir / TEMPLATES_FILE)
            zns = ZnsSender(config, self.engine, self.client, self.tokens, templates)
            self.dispatchers.append(Dispatcher(self.engine, zns, SendLimiter(per_chat_s=1.0, global_per_s=10)))
        self.relay = Relay(self.engine, self.rasa, self.dispatcher.wake, wiring.limits,
                           desk=wiring.desk, channel=CHANNEL,
                           helpers=assisted.Helpers.configured(wiring.helper_codes))

    def workers(self) -> list[asyncio.Task[None]]:
        """Everything that runs while the web app runs, each cancelled when it stops."""
        jobs = [self.relay.run(), self.tokens.keep_fresh(),
                # one dispatcher per outbox, however many web workers run this (exclusive.py)
                *(exclusive.run_alone(self.engine, f"outbox:{d.sender.channel}", d.run)
                  for d in self.dispatchers)]
        return [asyncio.create_task(job) for job in jobs]

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.rasa.aclose()

    async def handle(self, event: dict[str, Any], raw_body: bytes) -> None:
        """Translate one verified event; everything it produces is committed on return."""
        if await asyncio.to_thread(handle_zns_event, self.engine, event):
            return  # a ZNS delivery receipt or template status change
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
            await self._relay(user, str(message.get("text") or ""), key)
        elif name == "user_send_image":
            await self._photo(user, message, key)
        elif name == "follow":
            await self.relay.answer(CHANNEL, user, key, [BotMessage(text=texts.WELCOME)])
        elif name in UNSUPPORTED_EVENTS:
            await self.relay.answer(CHANNEL, user, key, [BotMessage(text=texts.UNSUPPORTED)])

    async def _relay(self, user: str, text: str, key: str,
                     metadata: dict[str, Any] | None = None) -> Receipt:
        inbound = Inbound(CHANNEL, user, f"{CHANNEL}-{user}", normalise_text(text), key, metadata or {})
        return await self.relay.accept(inbound)

    async def _photo(self, user: str, message: dict[str, Any], key: str) -> None:
        """Download the photo, then relay it with its caption; or tell the citizen what to do."""
        urls = [a["payload"].get("url") for a in message.get("attachments") or []
                if isinstance(a, dict) and isinstance(a.get("payload"), dict)]
        url = urls[0] if urls and isinstance(urls[0], str) and urls[0] else None
        text = str(message.get("text") or "") or texts.PHOTO_CAPTIONLESS
        if url is None:
            await self._relay(user, text, key)
            return
        if await asyncio.to_thread(self._seen, key):
            return  # Zalo posted it again (we were slow): it was handled, fetch nothing
        try:
            image = await download(self.client, url, self.photo_sources, self.uploads)
        except PhotoRefused as refusal:
            await self.relay.answer(CHANNEL, user, key, [BotMessage(text=str(refusal))])
            return
        receipt = await self._relay(user, text, key, {"image": image})
        if receipt.outcome is not Outcome.ACCEPTED:  # a replay meanwhile, too fast: not kept
            Path(image["path"]).unlink(missing_ok=True)

    def _seen(self, key: str) -> bool:
        with Session(self.engine) as session:
            return session.get(SeenEvent, (CHANNEL, key[:100])) is not None


def create_router(config: ZaloConfig, wiring: ChannelWiring) -> APIRouter:
    """The webhook route, with a lifespan that runs the relay and outbox workers."""
    holder: dict[str, ZaloChannel] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        channel = holder["channel"] = ZaloChannel(config, wiring)
        workers = channel.workers()
        try:
            yield
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await channel.aclose()

    router = APIRouter(lifespan=lifespan)

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def webhook(request: Request) -> dict[str, bool | str]:
        raw = await read_body(request)
        event = parse_object(raw)
        if not verify(config, raw, event, request.headers.get(SIGNATURE_HEADER, "")):
            log.warning("Zalo event with a wrong signature refused")
            raise HTTPException(401, "bad signature")
        age = event_age_s(event.get("timestamp"))
        if age is None or abs(age) > config.max_event_age_s:
            log.warning("Zalo event %s ignored: its timestamp is %s", event.get("event_name"),
                        "unreadable" if age is None else f"{age / 60:.0f} minutes off")
            return {"ok": True, "ignored": "stale"}
        await holder["channel"].handle(event, raw)
        return {"ok": True}

    return router
