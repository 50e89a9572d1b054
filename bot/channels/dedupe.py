"""Duplicate platform events are ignored: Telegram re-sends an update it thinks we missed, Zalo
re-posts a webhook, and an attacker may replay a captured one.

The claim is made in the same transaction that stores what the event produced, so an event is
either claimed and handled, or neither.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.channels.records import SeenEvent, utcnow
from feedback.db import session_scope

KEEP_DAYS = 7


def claim(session: Session, channel: str, key: str) -> bool:
    """True the first time (channel, key) is seen; False for a duplicate."""
    statement = insert(SeenEvent).values(channel=channel, key=key[:100], seen_at=utcnow())
    result = session.exec(statement.on_conflict_do_nothing())  # type: ignore[call-overload]
    return result.rowcount == 1


def forget_old(engine: Engine, keep_days: int = KEEP_DAYS) -> int:
    """Drop event ids older than any platform re-delivers (Telegram keeps updates 24 hours)."""
    cutoff = utcnow() - timedelta(days=keep_days)
    with session_scope(engine) as session:
        result = session.exec(delete(SeenEvent).where(SeenEvent.seen_at < cutoff))  # type: ignore[call-overload]
        return result.rowcount
