"""A process that holds one of `bot/channels/exclusive.py`'s locks until it is killed: the other
holder in cross-process lock tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import create_engine

from bot.channels import exclusive


def hold_until_killed(url: str, name: str, marker: str) -> None:
    """Take ``name`` and keep it until killed; ``marker`` appears once it is held."""
    async def main() -> None:
        async with exclusive.hold(create_engine(url), name) as mine:
            assert mine
            Path(marker).touch()
            await asyncio.Event().wait()

    asyncio.run(main())
