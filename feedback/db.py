"""Engines and sessions for the app's database (SQLite or PostgreSQL).

The schema is not created here: one Alembic history in the app shell (``motcua/migrations``)
covers every table of every package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Several processes (web, Telegram, action server) write the same file: wait for a lock.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(db_url: str) -> Engine:
    """An engine for SQLite (file, shared across threads) or PostgreSQL (psycopg 3). Statement
    parameters stay out of error messages: they hold citizens' words, phones and tokens."""
    if db_url.startswith("sqlite"):
        path = db_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(db_url, connect_args={"check_same_thread": False},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url.removeprefix("postgresql://")
    return create_engine(db_url, pool_pre_ping=True, hide_parameters=True)


@lru_cache(maxsize=8)
def engine_for(db_url: str) -> Engine:
    """One engine per URL per process."""
    return make_engine(db_url)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def insert_new(session: Session, model: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless one with the same key exists; True when inserted. One statement on
    SQLite and PostgreSQL alike (``INSERT … ON CONFLICT DO NOTHING``), so concurrent callers
    cannot both win."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(model).values(**values).on_conflict_do_nothing()
    return session.exec(statement).rowcount == 1  # type: ignore[call-overload]
