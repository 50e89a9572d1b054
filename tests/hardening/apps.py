"""The web app under test, as a uvicorn factory (``tests.hardening.apps:web_app``) for real processes.

``create_app`` mounts the feedback routers (console, public page, Open311) itself and keeps the
service in ``app.state.feedback``; should a build lack them, we mount them the way
docs/feedback.md says, so the suite still covers them.
"""

from __future__ import annotations

from fastapi import FastAPI

from bot.settings import get_settings
from bot.web.app import create_app
from feedback.service import FeedbackService
from feedback.web import build_service, create_router
from feedback.web.wiring import config_from_settings


def web_app_and_service() -> tuple[FastAPI, FeedbackService]:
    """The app for the current environment (MOTCUA_*), and a feedback service on the same database."""
    get_settings.cache_clear()
    app = create_app(get_settings())
    service = getattr(app.state, "feedback", None)  # set by create_app when it mounts feedback
    if service is None:
        config = config_from_settings()
        service = build_service(config)
        app.include_router(create_router(config, service))
    return app, service


def web_app() -> FastAPI:
    return web_app_and_service()[0]
