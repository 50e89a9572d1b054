"""A clock a test moves by hand: limiters and senders take ``clock=`` and call it for the time."""

from __future__ import annotations


class ManualClock:
    """Returns ``now`` when called; the test sets ``now`` to move time."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
