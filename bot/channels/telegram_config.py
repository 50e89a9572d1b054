"""Telegram settings (``TELEGRAM_*``, read by ``motcua.settings``; the token is a secret)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, SecretStr, model_validator


class TelegramConfig(BaseModel):
    """``TELEGRAM_BOT_TOKEN`` turns the channel on; everything else has a default."""

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

