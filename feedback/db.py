"""Engines and sessions for the app's database (SQLite or PostgreSQL).

The schema is not created here: one Alembic history in the app shell (``motcua/migrations``)
covers every table of every package.

SQLite transactions follow SQLAlchemy's documented recipe for pysqlite: the driver's own handling
is turned off (it begins only before the first INSERT/UPDATE/DELETE, so what a transaction read
first could be changed by another writer before it wrote: a lost update) and we emit BEGIN
ourselves. Write scopes (``session_scope``, ``for_writes``) begin with ``BEGIN IMMEDIATE``: they
take the write lock first, waiting up to ``busy_timeout`` for it, so what they read cannot change
before they write (a deferred BEGIN that reads, then writes, would fail at once with "database is
locked" when another writer committed in between). Reads (``read_scope``, plain sessions) keep a
deferred ``BEGIN``: in WAL mode they wait neither for writers nor for each other, so the public
list under load stays parallel; they must not write after reading.
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
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, create_engine

BEGIN_MODE = "motcua_sqlite_begin"  # execution option: "IMMEDIATE" for write transactions


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Several processes (web, Telegram, action server) write the same file: wait for a lock.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (_sqlite_begin)


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(BEGIN_MODE)
    conn.exec_driver_sql(f"BEGIN {mode}" if mode == "IMMEDIATE" else "BEGIN")


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
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url.removeprefix("postgresql://")
    return create_engine(db_url, pool_pre_ping=True, hide_parameters=True)


@lru_cache(maxsize=8)
def engine_for(db_url: str) -> Engine:
    """One engine per URL per process."""
    return make_engine(db_url)


def for_writes(engine: Engine) -> Engine:
    """``engine`` whose transactions take SQLite's write lock when they begin (the same engine,
    pool and connections; PostgreSQL ignores the option)."""
    return engine.execution_options(**{BEGIN_MODE: "IMMEDIATE"})


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A write transaction: committed on success, rolled back on error. On SQLite it holds the
    write lock from its first statement: no other writer slips in between a read and a write."""
    with Session(for_writes(engine), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A read-only session: one snapshot (deferred BEGIN), never the write lock, so readers
    (the public list under load) run side by side; whatever it changed is rolled back."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def insert_new(session: Session, model: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless one with the same key exists; True when inserted. One statement on
    SQLite and PostgreSQL alike (``INSERT … ON CONFLICT DO NOTHING``), so concurrent callers
    cannot both win."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # psycopg drops an INSERT's rowcount when SQLAlchemy closes the cursor, unless asked to keep it.
    statement = (insert(model).values(**values).on_conflict_do_nothing()
                 .execution_options(preserve_rowcount=True))
    return session.exec(statement).rowcount == 1  # type: ignore[call-overload]
