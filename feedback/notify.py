"""Citizen notifications through an outbox: stored with the status change, delivered later.

A channel (Telegram, Zalo…) plugs in by implementing ``Notifier``; ``deliver_pending`` is called
by a periodic task. A message is never lost because a channel was down: it stays in the outbox.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from feedback.db import session_scope
from feedback.deadlines import utcnow
from feedback.models import Notification, Petition

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class Notifier(Protocol):
    """Delivers one message to one address on one channel; raises on failure."""

    channel: str

    def send(self, address: str, message: str) -> Awaitable[None] | None: ...


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    skipped: int  # no notifier registered for the channel


def enqueue(session: Session, petition: Petition, message: str) -> Notification | None:
    """Queue a message for the petition's citizen, if they gave a channel to reach them."""
    if not petition.notify_channel or not petition.notify_address or petition.id is None:
        return None
    note = Notification(
        petition_id=petition.id,
        channel=petition.notify_channel,
        address=petition.notify_address,
        message=message,
    )
    session.add(note)
    return note


def pending(session: Session, limit: int = 100) -> list[Notification]:
    """Undelivered messages still worth retrying, oldest first."""
    query = (
        select(Notification)
        .where(col(Notification.sent_at).is_(None), Notification.attempts < MAX_ATTEMPTS)
        .order_by(col(Notification.id))
        .limit(limit)
    )
    return list(session.exec(query))


async def deliver_pending(
    engine: Engine, notifiers: Mapping[str, Notifier], limit: int = 100
) -> DeliveryReport:
    """Try every pending message once; each result is committed as soon as it is known."""
    sent = failed = skipped = 0
    with session_scope(engine) as session:
        batch = pending(session, limit)
    for note in batch:
        notifier = notifiers.get(note.channel)
        if notifier is None:
            skipped += 1
            continue
        error: str | None = None
        try:
            result = notifier.send(note.address, note.message)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # a channel failure must not stop the other deliveries
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("notification %s on %s failed: %s", note.id, note.channel, type(exc).__name__)
        with session_scope(engine) as session:
            row = session.get(Notification, note.id)
            row.attempts += 1
            if error is None:
                row.sent_at = utcnow()
                sent += 1
            else:
                row.last_error = error
                failed += 1
            session.add(row)
    return DeliveryReport(sent, failed, skipped)
