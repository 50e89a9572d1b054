"""Driving an outbox dispatcher in tests: round after round, until the expected state holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.channels.outbox import Dispatcher


async def deliver_until(dispatcher: Dispatcher, condition: Callable[[], object], rounds: int = 300) -> None:
    """Run delivery rounds until ``condition()`` holds; fail if it never does."""
    for _ in range(rounds):
        if condition():
            return
        await dispatcher.run_once()
        await asyncio.sleep(0.01)
    raise AssertionError("the outbox never reached the expected state")
