"""Zalo Official Account settings (``ZALO_*``, read by ``motcua.settings``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, SecretStr


class ZaloConfig(BaseModel):
    """The OA's identity, its webhook secret and the tokens that start the refresh chain."""

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
    # Webhook events older than this (by their signed ``timestamp``) are ignored as replays.
    # Zalo re-posts an unanswered event for about two hours (30 s, 5, 15, 30, 60 min), so keep
    # this longer than that or a retried event after an outage would be lost.
    max_event_age_s: float = 3 * 3600.0
    # Where the photos citizens send may be downloaded from (bot/channels/zalo_photos.py):
    # "scheme://host[:port]" entries, comma-separated, "*." for any subdomain. Zalo's CDN.
    photo_sources: str = "https://*.zadn.vn,https://*.zdn.vn"
    # ZNS: petition notices to the citizen's phone from approved templates, with the OA's token.
    zns_enabled: bool = False
    zns_development: bool = False  # mode=development: only the OA's and app's admins receive
    zns_api_url: str = "https://business.openapi.zalo.me/message/template"
    zns_templates_file: Path | None = None  # default: provinces/<province>/zns_templates.yml

    @property
    def message_url(self) -> str:
        return self.api_base_url.rstrip("/") + "/v3.0/oa/message/cs"

    @property
    def token_url(self) -> str:
        return self.oauth_base_url.rstrip("/") + "/v4/oa/access_token"
