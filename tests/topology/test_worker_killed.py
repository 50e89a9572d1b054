"""A Rasa worker killed under the channels' traffic: no message lost, none answered twice.

Runs on the production topology only (``MOTCUA_TEST_TOPOLOGY=production``, the second pytest run
of .ci/run, after the conversation tests): `motcua up` with two Rasa workers on PostgreSQL and
Redis. The channels' real intake and conversation worker carry three messages from each of eight
citizens into Rasa; once the first answers are through, one Rasa worker is SIGKILLed. The other
one answers the rest, after the conversation worker's retries and once the Redis lock of a turn
cut short has expired: every message answered exactly once, in the order it was asked.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.channels.assisted import Helpers
from bot.channels.conversation import ConversationWorker
from bot.channels.intake import Inbound, Intake, IntakeLimits, Outcome
from bot.channels.records import InboxMessage, OutboxMessage
from bot.channels.store import open_store
from bot.rasa_client import RasaClient
from tests.support.system import TOPOLOGY_ENV, RunningSystem
from tests.support.database import migrated_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get(TOPOLOGY_ENV) != "production",
                       reason="kills a Rasa worker: production topology only (.ci/run's second run)"),
]

# Each message and a marker only its own answer has (tests/test_conversations.py checks them).
SCRIPT = [("xin chào", "Một Cửa"), ("dang ky khai sinh cho con", "1.001193"), ("cảm ơn bạn", "Không có gì")]


def _workers(pid: int) -> list[int]:
    """The Sanic workers of a Rasa server: its child processes."""
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _done(engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(InboxMessage.id).where(InboxMessage.state == "done")).all())


async def test_a_killed_rasa_worker_loses_no_message_and_answers_none_twice(
        running_system: RunningSystem, tmp_path: Path) -> None:
    rasa_pid = running_system.pids()["rasa"]
    assert len(_workers(rasa_pid)) == 2
    engine = open_store(migrated_url(tmp_path))
    limits = IntakeLimits(retry_base_s=1.0, retry_max_s=5.0)
    intake = Intake(engine, limits, Helpers())
    run = time.time_ns()
    citizens = [f"killed-{i}" for i in range(8)]
    for n, (text, _) in enumerate(SCRIPT):
        for citizen in citizens:
            inbound = Inbound("web", citizen, f"web-{citizen}-{run}", text, f"{citizen}-{n}")
            assert intake.accept_now(inbound).outcome is Outcome.ACCEPTED
    rasa = RasaClient(running_system.rest_webhook, timeout_s=30)
    worker = ConversationWorker(engine, rasa, "web", limits, None, lambda: None, poll_s=0.2)
    running = asyncio.create_task(worker.run())
    try:
        while _done(engine) < 3:  # the first answers are through, the next turns in flight
            await asyncio.sleep(0.05)
        os.kill(_workers(rasa_pid)[0], signal.SIGKILL)
        deadline = time.monotonic() + 300
        while _done(engine) < len(citizens) * len(SCRIPT):
            assert time.monotonic() < deadline, f"{_done(engine)} of {len(citizens) * len(SCRIPT)} answered"
            await asyncio.sleep(0.5)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await rasa.aclose()
    assert len(_workers(rasa_pid)) == 1  # the other worker answered the rest
    with Session(engine) as session:
        for citizen in citizens:
            texts = [json.loads(row.body)["text"] for row in session.exec(
                select(OutboxMessage).where(OutboxMessage.address == citizen).order_by(OutboxMessage.id))]
            answered = [marker for text in texts for _, marker in SCRIPT if marker in text]
            # Each message answered once, in the order asked (an apology may come in between).
            assert answered == [marker for _, marker in SCRIPT], texts
