"""The channels database (``var/channels.db``), shared by the Telegram process and the web process.

SQLite in WAL mode with a busy timeout, so both processes can write; the schema is created on open.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from bot.channels.records import TABLES

DB_NAME = "channels.db"


def _pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_store(data_dir: Path) -> Engine:
    """An engine on ``data_dir/channels.db`` with every channel table in place."""
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{data_dir / DB_NAME}", connect_args={"check_same_thread": False, "timeout": 10}
    )
    event.listen(engine, "connect", _pragmas)
    SQLModel.metadata.create_all(engine, tables=TABLES)
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session committed on success, rolled back on error: the unit of "persist, then ack"."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
