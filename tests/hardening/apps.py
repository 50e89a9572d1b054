"""The web app under test, as a uvicorn factory (``tests.hardening.apps:web_app``) for real processes."""

from __future__ import annotations

from fastapi import FastAPI

from feedback.service import FeedbackService
from motcua.settings import get_settings
from motcua.web import create_app


def web_app_and_service() -> tuple[FastAPI, FeedbackService]:
    """The app for the current environment (MOTCUA_*), and its feedback service (same database)."""
    get_settings.cache_clear()
    app = create_app(get_settings())
    return app, app.state.feedback


def web_app() -> FastAPI:
    return web_app_and_service()[0]
