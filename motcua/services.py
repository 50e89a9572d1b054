"""Builds the system's services from the settings: the one place that wires the packages together.

The action server, the web app, the channels and the CLI all get their catalogue, retriever,
petition service, live-help desk and databases from here, so each is configured the same way
everywhere and the packages themselves never look at settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot.channels import shared_limits
from bot.channels.notices import OutboxNotices
from bot.channels.store import open_store
from bot.channels.wiring import ChannelWiring
from bot.handover.desk import HandoverDesk
from feedback.config import PROVINCES_DIR, FeedbackConfig
from feedback.db import engine_for
from feedback.service import FeedbackService
from feedback.web import build_service
from motcua import db
from motcua.settings import Settings, zalo_config

if TYPE_CHECKING:  # imported where used: the web app and the channels never load the search
    from knowledge.catalogue import CatalogueStore
    from knowledge.retrieval import Retriever


def embedding_model(settings: Settings) -> str | None:
    """`MOTCUA_EMBEDDING_MODEL`, else the e5 model built at set-up, else None (lexical only)."""
    from knowledge.retrieval.build_model import is_built

    if settings.embedding_model:
        return settings.embedding_model
    folder = settings.built_model_dir
    return str(folder) if is_built(folder) else None


def retriever(settings: Settings, lexical_only: bool = False, progress: bool = False) -> Retriever:
    """The retriever over the shipped catalogue, its indexes saved under the data folder."""
    from knowledge.catalogue import load_shipped_catalogue
    from knowledge.retrieval import Retriever

    model = "none" if lexical_only else embedding_model(settings)
    return Retriever.load_or_build(load_shipped_catalogue(), settings.retrieval_index_dir, model,
                                   progress=progress)


def migrate_database(settings: Settings) -> None:
    """Create or upgrade every table of the app's database (idempotent)."""
    adopt_petition_store(settings)
    db.migrate(settings.database_url)


def adopt_petition_store(settings: Settings) -> None:
    """Before the app had one database, petitions lived in ``var/feedback.db``: that file becomes
    the app database, and its schema history goes on from where it was. (``channels.db`` and
    ``handover.db`` held delivery state and live-help queues; they are left where they are.)"""
    legacy, current = settings.data_dir / "feedback.db", settings.data_dir / "motcua.db"
    if settings.db_url is not None or current.exists() or not legacy.exists():
        return
    for suffix in ("", "-wal", "-shm"):  # SQLite's write-ahead log travels with its file
        if legacy.with_name(legacy.name + suffix).exists():
            legacy.with_name(legacy.name + suffix).rename(current.with_name(current.name + suffix))


def catalogue_store(settings: Settings, db_url: str | None = None) -> CatalogueStore:
    """The catalogue tables of the app database (or of another one), migrated first."""
    from knowledge.catalogue import CatalogueStore

    url = db_url or settings.database_url
    db.migrate(url)
    return CatalogueStore(engine_for(url))


def feedback_config(settings: Settings) -> FeedbackConfig:
    keys = frozenset(k.strip() for k in settings.open311_api_keys.split(",") if k.strip())
    return FeedbackConfig(
        db_url=settings.database_url,
        secret_key=settings.feedback_secret,
        province_dir=PROVINCES_DIR / settings.province,
        open311_api_keys=keys,
        secure_cookies=settings.secure_cookies,
    )


def feedback_service(settings: Settings) -> FeedbackService:
    """The petitions service, the database migrated first (a no-op once `motcua up` prepared it),
    its notices going to the channels' outbox."""
    migrate_database(settings)
    zalo = zalo_config()
    notices = OutboxNotices(zns_enabled=zalo is not None and zalo.zns_enabled,
                            public_url=settings.public_base_url)
    return build_service(feedback_config(settings), notices)


def handover_desk(settings: Settings) -> HandoverDesk:
    """The live-help queue, shared by the web console, the channels and the actions."""
    return HandoverDesk(settings.database_url)


def channels_store(settings: Settings) -> Engine:
    """Inbox, outbox, dedupe and channel state; the inbound limits counted in Redis when
    ``MOTCUA_REDIS_URL`` is set, so every worker of every host shares them."""
    shared_limits.use_redis(settings.redis_url.get_secret_value() if settings.redis_url else None)
    return open_store(settings.database_url)


def channel_wiring(settings: Settings) -> ChannelWiring:
    """What every channel needs from the app: database, Rasa, live help, limits, helpers."""
    return ChannelWiring(
        engine=channels_store(settings), rasa_url=settings.rest_webhook_url,
        desk=handover_desk(settings), limits=settings.channel_limits,
        helper_codes=settings.assisted_helpers, uploads_dir=settings.data_dir / "uploads",
        province_dir=PROVINCES_DIR / settings.province, host=settings.host,
    )
