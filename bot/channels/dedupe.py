"""Duplicate platform events are ignored: Telegram re-sends an update it thinks we missed, Zalo
re-posts a webhook, and an attacker may replay a captured one.

The claim is made in the same transaction that stores what the event produced, so an event is
either claimed and handled, or neither.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.channels.records import SeenEvent, utcnow
from feedback.db import insert_new, session_scope

log = logging.getLogger(__name__)

KEEP_DAYS = 7
PRUNE_EVERY_S = 3600.0


def claim(session: Session, channel: str, key: str) -> bool:
    """True the first time (channel, key) is seen; False for a duplicate."""
    return insert_new(session, SeenEvent, channel=channel, key=key[:100], seen_at=utcnow())


def forget_old(engine: Engine, keep_days: int = KEEP_DAYS) -> int:
    """Drop event ids older than any platform re-delivers (Telegram keeps updates 24 hours)."""
    cutoff = utcnow() - timedelta(days=keep_days)
    with session_scope(engine) as session:
        result = session.exec(delete(SeenEvent).where(SeenEvent.seen_at < cutoff))  # type: ignore[call-overload]
        return result.rowcount


async def prune_forever(engine: Engine, every_s: float = PRUNE_EVERY_S) -> None:
    """Forget old event ids now and every ``every_s`` seconds: a background task of each process
    that receives events (the Telegram channel, the web app with the Zalo webhook)."""
    while True:
        try:
            await asyncio.to_thread(forget_old, engine)
        except Exception:  # a busy database: try again next time
            log.exception("old event ids could not be pruned")
        await asyncio.sleep(every_s)
