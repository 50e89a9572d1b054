"""Petition notices: what the citizen is told when their petition moves, queued with the move.

The service hands each notice to a ``NoticeQueue`` inside the transaction that changes the
petition, so a status change and its notice are stored together or not at all. The app plugs in
the channels' outbox (``bot/channels/notices.py``): one outbox between a status change and the
citizen's chat, with its retries, reply windows and fallbacks. Without one (the feedback module on
its own) no notice is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlmodel import Session

# What happened to the petition: the officer's action → the notice kind the citizen gets.
NOTICE_KINDS = {
    "accept": "accepted",
    "request_info": "info_requested",
    "transfer": "transferred",
    "reject": "rejected",
    "answer": "answered",
}


@dataclass(frozen=True)
class Notice:
    """One message for the citizen of one petition, with the values a template needs."""

    kind: str  # one of NOTICE_KINDS' values
    code: str
    text: str  # the message in full, for chat channels
    channel: str | None  # where the citizen talks to us (telegram, zalo, web), if anywhere
    address: str | None  # their id on that channel
    phone: str | None  # the phone number they gave, for notices by phone (ZNS)
    unit: str
    status: str
    due: date | None
    on: date


class NoticeQueue(Protocol):
    """Stores a notice for delivery, inside the caller's transaction (``session``)."""

    def queue(self, session: Session, notice: Notice) -> None: ...


class NoNotices:
    """The feedback module on its own: no channel to tell the citizen on, so nothing is kept."""

    def queue(self, session: Session, notice: Notice) -> None:
        return None
