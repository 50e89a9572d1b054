"""A wake-up signal that any thread or event loop may send and any coroutine may wait for.

The relay's parts run their database work in threads, and a web app under test may serve one
conversation from two event loops; ``asyncio.Event`` belongs to one loop, so the parts signal
each other with this instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Pulse:
    """``notify`` wakes every coroutine waiting at that moment, on whatever loop it waits.

    Take a ticket *before* looking at the state you wait for, then wait on the ticket: a notify
    that lands in between is not missed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()

    def ticket(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._waiting.add((loop, future))
        return future

    async def wait(self, ticket: asyncio.Future[None], timeout: float) -> bool:
        """True when notified, False after ``timeout`` seconds."""
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(ticket), max(timeout, 0.0))
            return ticket.done()
        finally:
            with self._lock:
                self._waiting = {w for w in self._waiting if w[1] is not ticket}

    def notify(self) -> None:
        with self._lock:
            waiting, self._waiting = self._waiting, set()
        for loop, future in waiting:
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits there
                loop.call_soon_threadsafe(_wake, future)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
