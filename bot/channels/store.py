"""The channels database (``var/channels.db``), shared by the Telegram process and the web process.

SQLite in WAL mode with a busy timeout, so both processes can write; the schema is created on open.
Writes go through ``feedback.db.session_scope`` (commit on success, roll back on error).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

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
