"""Telegram channel: ``motcua telegram`` (``motcua up`` starts it when
``TELEGRAM_BOT_TOKEN`` is set).

Long polling by default; ``TELEGRAM_MODE=webhook`` registers ``TELEGRAM_WEBHOOK_URL`` with a secret
token and receives updates on ``MOTCUA_HOST:TELEGRAM_PORT/telegram/webhook``. Either way the same
port answers ``/healthz`` once the bot is known to Telegram.

Several hosts may run this process on one database. Telegram allows one long poll per bot (a second
gets 409 Conflict) and each outbox row must be sent once, so polling and the outbox dispatcher run
in one process at a time (``exclusive.run_alone``); the others stand by (``/healthz`` says
``"updates": "standby"`` and counts in ``"lock_refused"`` how often it found the lock held),
still taking webhooks in webhook mode, and one takes over within seconds when the active one dies.

Handlers only translate Telegram ↔ Rasa: each citizen message goes to the relay (stored, deduplicated
by update_id, rate limited) and each answer to the outbox (rate limited, retried, never lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
import uuid
from typing import Any

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters,
)

from bot.channels import assisted, exclusive, texts
from bot.channels.logsafe import setup_logging
from bot.channels.outbox import Dispatcher
from bot.channels.ratelimit import SendLimiter
from bot.channels.relay import Inbound, Relay
from bot.channels.telegram_config import TelegramConfig
from bot.channels.telegram_sender import TelegramSender, button_payload
from bot.channels.tracking import PetitionLookup
from bot.channels.webhooks import parse_object, read_body
from bot.channels.wiring import ChannelWiring
from bot.rasa_client import BotMessage, RasaClient

log = logging.getLogger(__name__)

CHANNEL = "telegram"
UPDATES_LOCK = "telegram:updates"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
Context = ContextTypes.DEFAULT_TYPE


class TelegramChannel:
    """The bot, its relay and outbox, and the small web server for health and webhook."""

    def __init__(self, config: TelegramConfig, wiring: ChannelWiring,
                 lookup: PetitionLookup | None = None) -> None:
        self.config = config
        self.host = wiring.host
        self.engine = engine = wiring.engine
        self.lookup = lookup
        self.helpers = assisted.parse_helpers(config.helpers)
        self.uploads = wiring.uploads_dir / CHANNEL
        self.rasa = RasaClient(wiring.rasa_url)
        self.application = self._build()
        self.sender = TelegramSender(self.application.bot, engine)
        self.dispatcher = Dispatcher(engine, self.sender, SendLimiter(per_chat_s=1.0, global_per_s=30))
        self.relay = Relay(engine, self.rasa, self.dispatcher.wake, wiring.limits,
                           desk=wiring.desk, channel=CHANNEL,
                           helpers=assisted.Helpers.configured(wiring.helper_codes, self.helpers))
        self.polling = False  # this process holds the long poll (polling mode)
        self.lock_refused = 0  # times another process held the long poll's lock

    def _build(self) -> Application:
        builder = (
            Application.builder()
            .token(self.config.bot_token.get_secret_value())
            .base_url(self.config.base_url)
            .base_file_url(self.config.base_file_url)
        )
        if self.config.mode == "webhook":
            builder = builder.updater(None)
        app = builder.build()
        app.add_handler(CommandHandler("start", self.on_start, filters=PRIVATE))
        app.add_handler(CommandHandler("help", self.on_help, filters=PRIVATE))
        app.add_handler(CommandHandler("tracuu", self.on_track, filters=PRIVATE))
        # Assisted mode's /hotro and /xong are understood by the relay's intake, as on every channel.
        app.add_handler(CommandHandler(["hotro", "xong"], self.on_text, filters=PRIVATE))
        app.add_handler(MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(MessageHandler(PRIVATE & filters.PHOTO, self.on_photo))
        app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, self.on_help))
        app.add_handler(MessageHandler(PRIVATE, self.on_unsupported))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_error_handler(self.on_error)
        return app

    # ---- handlers: Telegram → relay / outbox ---------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        await self._answer(update, texts.WELCOME)

    async def on_help(self, update: Update, context: Context) -> None:
        await self._answer(update, texts.HELP)

    async def on_track(self, update: Update, context: Context) -> None:
        code = " ".join(context.args or []).strip()
        if not code:
            await self._answer(update, texts.TRACK_USAGE)
        elif self.lookup is not None:
            await self._answer(update, await asyncio.to_thread(self.lookup.answer, code))
        else:
            await self._relay(update, f"tra cứu phản ánh {code}")

    async def on_text(self, update: Update, context: Context) -> None:
        await self._relay(update, update.effective_message.text or "")

    async def on_photo(self, update: Update, context: Context) -> None:
        message = update.effective_message
        photo = message.photo[-1]  # the largest size
        if photo.file_size and photo.file_size > MAX_PHOTO_BYTES:
            await self._answer(update, texts.PHOTO_TOO_BIG)
            return
        path = self.uploads / f"{uuid.uuid4().hex}.jpg"
        try:
            await asyncio.to_thread(self.uploads.mkdir, parents=True, exist_ok=True)
            telegram_file = await photo.get_file()
            await telegram_file.download_to_drive(path)
        except (TelegramError, OSError) as error:  # OSError: a full disk, an unwritable folder
            log.warning("photo of update %s could not be downloaded (%s)", update.update_id,
                        type(error).__name__)
            with contextlib.suppress(OSError):  # no half-written photo left behind
                path.unlink(missing_ok=True)
            await self._answer(update, "Tôi chưa tải được ảnh này. Bạn gửi lại ảnh giúp tôi nhé.")
            return
        image = {"source": CHANNEL, "path": str(path), "content_type": "image/jpeg",
                 "size": path.stat().st_size}
        await self._relay(update, message.caption or texts.PHOTO_CAPTIONLESS, {"image": image})

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        with contextlib.suppress(TelegramError):  # only stops the spinner; the answer follows
            await query.answer()
        if query.message is None:
            return
        payload = await asyncio.to_thread(button_payload, self.engine, query.data or "")
        if payload is None:
            await self._answer(update, texts.STALE_BUTTON)
        else:
            await self._relay(update, payload)

    async def on_unsupported(self, update: Update, context: Context) -> None:
        await self._answer(update, texts.UNSUPPORTED)

    async def on_error(self, update: object, context: Context) -> None:
        log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)

    # ---- translation ---------------------------------------------------------------------------

    async def _answer(self, update: Update, text: str) -> None:
        await self.relay.answer(CHANNEL, str(update.effective_chat.id), f"u{update.update_id}",
                                [BotMessage(text=text)])

    async def _relay(self, update: Update, text: str, metadata: dict[str, Any] | None = None) -> None:
        chat_id = str(update.effective_chat.id)
        await self.relay.accept(Inbound(CHANNEL, chat_id, f"{CHANNEL}-{chat_id}", text,
                                        f"u{update.update_id}", metadata or {}))

    # ---- web server: health, webhook -----------------------------------------------------------

    def web_app(self) -> FastAPI:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        secret = (self.config.webhook_secret.get_secret_value()
                  if self.config.webhook_secret else "").encode()

        @app.get("/healthz")
        async def healthz() -> dict[str, str | int]:
            updates = "webhook" if self.config.mode == "webhook" else (
                "polling" if self.polling else "standby")
            return {"status": "ok", "mode": self.config.mode, "updates": updates,
                    "lock_refused": self.lock_refused}

        @app.post(WEBHOOK_PATH)
        async def webhook(request: Request) -> dict[str, bool]:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not secret or not hmac.compare_digest(given, secret):
                raise HTTPException(403, "wrong secret token")
            data = parse_object(await read_body(request))
            if not isinstance(data.get("update_id"), int):
                raise HTTPException(400, "not a Telegram update")
            try:
                update = Update.de_json(data, self.application.bot)
            except (KeyError, TypeError, ValueError) as error:
                raise HTTPException(400, "malformed update") from error
            await self.application.process_update(update)  # handlers persist before we answer 200
            return {"ok": True}

        return app

    # ---- lifecycle -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; everything started here is stopped here."""
        if not await self._initialize(stop):
            return
        app = self.application
        await app.start()
        jobs = [self.relay.run(),
                exclusive.run_alone(self.engine, f"outbox:{CHANNEL}", self.dispatcher.run)]
        if self.config.mode == "polling":
            jobs.append(exclusive.run_alone(self.engine, UPDATES_LOCK, self._poll,
                                            refused=self._lock_refused))
        else:
            await app.bot.set_webhook(
                self.config.webhook_url, allowed_updates=ALLOWED_UPDATES,
                secret_token=self.config.webhook_secret.get_secret_value(),
            )
        workers = [asyncio.create_task(job) for job in jobs]
        server = _QuietServer(uvicorn.Config(self.web_app(), host=self.host,
                                             port=self.config.port, log_level="warning",
                                             access_log=False))
        serving = asyncio.create_task(server.serve())
        stopping = asyncio.create_task(stop.wait())
        log.info("Telegram: @%s sẵn sàng (%s)", app.bot.username, self.config.mode)
        try:
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            server.should_exit = True
            await asyncio.gather(serving, return_exceptions=True)
            for task in (*workers, stopping):
                task.cancel()
            await asyncio.gather(*workers, stopping, return_exceptions=True)
            if app.updater and app.updater.running:
                await app.updater.stop()
            await app.stop()
            await app.shutdown()
            await self.rasa.aclose()

    def _lock_refused(self) -> None:
        self.lock_refused += 1

    async def _poll(self) -> None:
        """Long polling until cancelled, in the one process holding ``UPDATES_LOCK``."""
        updater = self.application.updater
        # bootstrap_retries=-1: keep retrying getUpdates' bootstrap (deleteWebhook) on network
        # errors, as PTB's default of 0 gives up at the first one and this process stops polling.
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=-1)
        self.polling = True
        log.info("Telegram: tiến trình này nhận tin (long polling)")
        try:
            await asyncio.Event().wait()
        finally:
            self.polling = False
            if updater.running:
                await updater.stop()

    async def _initialize(self, stop: asyncio.Event) -> bool:
        """getMe until Telegram answers; False if stopped first. A bad token ends the process."""
        delay = 1.0
        while not stop.is_set():
            try:
                await self.application.initialize()
                return True
            except InvalidToken:
                raise
            except NetworkError as error:
                log.warning("Telegram chưa trả lời (%s); thử lại sau %.0f giây", error, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 30.0)
        return False


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the channel decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


async def _main(channel: TelegramChannel) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await channel.run(stop)


def run(config: TelegramConfig, wiring: ChannelWiring, lookup: PetitionLookup) -> int:
    """The Telegram process (`motcua telegram`, started by `motcua up`); returns its exit code."""
    secrets = [config.bot_token.get_secret_value()]
    if config.webhook_secret:
        secrets.append(config.webhook_secret.get_secret_value())
    setup_logging(secrets)
    try:
        asyncio.run(_main(TelegramChannel(config, wiring, lookup)))
    except InvalidToken:
        log.error("TELEGRAM_BOT_TOKEN không hợp lệ: Telegram từ chối. Hãy kiểm tra lại token.")
        return 2
    return 0
