"""Rate limits: what the platforms allow us to send, and what we accept from one user.

Both are in memory on purpose: they shape traffic over seconds, and a restart only makes them
forget a few seconds of history. The messages themselves are persisted elsewhere.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

Clock = Callable[[], float]


class SendLimiter:
    """At most one message per ``per_chat_s`` to one chat and ``global_per_s`` in all.

    Telegram's documented limits are about one message a second per chat and 30 a second overall;
    when the platform still answers 429, ``pause`` stops everything for the time it asks.
    """

    def __init__(self, per_chat_s: float = 1.0, global_per_s: int = 30, clock: Clock = time.monotonic):
        self.per_chat_s = per_chat_s
        self.global_per_s = global_per_s
        self._clock = clock
        self._last: dict[str, float] = {}
        self._recent: deque[float] = deque()
        self._paused_until = 0.0

    def reserve(self, key: str) -> float:
        """0.0 and the slot is taken, or the seconds to wait before asking again."""
        now = self._clock()
        if now < self._paused_until:
            return self._paused_until - now
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.global_per_s:
            return 1.0 - (now - self._recent[0])
        last = self._last.get(key)
        if last is not None and now - last < self.per_chat_s:
            return self.per_chat_s - (now - last)
        self._last[key] = now
        self._recent.append(now)
        if len(self._last) > 10_000:  # forget chats idle for a minute
            self._last = {k: t for k, t in self._last.items() if now - t < 60}
        return 0.0

    def pause(self, seconds: float) -> None:
        """The platform said 429: send nothing for ``seconds``."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE_AND_TELL = "refuse_and_tell"  # first refusal in the window: say why, once
    REFUSE_QUIETLY = "refuse_quietly"


class InboundLimiter:
    """At most ``limit`` messages per ``window_s`` from one user; the rest are refused politely."""

    def __init__(self, limit: int = 20, window_s: float = 60.0, clock: Clock = time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._told: dict[str, float] = {}

    def check(self, key: str) -> Verdict:
        now = self._clock()
        times = self._seen.setdefault(key, deque())
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            return Verdict.ALLOW
        if now - self._told.get(key, float("-inf")) >= self.window_s:
            self._told[key] = now
            return Verdict.REFUSE_AND_TELL
        return Verdict.REFUSE_QUIETLY

    def wait_s(self, key: str) -> float:
        """Seconds until ``key``'s next message fits: the window slides, so room frees only when
        the oldest message counted leaves it (0 when one fits now)."""
        now = self._clock()
        times = [t for t in list(self._seen.get(key, ())) if now - t < self.window_s]  # a copy
        if len(times) < self.limit:
            return 0.0
        return max(times[len(times) - self.limit] + self.window_s - now, 0.0)
