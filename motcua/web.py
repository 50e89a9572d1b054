"""The web app factory (`uvicorn motcua.web:create_app --factory`): the citizen chat page, the
officer console, the public petition pages, Open311 and the Zalo webhook in one FastAPI app."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.channels import assisted, upkeep
from bot.channels import zalo as zalo_channel
from bot.channels.web import WebChat
from bot.handover import console as handover_console
from bot.web import STATIC_DIR, chat_api, dead_letters
from feedback.web import make_context
from feedback.web import create_router as feedback_router
from motcua import services
from motcua.settings import Settings, get_settings, zalo_config


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    zalo = zalo_config()  # None when no ZALO_* is set
    zalo_router = zalo_channel.create_router(zalo, services.channel_wiring(settings)) if zalo else None

    app = FastAPI(title="Một Cửa", docs_url=None, redoc_url=None)
    # Officer console (/can-bo), public answers (/phan-anh) and the Open311 API (/open311/v2).
    feedback_config = services.feedback_config(settings)
    feedback_service = app.state.feedback = services.feedback_service(settings)
    app.include_router(feedback_router(feedback_config, feedback_service))
    # Live help: conversations handed to a person, answered from the console (/can-bo/ho-tro).
    app.state.handover = services.handover_desk(settings)
    app.include_router(handover_console.build(make_context(feedback_config, feedback_service), app.state.handover))
    # Messages the platforms refused for good, and channel alerts, for admins (/can-bo/tin-loi).
    app.include_router(dead_letters.build(make_context(feedback_config, feedback_service),
                                          services.channels_store(settings)))
    # The citizen chat (/api/chat): the web channel, on the same inbox and outbox as the others.
    web_chat = WebChat(services.channels_store(settings), app.state.handover, settings.rest_webhook_url,
                       settings.channel_limits, assisted.Helpers.configured(settings.assisted_helpers))
    app.include_router(chat_api.create_router(web_chat, settings.secure_cookies))
    if zalo_router is not None:
        app.include_router(zalo_router)  # POST /zalo/webhook; its workers start with the app
    # Channel upkeep by one of the web workers: old rows deleted, unfetched web notices sent on.
    app.include_router(upkeep.router(services.channels_store(settings), settings.channel_retention,
                                     timedelta(hours=settings.web_notice_wait_hours),
                                     uploads=settings.data_dir / "uploads"))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def chat_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "chat.html")

    default_validation_handler = app.exception_handlers[RequestValidationError]

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        # Malformed chat bodies get a plain answer, never a stack trace or a validator dump.
        if not request.url.path.startswith(chat_api.PREFIX):
            return await default_validation_handler(request, error)
        text = "Yêu cầu không hợp lệ. Hãy gửi lại câu hỏi dưới dạng văn bản."
        return JSONResponse(status_code=422, content={"error": text, "messages": [{"text": text}]})

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
