"""Runtime settings: the one module that reads the environment.

Variables are ``MOTCUA_*`` (and ``TELEGRAM_*``, ``ZALO_*`` for the channels), or lines of the env
file named by ``MOTCUA_ENV_FILE`` (kept outside the repository: it holds secrets). Every default is
the embedded one: everything on 127.0.0.1, SQLite and indexes under ``var/``, no account needed.

The packages below the shell (``knowledge``, ``feedback``, ``nlu``, the channels) never read the
environment: they receive the config objects built here.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:  # the channels import these settings: their config classes load lazily
    from bot.channels.intake import IntakeLimits
    from bot.channels.retention import Retention
    from bot.channels.telegram_config import TelegramConfig
    from bot.channels.zalo_config import ZaloConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = os.environ.get("MOTCUA_ENV_FILE")
# No library we load may reach a model hub: every model ships with the project or is built by it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

M = TypeVar("M", bound=BaseModel)


def _source(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=ENV_FILE, extra="ignore")


class FeedbackSettings(BaseSettings):
    """The petition desk (``MOTCUA_FEEDBACK_*``)."""

    model_config = _source("MOTCUA_FEEDBACK_")

    secret: SecretStr | None = None  # signs console sessions; default: a key kept in the data folder


class Settings(BaseSettings):
    """Where things live, which ports they use, and the switches an operator may turn."""

    model_config = _source("MOTCUA_")

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8000
    # Where citizens reach the web app (https://motcua.example.gov.vn behind nginx): links in the
    # messages they receive. Default: the web server's own address, as `motcua up` serves it.
    public_url: str | None = None

    data_dir: Path = REPO_ROOT / "var"
    models_dir: Path = REPO_ROOT / "models"
    rasa_venv: Path = REPO_ROOT / ".venv" / "rasa"
    province: str = "lang-son"
    # The app's one database (petitions, channels, live help, catalogue): a SQLite file under the
    # data folder by default, a PostgreSQL URL in production.
    db_url: str | None = None
    # Tests point this at a quick-to-train copy; operators rarely change it.
    rasa_config: Path = REPO_ROOT / "config.yml"
    # A sentence-transformers folder or name; "none" searches lexically only. Default: the e5
    # model built at set-up under the data folder, when it is there.
    embedding_model: str | None = None
    # Warm every service up before reporting ready (off only to measure what it saves).
    warmup: bool = True
    rasa_api_token: SecretStr | None = None
    open311_api_keys: str = ""  # comma-separated keys of systems allowed to file through Open311
    secure_cookies: bool = False  # behind HTTPS in production
    # Community helpers' codes for the assisted mode, valid on every channel: "<mã>:<họ tên>; …".
    assisted_helpers: str = ""
    # The production topology (docs/production.md); unset, one machine runs one worker of each
    # server on SQLite. Redis: Rasa's lock store and the limits every worker shares.
    redis_url: SecretStr | None = None  # redis://[:password@]host:port/db
    tracker_db_url: SecretStr | None = None  # postgresql://user:password@host:port/db (Rasa's trackers)
    workers: int = Field(default=1, ge=1)  # processes of Rasa, the action server and the web app each
    # Answered inbox messages and delivered outbox rows are deleted after this many days; dead
    # letters (refused for good, not yet sent again by an officer) after the second.
    channel_keep_days: int = Field(default=30, ge=1)
    dead_letter_keep_days: int = Field(default=180, ge=1)
    # A petition notice for the web chat that no page fetched within this many hours goes to the
    # citizen's next channel (ZNS to the phone they gave, when ZNS is on).
    web_notice_wait_hours: float = Field(default=24.0, gt=0)
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)

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
    def public_base_url(self) -> str | None:
        """``MOTCUA_PUBLIC_URL`` without a trailing slash; None when unset: the web server's own
        address (127.0.0.1, 0.0.0.0, an internal host) means nothing on a citizen's phone, so
        notices then carry no link rather than a wrong one."""
        return self.public_url.rstrip("/") if self.public_url else None

    @property
    def rasa_token(self) -> str:
        """Token for Rasa's HTTP API (conversations, tracker events): `MOTCUA_RASA_API_TOKEN`, else a
        random one kept in the data folder, readable by its owner only."""
        if self.rasa_api_token is not None:
            return self.rasa_api_token.get_secret_value()
        return _kept_secret(self.data_dir / "rasa_api_token", 32)

    @property
    def feedback_secret(self) -> str:
        """`MOTCUA_FEEDBACK_SECRET`, else a random key kept in the data folder."""
        if self.feedback.secret is not None:
            return self.feedback.secret.get_secret_value()
        return _kept_secret(self.data_dir / "feedback_secret", 48)

    @property
    def channel_limits(self) -> IntakeLimits:
        """What the channels accept and how long they wait (``MOTCUA_CHANNEL_*``)."""
        from bot.channels.intake import IntakeLimits

        return from_environment(IntakeLimits, "MOTCUA_CHANNEL_")

    @property
    def channel_retention(self) -> Retention:
        """How long the channels keep finished rows (bot/channels/retention.py)."""
        from bot.channels.retention import Retention

        return Retention(keep_days=self.channel_keep_days,
                         dead_keep_days=self.dead_letter_keep_days)

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'motcua.db'}"

    @property
    def tracker_db(self) -> Path:
        """Rasa's conversation store: conversations survive a Rasa restart."""
        return self.data_dir / "rasa_tracker.db"

    @property
    def retrieval_index_dir(self) -> Path:
        return self.data_dir / "index" / "retrieval"

    @property
    def built_model_dir(self) -> Path:
        """Where set-up builds the e5 embedding model (knowledge.retrieval.build_model)."""
        return self.data_dir / "models" / "multilingual-e5-small"


