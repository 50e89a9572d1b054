"""Alerts for officers: a channel problem no retry can fix (a Zalo token that cannot be refreshed).

An alert is stored, so every process sees it and it survives a restart; the officers' dead-letter
page shows the active ones. Raising the same alert again only refreshes its text; clearing it
(the problem went away) keeps the row for the record.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.channels.records import ChannelAlert, utcnow
from feedback.db import session_scope


def raise_alert(engine: Engine, key: str, channel: str, message: str) -> None:
    """Show ``message`` (Vietnamese, no secrets, no personal data) to officers until cleared."""
    with session_scope(engine) as session:
        alert = session.get(ChannelAlert, key)
        if alert is None or alert.cleared_at is not None:
            alert = alert or ChannelAlert(key=key, channel=channel, message=message)
            alert.raised_at = utcnow()
            alert.cleared_at = None
        alert.message = message
        session.add(alert)


def clear_alert(engine: Engine, key: str) -> None:
    with session_scope(engine) as session:
        alert = session.get(ChannelAlert, key)
        if alert is not None and alert.cleared_at is None:
            alert.cleared_at = utcnow()
            session.add(alert)


def active_alerts(engine: Engine) -> list[ChannelAlert]:
    with Session(engine) as session:
        return list(session.exec(
            select(ChannelAlert).where(col(ChannelAlert.cleared_at).is_(None))
            .order_by(col(ChannelAlert.raised_at))
        ).all())
