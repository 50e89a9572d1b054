"""Work that one process at a time may do on a store, however many workers share it.

With several web workers (``MOTCUA_WORKERS``) every worker runs the channels' loops on the same
inbox and outbox. Each conversation's next message must still go to Rasa once, and each outbox
must be delivered by one dispatcher, or a citizen is answered twice. The lock lives with the
store it guards, so it covers exactly the processes that share that store, and it is released by
the operating system or the database when its holder dies — a killed worker never leaves a
conversation locked:

- SQLite (one machine's file): POSIX record locks on ``<database>.locks``, one byte per name, at
  an offset taken from the name's SHA-256 anywhere in the file's 63-bit range (the file stays
  empty: locks beyond its end are allowed). Two names share a byte with odds of 1 in 2^63 per
  pair — as for PostgreSQL's 64-bit keys — where a 65,536-byte range made one pair in 32,768
  block each other. Within a process, names are counted per byte, since POSIX locks do not nest;
- PostgreSQL: session advisory locks, each on its own connection.

``hold`` never waits: another process holding the name means that process does the work.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

SPACE = 2**63 - 1  # lock offsets: 0 … 2^63 - 2, so the locked byte ends within off_t's range
RETRY_S = 5.0
MAX_BACKOFF_S = 60.0


def _digest(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _offset(name: str) -> int:
    """The byte that stands for ``name`` in the lock file."""
    return _digest(name) % SPACE


class _FileLocks:
    """Record locks on one file, one byte per name, counted within this process."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._mutex = threading.Lock()
        self._held: dict[int, set[str]] = {}

    def acquire(self, name: str) -> bool:
        offset = _offset(name)
        with self._mutex:
            names = self._held.get(offset)
            if names is not None:  # this process already holds the byte: only the name matters
                if name in names:
                    return False
                names.add(name)
                return True
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset)
            except OSError:
                return False
            self._held[offset] = {name}
            return True

    def release(self, name: str) -> None:
        offset = _offset(name)
        with self._mutex:
            names = self._held.get(offset)
            if names is None or name not in names:
                return
            names.discard(name)
            if not names:
                del self._held[offset]
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, offset)


class _LocalLocks:
    """An in-memory SQLite database lives in one process: a set of names is enough."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held: set[str] = set()

    def acquire(self, name: str) -> bool:
        with self._mutex:
            if name in self._held:
                return False
            self._held.add(name)
            return True

    def release(self, name: str) -> None:
        with self._mutex:
            self._held.discard(name)


class _AdvisoryLocks:
    """PostgreSQL session advisory locks, each held on a connection of its own for as long as it
    is held (no pool: a long hold must not starve the store's own sessions)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = create_engine(engine.url, poolclass=NullPool)
        self._mutex = threading.Lock()
        self._held: dict[str, Connection] = {}

    def acquire(self, name: str) -> bool:
        with self._mutex:
            if name in self._held:
                return False
        try:
            connection = self._engine.connect()
        except SQLAlchemyError:
            log.warning("lock %s not taken: the database did not answer", name.split(":")[0])
            return False  # as if another process held it: it is tried again later
        try:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _digest(name)}).scalar()
            connection.commit()
        except SQLAlchemyError:
            got = False
        if not got:
            connection.close()
            return False
        with self._mutex:
            self._held[name] = connection
        return True

    def release(self, name: str) -> None:
        with self._mutex:
            connection = self._held.pop(name, None)
        if connection is not None:
            connection.close()  # the session ends, and with it the lock


Locks = _FileLocks | _LocalLocks | _AdvisoryLocks
_registry: dict[str, Locks] = {}
_registry_lock = threading.Lock()


def _locks(engine: Engine) -> Locks:
    key = engine.url.render_as_string(hide_password=False)
    with _registry_lock:
        locks = _registry.get(key)
        if locks is None:
            if engine.dialect.name == "sqlite":
                database = engine.url.database
                in_memory = not database or database == ":memory:"
                locks = _LocalLocks() if in_memory else _FileLocks(Path(f"{database}.locks"))
            elif engine.dialect.name == "postgresql":
                locks = _AdvisoryLocks(engine)
            else:
                raise ValueError(f"no cross-process locks for {engine.dialect.name}")
            _registry[key] = locks
        return locks


@asynccontextmanager
async def hold(engine: Engine, name: str) -> AsyncIterator[bool]:
    """Yield True while this process holds ``name`` on the store of ``engine``, or False at once
    when another process (or another task of this one) holds it."""
    locks = _locks(engine)
    acquired = await asyncio.to_thread(locks.acquire, name)
    try:
        yield acquired
    finally:
        if acquired:
            await asyncio.to_thread(locks.release, name)


async def run_alone(engine: Engine, name: str, job: Callable[[], Awaitable[None]],
                    retry_s: float = RETRY_S, max_backoff_s: float = MAX_BACKOFF_S,
                    refused: Callable[[], None] | None = None) -> None:
    """Run ``job`` in the one process that holds ``name``; the others wait and take over within
    ``retry_s`` when that process dies. Cancel to stop (the lock is released).

    A job that fails is logged and run again, or else nobody would do the work while the process
    still looks healthy. The lock is let go while this process waits out the backoff (doubling
    from ``retry_s`` to ``max_backoff_s``): the failure may be this host's (its network, its
    disk), and a standby process may take over meanwhile. ``name`` is a job's name, never a
    citizen's address, so it may be logged. ``refused`` is called each time another process
    holds the lock (a standby's sign of life)."""
    backoff = retry_s
    while True:
        failed = False
        async with hold(engine, name) as mine:
            if mine:
                try:
                    await job()
                    return
                except Exception as error:  # noqa: BLE001 - any failure must not end the work
                    # The type only: a message may carry a URL, a token or a citizen's words.
                    log.warning("job %s failed (%s); trying again in %.0f s",
                                name, type(error).__name__, backoff)
                    failed = True
            elif refused is not None:
                refused()
        if failed:
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max(max_backoff_s, retry_s))
        else:
            await asyncio.sleep(retry_s)
