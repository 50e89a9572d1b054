"""FastAPI application factory for the local web server (`uvicorn bot.web.app:create_app --factory`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.channels import telegram_config, zalo
from bot.channels.outbox import OutboxNotifier
from bot.channels.store import open_store
from bot.handover import console as handover_console
from bot.handover.desk import HandoverDesk
from bot.rasa_client import RasaClient
from bot.settings import Settings, get_settings
from bot.web import chat_api
from feedback.notify import deliver_pending
from feedback.service import FeedbackService
from feedback.web import build_service, make_context
from feedback.web import create_router as feedback_router
from feedback.web.wiring import config_from_settings

STATIC = Path(__file__).parent / "static"
NOTIFY_EVERY_S = 10.0
log = logging.getLogger(__name__)


async def notify_citizens(service: FeedbackService, settings: Settings, zalo_on: bool) -> None:
    """Hand petition status notifications to the channels' outboxes, which deliver them (rate
    limits, retries, Zalo's window). Only this one process runs the loop."""
    switches = {"telegram": telegram_config.configured() is not None, "zalo": zalo_on}
    enabled = [name for name, on in switches.items() if on]
    if not enabled:
        return
    channels_db = open_store(settings.data_dir)
    notifiers = {name: OutboxNotifier(channels_db, name) for name in enabled}
    while True:
        try:
            await deliver_pending(service.engine, notifiers)
        except Exception:  # a database hiccup must not stop notifications for good
            log.exception("petition notifications could not be handed to the channels")
        await asyncio.sleep(NOTIFY_EVERY_S)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    zalo_router = zalo.router_from_env(settings)  # None when no ZALO_* is set

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa = RasaClient(settings.rest_webhook_url)
        pump = asyncio.create_task(notify_citizens(app.state.feedback, settings, zalo_router is not None))
        yield
        pump.cancel()
        await app.state.rasa.aclose()

    app = FastAPI(title="Một Cửa", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(chat_api.router)
    # Officer console (/can-bo), public answers (/phan-anh) and the Open311 API (/open311/v2).
    feedback_config = config_from_settings(settings)
    feedback_service = app.state.feedback = build_service(feedback_config)
    app.include_router(feedback_router(feedback_config, feedback_service))
    # Live help: conversations handed to a person, answered from the console (/can-bo/ho-tro).
    app.state.handover = HandoverDesk(settings.handover_db_url)
    app.include_router(handover_console.build(make_context(feedback_config, feedback_service), app.state.handover))
    if zalo_router is not None:
        app.include_router(zalo_router)  # POST /zalo/webhook; its workers start with the app
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def chat_page() -> FileResponse:
        return FileResponse(STATIC / "chat.html")

    default_validation_handler = app.exception_handlers[RequestValidationError]

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        # Malformed chat bodies get a plain answer, never a stack trace or a validator dump.
        if not request.url.path.startswith(chat_api.router.prefix):
            return await default_validation_handler(request, error)
        text = "Yêu cầu không hợp lệ. Hãy gửi lại câu hỏi dưới dạng văn bản."
        return JSONResponse(status_code=422, content={"error": text, "messages": [{"text": text}]})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
