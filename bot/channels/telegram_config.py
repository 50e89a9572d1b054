"""Telegram settings, from the environment only (``TELEGRAM_*``; the token is a secret)."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelegramConfig(BaseSettings):
    """``TELEGRAM_BOT_TOKEN`` turns the channel on; everything else has a default."""

    model_config = SettingsConfigDict(
        env_prefix="TELEGRAM_", env_file=os.environ.get("MOTCUA_ENV_FILE"), extra="ignore"
    )

    bot_token: SecretStr
    # Another Bot API server (a local one, or a test fake) instead of Telegram's own.
    api_base_url: str = "https://api.telegram.org"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None  # the public HTTPS address Telegram posts updates to
    webhook_secret: SecretStr | None = None  # sent back by Telegram in a header on every update
    port: int = 8081  # health check, and webhook receiver in webhook mode (on MOTCUA_HOST)
    helpers: str = ""  # community helpers allowed to use /hotro: "user_id:Name; user_id:Name"

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> TelegramConfig:
        if self.mode == "webhook" and not (self.webhook_url and self.webhook_secret):
            raise ValueError("TELEGRAM_MODE=webhook cần TELEGRAM_WEBHOOK_URL và TELEGRAM_WEBHOOK_SECRET")
        return self

    @property
    def base_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/bot"

    @property
    def base_file_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/file/bot"


def configured() -> TelegramConfig | None:
    """The config when ``TELEGRAM_BOT_TOKEN`` is set, None otherwise; other mistakes raise."""
    try:
        return TelegramConfig()
    except ValidationError as error:
        if [e["loc"] for e in error.errors()] == [("bot_token",)]:
            return None
        raise
