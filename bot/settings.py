"""Runtime settings, read from the environment (prefix ``MOTCUA_``) or a ``.env`` file.

Every default is the embedded one: everything on 127.0.0.1, SQLite and indexes under ``var/``,
no token or account needed. Secrets (bot tokens, app secrets) come only from the environment or
from an env file outside the repository (``MOTCUA_ENV_FILE``).
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where things live and which ports they use."""

    model_config = SettingsConfigDict(
        env_prefix="MOTCUA_", env_file=os.environ.get("MOTCUA_ENV_FILE"), extra="ignore"
    )

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8000

    data_dir: Path = REPO_ROOT / "var"
    models_dir: Path = REPO_ROOT / "models"
    rasa_venv: Path = REPO_ROOT / ".venv" / "rasa"
    province: str = "lang-son"
    # Tests point this at a quick-to-train copy; operators rarely change it.
    rasa_config: Path = REPO_ROOT / "config.yml"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def rest_webhook_url(self) -> str:
        """Rasa's REST channel, the one door every channel of ours talks through."""
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.action_port}/webhook"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def rasa_api_token(self) -> str:
        """Token for Rasa's HTTP API (conversations, tracker events): `MOTCUA_RASA_API_TOKEN`, else a
        random one kept in the data folder, readable by its owner only."""
        if token := os.environ.get("MOTCUA_RASA_API_TOKEN"):
            return token
        path = self.data_dir / "rasa_api_token"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    @property
    def handover_db_url(self) -> str:
        """Live-help queue and transcripts (see bot/handover)."""
        return f"sqlite:///{self.data_dir / 'handover.db'}"

    @property
    def tracker_db(self) -> Path:
        """Rasa's conversation store: conversations survive a Rasa restart."""
        return self.data_dir / "rasa_tracker.db"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings
