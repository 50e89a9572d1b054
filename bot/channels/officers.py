"""Officer forwarding: what officers write in the live-help console goes to the citizen's outbox.

The desk (bot/handover) keeps, per request, the last message handed to the citizen's channel; each
round queues the newer officer and system messages for one channel and moves that mark on.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.channels.outbox import queue
from bot.handover.desk import HandoverDesk, Message
from bot.rasa_client import BotMessage
from feedback.db import session_scope

KIND = "officer"  # outbox kind of a live-help answer: delivered like a reply; the web chat shows it apart


class OfficerForwarder:
    """Moves one channel's officer answers from the desk to the outbox (call off the event loop)."""

    def __init__(self, engine: Engine, desk: HandoverDesk, channel: str) -> None:
        self.engine = engine
        self.desk = desk
        self.channel = channel

    def forward(self) -> int:
        """Queue what is new for this channel's citizens; returns how many messages. Any number of
        workers may call this at once: the desk's mark moves with the queued rows, in one
        transaction, and only for the worker that moved it."""
        count = 0
        for request, pending in self.desk.undelivered(self.channel):
            with session_scope(self.engine) as session:
                if not self.desk.claim_delivery(session, request.id, pending[0].id, pending[-1].id):
                    continue
                queue(session, self.channel, request.address or "", [_shown(m) for m in pending], KIND)
            count += len(pending)
        return count


def _shown(message: Message) -> BotMessage:
    """An officer's words carry their name; system notices (claimed, handed back) stand alone."""
    if message.sender == "officer" and message.author:
        return BotMessage(text=f"{message.author}: {message.text}")
    return BotMessage(text=message.text)
