"""The web side: officer console (/can-bo), public page (/phan-anh) and Open311 (/open311/v2).

``create_router(config, service)`` returns one APIRouter to include in the project's FastAPI app;
the database schema comes from the app's migration history (``motcua.db.migrate``).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse
from itsdangerous import URLSafeTimedSerializer

from feedback.config import FeedbackConfig
from feedback.db import engine_for
from feedback.directory import cached_directory
from feedback.notify import NoticeQueue
from feedback.service import FeedbackService
from feedback.web import console, open311, public
from feedback.web.deps import STATIC_DIR, WebContext, make_templates


def build_service(config: FeedbackConfig, notices: NoticeQueue | None = None) -> FeedbackService:
    """The service for a config, on a database whose schema is in place; ``notices`` is where the
    citizens' notices go (the app's channel outbox)."""
    return FeedbackService(engine_for(config.db_url), cached_directory(config.units_file), config,
                           notices)


def make_context(config: FeedbackConfig, service: FeedbackService) -> WebContext:
    """What console-style routers share: the service, templates and the session signer (other
    routers that use the officer login, like live help, build theirs with this too)."""
    return WebContext(service, make_templates(), URLSafeTimedSerializer(config.secret_key),
                      config.secure_cookies)


def create_router(config: FeedbackConfig, service: FeedbackService | None = None) -> APIRouter:
    """All feedback routes; pass ``service`` to share one with the bot's actions."""
    ctx = make_context(config, service or build_service(config))
    router = APIRouter()

    @router.get("/phan-anh-static/app.css", include_in_schema=False)
    def stylesheet() -> FileResponse:
        return FileResponse(STATIC_DIR / "app.css", media_type="text/css")

    router.include_router(console.build(ctx))
    router.include_router(public.build(ctx))
    router.include_router(open311.build(ctx))
    return router
