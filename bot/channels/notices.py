"""Petition notices into the channel outbox: feedback's ``NoticeQueue`` for the app.

Each notice becomes an outbox row in the transaction that changed the petition, so the status
change and the message to the citizen are stored together; from there the channel's dispatcher
delivers it like any reply (order per citizen, rate limits, retries, dead letters). A notice
carries its template values in ``BotMessage.data``, and the citizen's phone as a fallback: when
their chat refuses it or Zalo's reply window has closed, ZNS takes it to the phone. The chat text
ends with the link to the petition on the public lookup page, where the citizen can see it in full
and answer an officer's question.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from bot.channels.outbox import queue
from bot.channels.zns import CHANNEL as ZNS
from bot.channels.zns_templates import notice_data
from bot.rasa_client import BotMessage
from feedback.notify import Notice

# Channels a citizen can be told on: the web chat shows notices when the page is next open.
CHAT_CHANNELS = frozenset({"telegram", "zalo", "web"})
LOOKUP_PATH = "/phan-anh/tra-cuu?ma={code}"  # the lookup page (feedback/web/public.py)


def lookup_link(base_url: str, code: str) -> str:
    """The petition's page on the lookup site; ``base_url``: the web app's public address."""
    return base_url.rstrip("/") + LOOKUP_PATH.format(code=code)


class OutboxNotices:
    """Queues notices for the citizen's chat, with ZNS to their phone as the fallback (when on)."""

    def __init__(self, zns_enabled: bool = False, public_url: str | None = None) -> None:
        self.zns_enabled = zns_enabled
        self.public_url = public_url  # None: no link (the feedback module's own tests)

    def queue(self, session: Session, notice: Notice) -> None:
        targets = []
        if notice.channel in CHAT_CHANNELS and notice.address:
            targets.append((notice.channel, notice.address))
        if self.zns_enabled and notice.phone:
            targets.append((ZNS, notice.phone))
        if not targets:
            return
        # A new id per notice: ZNS derives its idempotency key from the data, and two notices of
        # the same kind (accepted again after a reopening) must not look like one.
        data = notice_data(notice.kind, uuid.uuid4().hex[:16], notice.code, unit=notice.unit,
                           status=notice.status, due=notice.due, on=notice.on)
        (channel, address), *fallbacks = targets
        text = notice.text
        if self.public_url:
            text += f"\nTrang tra cứu: {lookup_link(self.public_url, notice.code)}"
        queue(session, channel, address, [BotMessage(text=text, data=data)], "notice", fallbacks)
