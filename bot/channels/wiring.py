"""What a channel needs from the app around it, built once by the app shell (``motcua.services``).

The channels never read settings themselves: the shell hands each one this bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.channels.intake import IntakeLimits
from bot.handover.desk import HandoverDesk


@dataclass(frozen=True)
class ChannelWiring:
    engine: Engine  # the app database: inbox, outbox and the channels' state
    rasa_url: str  # Rasa's REST channel
    desk: HandoverDesk  # live help
    limits: IntakeLimits
    helper_codes: str  # the community helpers' codes for the assisted mode
    uploads_dir: Path  # photos citizens send, kept for their petitions
    province_dir: Path  # the province's files (ZNS templates)
    host: str  # where a channel's own small server listens
