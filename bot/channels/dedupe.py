"""Duplicate platform events are ignored: Telegram re-sends an update it thinks we missed, Zalo
re-posts a webhook, and an attacker may replay a captured one.

The claim is made in the same transaction that stores what the event produced, so an event is
either claimed and handled, or neither. Old claims are deleted by ``retention`` once no platform
would re-deliver the event (``KEEP_DAYS``).
"""

from __future__ import annotations

from sqlmodel import Session

from bot.channels.records import SeenEvent, utcnow
from feedback.db import insert_new

KEEP_DAYS = 7  # longer than any platform re-delivers (Telegram keeps an update 24 hours)


def claim(session: Session, channel: str, key: str) -> bool:
    """True the first time (channel, key) is seen; False for a duplicate."""
    return insert_new(session, SeenEvent, channel=channel, key=key[:100], seen_at=utcnow())
