"""Periodic upkeep of the channel tables while the web app runs, each job in one process however
many web workers there are (``exclusive.run_alone``; another takes over if that one dies):

- old inbox/outbox rows, event ids and downloaded photos deleted (``retention``);
- petition notices queued for the web chat that no page fetched in time sent on by the next
  channel the citizen gave (ZNS to their phone): the web chat has no dispatcher to give up on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine

from bot.channels import exclusive, retention
from bot.channels.outbox import reroute_unfetched_forever
from bot.channels.retention import Retention
from bot.channels.web import CHANNEL as WEB


def router(engine: Engine, policy: Retention, web_notice_wait: timedelta,
           every_s: float = retention.PRUNE_EVERY_S, reroute_every_s: float = 300.0,
           uploads: Path | None = None) -> APIRouter:
    """No routes: a lifespan running the upkeep jobs while the app serves; ``uploads`` is the
    folder the channels download photos into (``data_dir/uploads``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jobs = [
            exclusive.run_alone(engine, retention.LOCK_NAME,
                                lambda: retention.prune_forever(engine, policy, every_s, uploads)),
            exclusive.run_alone(engine, f"outbox:{WEB}:unfetched",
                                lambda: reroute_unfetched_forever(engine, WEB, web_notice_wait,
                                                                  reroute_every_s)),
        ]
        tasks = [asyncio.create_task(job) for job in jobs]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    return APIRouter(lifespan=lifespan)
