"""ZNS events on the OA webhook: delivery receipts and template status changes.

Both arrive on the same signed webhook as the OA's chat events; ``zalo.py`` hands each verified
event here first. A ZNS receipt is a ``user_received_message`` carrying ``delivery_time`` (the OA's
own receipts for chat messages have none); it marks the notice delivered in the ZNS ledger and on
its outbox row. A ``change_template_status`` is stored, and a template of ours that Zalo disables
or rejects is logged as an error, since every notice of that kind will be refused until it is fixed.
Replays are harmless: a receipt only fills what is empty, a status only replaces an older one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.channels.records import OutboxMessage, ZnsMessage, ZnsTemplateStatus, utcnow
from bot.channels.zns import CHANNEL
from feedback.db import session_scope

log = logging.getLogger(__name__)

RECEIPT_EVENT = "user_received_message"
TEMPLATE_STATUS_EVENT = "change_template_status"
USABLE_STATUS = "ENABLE"


def handle_zns_event(engine: Engine, event: Mapping[str, Any]) -> bool:
    """Record a ZNS receipt or template status; False for any other event (not ours to handle)."""
    name = event.get("event_name")
    message = event.get("message")
    if name == RECEIPT_EVENT and isinstance(message, dict) and message.get("delivery_time"):
        _record_receipt(engine, message)
        return True
    if name == TEMPLATE_STATUS_EVENT:
        _record_template_status(engine, event)
        return True
    return False


def _record_receipt(engine: Engine, message: Mapping[str, Any]) -> None:
    msg_id = _text(message.get("msg_id"), 64)
    tracking = _text(message.get("tracking_id"), 64)
    delivered = _moment(message.get("delivery_time")) or utcnow()
    with session_scope(engine) as session:
        entry = session.get(ZnsMessage, tracking) if tracking else None
        if entry is None and msg_id:
            entry = session.exec(select(ZnsMessage).where(ZnsMessage.msg_id == msg_id)).first()
        if entry is not None:
            entry.msg_id = entry.msg_id or msg_id
            entry.delivered_at = entry.delivered_at or delivered
            session.add(entry)
            msg_id = entry.msg_id
        row = _outbox_row(session, msg_id) if msg_id else None
        if row is not None and row.delivered_at is None:
            row.delivered_at = delivered
            session.add(row)
        if entry is None and row is None:
            log.info("ZNS receipt for a message we do not know (sent by another system?)")


def _outbox_row(session: Session, msg_id: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(
        OutboxMessage.channel == CHANNEL, col(OutboxMessage.platform_message_id) == msg_id,
    )).first()


def _record_template_status(engine: Engine, event: Mapping[str, Any]) -> None:
    template_id = _text(event.get("template_id"), 32)
    status = event.get("status") if isinstance(event.get("status"), dict) else {}
    new = _text(status.get("new_status"), 32).upper()
    if not template_id or not new:
        log.warning("ZNS template status event without a template id or status: ignored")
        return
    changed = _moment(event.get("timestamp")) or utcnow()
    with session_scope(engine) as session:
        row = session.get(ZnsTemplateStatus, template_id)
        if row is not None and row.changed_at >= changed:
            return  # a replay, or an older event arriving late
        known = row.status if row is not None else ""
        row = row or ZnsTemplateStatus(template_id=template_id, status=new, changed_at=changed)
        row.previous = _text(status.get("prev_status"), 32).upper() or known or None
        row.status = new
        row.reason = _text(event.get("reason"), 500) or None
        row.changed_at = changed
        session.add(row)
    if new != USABLE_STATUS:
        log.error("ZNS template %s is now %s: its notices will be refused (%s)",
                  template_id, new, row.reason or "no reason given")


def _text(value: Any, limit: int) -> str:
    return str(value).strip()[:limit] if value not in (None, "") else ""


def _moment(value: Any) -> datetime | None:
    """Zalo's timestamps are milliseconds since the epoch, as numbers or strings."""
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