def _kept_secret(path: Path, size: int) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(size), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def from_environment(model: type[M], prefix: str) -> M:
    """A package's config model read from ``<prefix>*`` variables and the env file.

    The packages define plain models (they never read the environment); this builds one from it.
    Raises ``ValidationError`` when a required variable is missing or a value is wrong.
    """
    reader = type(f"{model.__name__}FromEnv", (BaseSettings, model), {"model_config": _source(prefix)})
    return model.model_validate(reader().model_dump())


class ConfigError(RuntimeError):
    """A feature is half configured; the message (for the operator) names each variable at fault."""


def optional_from_environment(model: type[M], prefix: str) -> M | None:
    """Like ``from_environment``, or None when none of the model's required variables is set (the
    feature is off); a half-configured one raises ``ConfigError``, so the operator hears of it."""
    try:
        return from_environment(model, prefix)
    except ValidationError as error:
        required = [name for name, field in model.model_fields.items() if field.is_required()]
        missing = [e for e in error.errors() if e["type"] == "missing"]
        if len(missing) == len(error.errors()) == len(required):
            return None
        faults = "; ".join(f"{prefix}{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                           for e in error.errors())
        raise ConfigError(f"Cấu hình {prefix.rstrip('_')} chưa đúng — {faults}") from None


def telegram_config() -> TelegramConfig | None:
    """Telegram's settings when `TELEGRAM_BOT_TOKEN` is set, else None."""
    from bot.channels.telegram_config import TelegramConfig

    return optional_from_environment(TelegramConfig, "TELEGRAM_")


def zalo_config() -> ZaloConfig | None:
    """The Zalo OA's settings when `ZALO_*` is set, else None."""
    from bot.channels.zalo_config import ZaloConfig

    return optional_from_environment(ZaloConfig, "ZALO_")


def inherited_environment() -> dict[str, str]:
    """This process's environment, for the child processes the runner starts."""
    return dict(os.environ)


def in_action_worker() -> bool:
    """True inside the Sanic worker that serves the action server's requests (not its supervisor):
    Sanic names the worker in ``SANIC_WORKER_NAME`` while it imports the actions."""
    return os.environ.get("SANIC_WORKER_NAME", "").startswith("Sanic-Server")


# Variables an older version read, and what replaced them: set, they would be silently ignored.
RETIRED = {"MOTCUA_FEEDBACK_DB_URL": "MOTCUA_DB_URL (một cơ sở dữ liệu cho cả hệ thống)"}


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    for old, new in RETIRED.items():
        if os.environ.get(old):
            raise ConfigError(f"Biến {old} không còn được dùng; hãy đặt {new}.")
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings
