"""Old channel rows and photos deleted, so the inbox, the outbox, the seen-event table and the
uploads folder do not grow forever.

What goes, once older than the policy says:

- ``ch_inbox``: messages Rasa has answered (``done``);
- ``ch_outbox``: messages finished with (``sent``, ``rerouted`` to another channel, ``requeued``
  by an officer); dead letters, which officers still have to look at, only after ``dead_keep_days``;
- ``ch_seen``: event ids, once no platform would re-deliver the event (``dedupe.KEEP_DAYS``);
- photos the channels downloaded (``<uploads>/telegram``, ``<uploads>/zalo``), after ``keep_days``
  like the messages that named them. A petition keeps its own copy (``feedback``'s attachments, in
  the database), so only the download is deleted; a photo named by a message still pending stays.

Pending and held rows are never deleted. One process prunes (``bot/channels/upkeep.py``, in the
web app), a batch at a time: the rows are found by a read that never blocks writers, and each
batch is deleted by primary key in a short transaction of its own, so the channels' writers wait
for the lock a few milliseconds at most, however big the backlog.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, delete, func, or_, select, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from bot.channels import dedupe
from bot.channels.records import InboxMessage, OutboxMessage, SeenEvent, utcnow
from feedback.db import read_scope, session_scope

log = logging.getLogger(__name__)

LOCK_NAME = "channels:retention"
BATCH = 500
PRUNE_EVERY_S = 3600.0
BATCH_PAUSE_S = 0.05  # between batches: the channels' writers get the lock in between
FINISHED = ("sent", "rerouted", "requeued")
DOWNLOAD_AREAS = ("telegram", "zalo")
PULL_CHANNEL = "web"  # its outbox rows wait for a page to fetch them  # each channel downloads into <uploads>/<channel>


@dataclass(frozen=True)
class Retention:
    """How long finished rows are kept (``MOTCUA_CHANNEL_KEEP_DAYS``,
    ``MOTCUA_DEAD_LETTER_KEEP_DAYS``)."""

    keep_days: int = 30
    dead_keep_days: int = 180
    seen_keep_days: int = dedupe.KEEP_DAYS


def _inbox_old(now: datetime, policy: Retention) -> ColumnElement[bool]:
    cutoff = now - timedelta(days=policy.keep_days)
    return and_(col(InboxMessage.state) == "done",
                func.coalesce(InboxMessage.done_at, InboxMessage.created_at) < cutoff)


def _outbox_old(now: datetime, policy: Retention) -> ColumnElement[bool]:
    finished = and_(col(OutboxMessage.state).in_(FINISHED),
                    OutboxMessage.created_at < now - timedelta(days=policy.keep_days))
    dead = and_(col(OutboxMessage.state) == "dead",
                func.coalesce(OutboxMessage.failed_at, OutboxMessage.created_at)
                < now - timedelta(days=policy.dead_keep_days))
    # The web chat is pulled, never pushed: a row no page fetched in that long never will be (a
    # notice with a next channel has long gone there, `outbox.reroute_unfetched`).
    unfetched = and_(col(OutboxMessage.channel) == PULL_CHANNEL,
                     col(OutboxMessage.state) == "pending",
                     OutboxMessage.created_at < now - timedelta(days=policy.keep_days))
    return or_(finished, dead, unfetched)


def _seen_old(now: datetime, policy: Retention) -> ColumnElement[bool]:
    return SeenEvent.seen_at < now - timedelta(days=policy.seen_keep_days)


def _batch(engine: Engine, key: tuple, condition: ColumnElement[bool], size: int) -> int:
    """Delete up to ``size`` rows matching ``condition``; returns how many went."""
    with read_scope(engine) as session:
        keys = [tuple(row) for row in session.connection().execute(
            select(*key).where(condition).order_by(*key).limit(size))]
    if not keys:
        return 0
    found = tuple_(*key).in_(keys) if len(key) > 1 else key[0].in_([k[0] for k in keys])
    with session_scope(engine) as session:
        # The condition again: a row may have changed since it was read (a dead letter requeued).
        statement = delete(key[0].table).where(found, condition)
        return session.exec(statement).rowcount  # type: ignore[call-overload]


def _tables(policy: Retention) -> dict[str, tuple[tuple, ColumnElement[bool]]]:
    now = utcnow()
    return {
        "ch_inbox": ((col(InboxMessage.id),), _inbox_old(now, policy)),
        "ch_outbox": ((col(OutboxMessage.id),), _outbox_old(now, policy)),
        "ch_seen": ((col(SeenEvent.channel), col(SeenEvent.key)), _seen_old(now, policy)),
    }


def _pending_photos(engine: Engine) -> set[Path]:
    """The photos named by messages Rasa has not answered yet: their action still reads them."""
    with read_scope(engine) as session:
        metas = session.connection().execute(
            select(InboxMessage.meta).where(col(InboxMessage.state) != "done")).scalars().all()
    paths: set[Path] = set()
    for meta in metas:
        try:
            image = json.loads(meta or "{}").get("image")
        except (ValueError, AttributeError):
            continue
        if isinstance(image, dict) and isinstance(image.get("path"), str):
            paths.add(Path(image["path"]).resolve())
    return paths


def _old_uploads(engine: Engine, uploads: Path, policy: Retention) -> int:
    """Delete downloaded photos older than ``keep_days``; returns how many went."""
    cutoff = (utcnow() - timedelta(days=policy.keep_days)).timestamp()
    pending = _pending_photos(engine)
    gone = 0
    for area in DOWNLOAD_AREAS:
        try:
            entries = list(os.scandir(uploads / area))
        except FileNotFoundError:
            continue
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            if Path(entry.path).resolve() in pending:
                continue
            try:
                os.unlink(entry.path)
            except FileNotFoundError:  # another process was quicker
                continue
            gone += 1
    return gone


async def prune(engine: Engine, policy: Retention, batch: int = BATCH,
                pause_s: float = BATCH_PAUSE_S, uploads: Path | None = None) -> dict[str, int]:
    """Delete every row the policy lets go, ``batch`` rows per transaction, pausing ``pause_s``
    between batches, then the old photos under ``uploads`` when given; returns how many rows
    went per table (and files, as ``uploads``)."""
    counts: dict[str, int] = {}
    for name, (key, condition) in _tables(policy).items():
        counts[name] = 0
        while (gone := await asyncio.to_thread(_batch, engine, key, condition, batch)) > 0:
            counts[name] += gone
            await asyncio.sleep(pause_s)
    if uploads is not None:
        counts["uploads"] = await asyncio.to_thread(_old_uploads, engine, uploads, policy)
    return counts


async def prune_forever(engine: Engine, policy: Retention, every_s: float = PRUNE_EVERY_S,
                        uploads: Path | None = None) -> None:
    """Prune now and every ``every_s`` seconds (cancel to stop)."""
    while True:
        try:
            counts = await prune(engine, policy, uploads=uploads)
            if any(counts.values()):
                log.info("old channel rows deleted: %s", counts)
        except Exception:  # a busy or unreachable database: next time
            log.exception("old channel rows could not be deleted")
        await asyncio.sleep(every_s)
