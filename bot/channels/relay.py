"""From a citizen's message to the replies in the outbox, for every channel alike (Telegram, Zalo,
the web chat): the parts, put together for one channel.

- ``intake``: store the message (dedupe, limits, assisted-mode commands) before acknowledging it;
- ``conversation``: ask Rasa, in order per conversation, with the slow/down notices and retries;
- ``officers``: live-help answers from the console to the outbox;
- ``contacts``: when each user last wrote.

Every database call runs in a worker thread; the event loop only waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from sqlalchemy.engine import Engine

from bot.channels.assisted import Helpers
from bot.channels.contacts import last_inbound
from bot.channels.conversation import ConversationWorker
from bot.channels.intake import Inbound, Intake, IntakeLimits, Outcome, Receipt
from bot.channels.officers import OfficerForwarder
from bot.handover.desk import HandoverDesk
from bot.rasa_client import BotMessage, RasaClient

__all__ = ["Inbound", "IntakeLimits", "Outcome", "Receipt", "Relay", "last_inbound"]

log = logging.getLogger(__name__)


class Relay:
    """One channel's intake, conversation worker and officer forwarding.

    ``wake_outbox`` is called on the event loop whenever something was queued for the citizen.
    """

    def __init__(self, engine: Engine, rasa: RasaClient, wake_outbox: Callable[[], None],
                 limits: IntakeLimits | None = None, poll_s: float = 1.0, *, channel: str,
                 desk: HandoverDesk | None = None, helpers: Helpers | None = None) -> None:
        limits = limits or IntakeLimits()
        self.channel = channel
        self.wake_outbox = wake_outbox
        self.poll_s = poll_s
        self.intake = Intake(engine, limits, helpers or Helpers())
        self.worker = ConversationWorker(engine, rasa, channel, limits, desk, wake_outbox, poll_s)
        self.officers = OfficerForwarder(engine, desk, channel) if desk is not None else None

    async def accept(self, inbound: Inbound) -> Receipt:
        """Store the message for Rasa, or answer why not; committed before this returns."""
        receipt = await self.intake.accept(inbound)
        if receipt.outcome is Outcome.ACCEPTED:
            self.worker.kick.notify()
        if receipt.outcome is not Outcome.DUPLICATE:
            self.wake_outbox()
        return receipt

    async def answer(self, channel: str, address: str, event_key: str,
                     messages: Iterable[BotMessage]) -> bool:
        """Answer an event ourselves (commands, unsupported content); False for a duplicate."""
        answered = await self.intake.answer(channel, address, event_key, messages)
        if answered:
            self.wake_outbox()
        return answered

    async def forward_officer_answers(self) -> None:
        """Queue the officers' new answers for this channel now."""
        if self.officers is not None and await asyncio.to_thread(self.officers.forward):
            self.wake_outbox()

    async def run(self) -> None:
        """Answer the inbox and forward officers' answers forever (cancel the task to stop)."""
        await asyncio.gather(self.worker.run(), self._forward_forever())

    async def _forward_forever(self) -> None:
        while self.officers is not None:
            try:
                await self.forward_officer_answers()
            except Exception:
                log.exception("officer answers could not be forwarded on %s", self.channel)
            await asyncio.sleep(self.poll_s)
