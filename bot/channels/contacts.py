"""When each user last wrote to us, per channel: Zalo allows free-form messages only for a while
after that, and held notices may go out again once the user writes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.channels.outbox import release_held
from bot.channels.records import Contact, utcnow


def touch(session: Session, channel: str, address: str) -> None:
    """Note the user's message (it reopens Zalo's window) and release the notices held for them."""
    contact = session.get(Contact, (channel, address))
    if contact is None:
        contact = Contact(channel=channel, address=address)
    contact.last_inbound_at = utcnow()
    session.add(contact)
    release_held(session, channel, address)


def last_inbound(session: Session, channel: str, address: str) -> datetime | None:
    """When the user last wrote to us on this channel, or None."""
    contact = session.get(Contact, (channel, address))
    return contact.last_inbound_at if contact else None
