"""FastAPI application factory for the local web server (`uvicorn bot.web.app:create_app --factory`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.rasa_client import RasaClient
from bot.settings import Settings, get_settings
from bot.handover import console as handover_console
from bot.handover.desk import HandoverDesk
from bot.web import chat_api
from feedback.web import build_service, make_context
from feedback.web import create_router as feedback_router
from feedback.web.wiring import config_from_settings

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.rasa = RasaClient(settings.rest_webhook_url)
        yield
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
