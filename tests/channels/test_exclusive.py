"""Cross-process locks on a SQLite store (bot/channels/exclusive.py): each name is a lock of its
own, even for two names that shared a lock byte when the file had 65,536 of them."""

from __future__ import annotations

import asyncio
import multiprocessing
from pathlib import Path

from sqlalchemy import create_engine

from bot.channels import exclusive
from tests.support.locks import hold_until_killed

OLD_STRIPES = 65_536


def _names_sharing_an_old_stripe() -> tuple[str, str]:
    seen: dict[int, str] = {}
    for i in range(10 * OLD_STRIPES):
        name = f"conversation:telegram:{i}"
        stripe = exclusive._digest(name) % OLD_STRIPES
        if stripe in seen:
            return seen[stripe], name
        seen[stripe] = name
    raise AssertionError("no two names shared a stripe")


async def test_names_that_shared_a_stripe_are_held_by_two_processes_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'motcua.db'}"
    create_engine(url).connect().close()
    first, second = _names_sharing_an_old_stripe()
    assert exclusive._offset(first) != exclusive._offset(second)
    marker = tmp_path / "held"
    child = multiprocessing.get_context("spawn").Process(
        target=hold_until_killed, args=(url, first, str(marker)))
    child.start()
    try:
        while not marker.exists():
            assert child.is_alive(), "the child could not take its lock"
            await asyncio.sleep(0.05)
        engine = create_engine(url)
        async with exclusive.hold(engine, second) as mine:
            assert mine  # another citizen's conversation is not blocked by the child's
        async with exclusive.hold(engine, first) as mine:
            assert not mine  # the child's own name still is
    finally:
        child.kill()
        child.join(30)


async def test_a_job_that_fails_is_logged_and_run_again(tmp_path: Path, caplog) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'motcua.db'}")
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise OSError("network down for https://api.example/bot123:SECRET/getUpdates")

    with caplog.at_level("WARNING", logger="bot.channels.exclusive"):
        await asyncio.wait_for(
            exclusive.run_alone(engine, "telegram:updates", job, retry_s=0.01), 10)
    assert runs == [0, 1]  # failed once, then ran again and finished
    assert "telegram:updates failed (OSError)" in caplog.text
    assert "SECRET" not in caplog.text  # the error's message (URLs, tokens) stays out of the log


async def test_the_lock_is_free_for_a_standby_while_a_failed_job_waits(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'motcua.db'}")
    failed = asyncio.Event()

    async def job() -> None:
        failed.set()
        raise RuntimeError("boom")

    runner = asyncio.create_task(exclusive.run_alone(engine, "outbox:telegram", job, retry_s=600))
    try:
        await asyncio.wait_for(failed.wait(), 10)

        async def lock_is_free() -> None:
            while True:
                async with exclusive.hold(engine, "outbox:telegram") as free:
                    if free:
                        return
                await asyncio.sleep(0.01)

        await asyncio.wait_for(lock_is_free(), 10)  # another process could take over meanwhile
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
