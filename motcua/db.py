"""The app's one database and its schema history.

Every table of every package (petitions, channels, live help, catalogue) lives in the database
named by ``MOTCUA_DB_URL`` (a SQLite file under the data folder by default, PostgreSQL in
production), and one Alembic history (``motcua/migrations``) creates and upgrades all of them.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlmodel import SQLModel

import bot.channels.records  # noqa: F401  (registers the ch_* tables on SQLModel.metadata)
import feedback.models  # noqa: F401  (the petition tables)
import knowledge.catalogue.store  # noqa: F401  (the catalogue tables)
from bot.handover.desk import metadata as handover_metadata
from feedback.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def schema() -> list[MetaData]:
    """Every table the packages define: what the history must create."""
    return [SQLModel.metadata, handover_metadata]


def include_name(name: str | None, type_: str, _parents: dict) -> bool:
    """Comparisons ignore what migration 0002 creates outside the models (FTS5 tables, GIN indexes)."""
    return not (name or "").startswith(("petition_match", "petition_public", "ix_petition_match",
                                        "ix_petition_public_search"))


def alembic_config(db_url: str) -> Config:
    """Alembic configuration pointing at our migrations, without an alembic.ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    return cfg


def migrate(db_url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to call at every start."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            cfg = alembic_config(db_url)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
