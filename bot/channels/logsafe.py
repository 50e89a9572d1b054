"""Logging for channel processes, with secrets cut out of every line.

httpx logs each request URL, and the Telegram Bot API puts the bot token in the URL; tracebacks
of network errors repeat it. The formatter replaces every known secret, tracebacks included.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then replaces each secret with ``***``."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def setup_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    """Root logging to stderr through the redacting formatter; httpx request lines kept quiet.

    ``force``: libraries imported before this (underthesea) may already have configured the root
    logger at WARNING, which would swallow the channel's own lines."""
    logging.basicConfig(level=level, force=True)
    formatter = RedactingFormatter(list(secrets))
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    logging.getLogger("httpx").setLevel(logging.WARNING)
