"""The channels' tables live in the app's one database, shared by the web and Telegram processes.

The schema comes from the app's migration history (``motcua/migrations``); this only opens the
engine. Writes go through ``feedback.db.session_scope`` (commit on success, roll back on error).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from feedback.db import engine_for


def open_store(db_url: str) -> Engine:
    """The process's engine on the app database (SQLite waits for other writers' locks)."""
    return engine_for(db_url)
