"""A migrated app database for a test: every table from the one schema history.

Running the whole Alembic history for every test would cost seconds each; the history runs once
per test session into a template file, and each test gets a copy of it.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from functools import lru_cache
from pathlib import Path

from motcua.db import migrate


@lru_cache(maxsize=1)
def _template() -> Path:
    path = Path(tempfile.mkdtemp(prefix="motcua-schema-")) / "template.db"
    migrate(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:  # fold the write-ahead log into the file before copying it
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def migrated_url(folder: Path, name: str = "motcua.db") -> str:
    """A SQLite URL in ``folder`` whose file holds every table (created on first call)."""
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_template(), path)
    return f"sqlite:///{path}"
