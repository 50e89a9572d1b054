"""Zalo Official Account settings, from the environment only (``ZALO_*``)."""

from __future__ import annotations

import os

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ZaloConfig(BaseSettings):
    """The OA's identity, its webhook secret and the tokens that start the refresh chain."""

    model_config = SettingsConfigDict(
        env_prefix="ZALO_", env_file=os.environ.get("MOTCUA_ENV_FILE"), extra="ignore"
    )

    oa_id: str
    app_id: str
    oa_secret_key: SecretStr  # signs webhook events (X-ZEvent-Signature)
    app_secret: SecretStr  # the app's secret key, sent when refreshing the access token
    access_token: SecretStr
    refresh_token: SecretStr
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    # An OA may send free-form (consultation) messages only this long after the user's last one.
    cs_window_hours: float = 48.0

    @property
    def message_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/v3.0/oa/message/cs"

    @property
    def token_url(self) -> str:
        return self.oauth_base_url.rstrip("/") + "/v4/oa/access_token"
