"""Builds the feedback config from the project's settings (the only place, with cli.py, that reads them)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.settings import Settings, get_settings
from feedback.config import PROVINCES_DIR, FeedbackConfig


def _secret(data_dir: Path) -> str:
    """``MOTCUA_FEEDBACK_SECRET``, else a random key kept in the data dir (readable by the owner only)."""
    from_env = os.environ.get("MOTCUA_FEEDBACK_SECRET")
    if from_env:
        return from_env
    path = data_dir / "feedback_secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def config_from_settings(settings: Settings | None = None) -> FeedbackConfig:
    """Default DB ``sqlite:///<data_dir>/feedback.db`` unless ``MOTCUA_FEEDBACK_DB_URL`` is set."""
    settings = settings or get_settings()
    db_url = os.environ.get("MOTCUA_FEEDBACK_DB_URL") or f"sqlite:///{settings.data_dir / 'feedback.db'}"
    keys = frozenset(k for k in os.environ.get("MOTCUA_OPEN311_API_KEYS", "").split(",") if k)
    return FeedbackConfig(
        db_url=db_url,
        secret_key=_secret(settings.data_dir),
        province_dir=PROVINCES_DIR / settings.province,
        open311_api_keys=keys,
        secure_cookies=os.environ.get("MOTCUA_SECURE_COOKIES", "") == "1",
    )
