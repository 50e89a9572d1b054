"""A migrated app database for a test: every table from the one schema history.

Running the whole Alembic history for every test would cost seconds each; the history runs once
per test session into a template, and each test gets a copy of it: a file on SQLite (the
default), a database made with ``CREATE DATABASE … TEMPLATE`` on PostgreSQL when
``MOTCUA_TEST_DB=postgresql`` (on the server of ``FEEDBACK_TEST_POSTGRES_URL``, which
``scripts/test-postgres.sh`` starts). One URL per folder: asking again for the same folder gives
the same database, as a data folder's ``motcua.db`` would. PostgreSQL databases are dropped when
their folder's test ends (``drop_databases``, called from tests/conftest.py) and at session end.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import tempfile
import uuid
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from motcua.db import migrate

BACKEND_ENV = "MOTCUA_TEST_DB"
SERVER_ENV = "FEEDBACK_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


def backend() -> str:
    """Where the suite keeps app data: ``$MOTCUA_TEST_DB``, else SQLite."""
    name = os.environ.get(BACKEND_ENV) or "sqlite"
    if name not in BACKENDS:
        raise pytest.UsageError(f"{BACKEND_ENV}={name!r}: sqlite or postgresql")
    if name == "postgresql" and not os.environ.get(SERVER_ENV):
        raise pytest.UsageError(f"{BACKEND_ENV}=postgresql needs {SERVER_ENV} "
                                '(eval "$(scripts/test-postgres.sh start DIR)")')
    return name


ON_POSTGRES = backend() == "postgresql"
# A server is there: tests may ask for a PostgreSQL copy even when the suite runs on SQLite.
POSTGRES_AT_HAND = bool(os.environ.get(SERVER_ENV))


def sqlite_only(why: str) -> pytest.MarkDecorator:
    """Skip a test that is about SQLite itself when the suite runs on PostgreSQL."""
    return pytest.mark.skipif(ON_POSTGRES, reason=f"about SQLite: {why}")


def migrated_url(folder: Path, name: str = "motcua.db", backend_name: str | None = None) -> str:
    """The URL of a database holding every table, for ``folder`` (created on first call).

    ``backend_name``: "sqlite" or "postgresql"; default: the suite's (``backend()``)."""
    folder.mkdir(parents=True, exist_ok=True)
    if (backend_name or backend()) == "postgresql":
        return _postgres_copy(folder / name)
    path = folder / name
    if not path.exists():
        shutil.copyfile(_sqlite_template(), path)
    return f"sqlite:///{path}"


@lru_cache(maxsize=1)
def _sqlite_template() -> Path:
    path = Path(tempfile.mkdtemp(prefix="motcua-schema-")) / "template.db"
    migrate(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:  # fold the write-ahead log into the file before copying it
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


# --- PostgreSQL ----------------------------------------------------------------------------------

_SESSION = uuid.uuid4().hex[:8]  # names this run's databases: others on the same server are not ours
_copies: dict[Path, str] = {}  # folder/name → database name
_numbers = itertools.count()


def _server_url() -> str:
    return os.environ[SERVER_ENV]


def _url_of(database: str) -> str:
    return _server_url().rsplit("/", 1)[0] + f"/{database}"


@lru_cache(maxsize=1)
def _admin() -> Engine:
    url = _server_url().replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)


@lru_cache(maxsize=1)
def _postgres_template() -> str:
    database = f"motcua_test_{_SESSION}_template"
    with _admin().connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    migrate(_url_of(database))  # disposes its engine: a template must have no one connected
    return database


def _postgres_copy(key: Path) -> str:
    key = key.absolute()
    if key not in _copies:
        database = f"motcua_test_{_SESSION}_{next(_numbers)}"
        with _admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{_postgres_template()}"'))
        _copies[key] = database
    return _url_of(_copies[key])


def drop_databases(under: Path | None = None) -> None:
    """Drop the PostgreSQL copies made for folders inside ``under`` (all of them and the template
    when None). Connections still open (a cached engine's pool) are closed by the server."""
    keys = [k for k in _copies if under is None or k.is_relative_to(under.absolute())]
    names = [_copies.pop(k) for k in keys]
    if under is None and _postgres_template.cache_info().currsize:
        names.append(_postgres_template())
        _postgres_template.cache_clear()
    if not names:
        return
    with _admin().connect() as conn:
        for database in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
