"""State every worker must see alike: the inbound rate limit (Redis) and the cross-process locks
that let several workers run the channels' loops on one store (bot/channels/exclusive.py)."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from bot.channels import exclusive, shared_limits
from bot.channels.ratelimit import InboundLimiter, Verdict
from bot.channels.shared_limits import RedisInboundLimiter
from feedback.db import make_engine
from tests.conftest import free_port
from tests.support.database import migrated_url, sqlite_only
from tests.support.locks import hold_until_killed
from tests.support.system import fresh_postgres_database


def test_the_limit_counts_every_worker_s_messages_and_tells_once(redis_url: str) -> None:
    # Two limiters, as two web workers would build them, on one Redis: together they allow the
    # limit once, then refuse, telling the citizen why only the first time.
    first, second = (RedisInboundLimiter(redis.Redis.from_url(redis_url), limit=3, window_s=60,
                                         prefix=f"test:{uuid.uuid4().hex}") for _ in range(2))
    second.prefix = first.prefix
    verdicts = [limiter.check("telegram:42") for limiter in (first, second, first, second, first)]
    assert verdicts == [Verdict.ALLOW, Verdict.ALLOW, Verdict.ALLOW, Verdict.REFUSE_AND_TELL,
                        Verdict.REFUSE_QUIETLY]
    assert first.check("telegram:43") is Verdict.ALLOW  # another citizen has a count of their own


def test_the_window_slides_on_redis_s_clock(redis_url: str) -> None:
    limiter = RedisInboundLimiter(redis.Redis.from_url(redis_url), limit=1, window_s=0.3,
                                  prefix=f"test:{uuid.uuid4().hex}")
    assert limiter.check("zalo:7") is Verdict.ALLOW
    assert limiter.check("zalo:7") is Verdict.REFUSE_AND_TELL
    client = redis.Redis.from_url(redis_url)
    key = next(iter(client.scan_iter(f"{limiter.prefix}:[0-9a-f]*")))
    assert b"zalo" not in key  # the address is hashed, never stored as written
    while client.exists(key):  # the window's set expires with the window
        time.sleep(0.02)
    assert limiter.check("zalo:7") is Verdict.ALLOW


def test_the_wait_is_until_the_oldest_message_leaves_the_window() -> None:
    now = [0.0]
    limiter = InboundLimiter(limit=3, window_s=60, clock=lambda: now[0])
    for at in (0.0, 10.0, 20.0):
        now[0] = at
        assert limiter.check("web:1") is Verdict.ALLOW
        assert limiter.wait_s("web:1") == (40.0 if at == 20.0 else 0.0)  # full only after the third
    now[0] = 25.0
    assert limiter.check("web:1") is Verdict.REFUSE_AND_TELL
    assert limiter.wait_s("web:1") == 35.0  # the one at 0 leaves at 60 (not 60/3 = 20 s from now)
    now[0] = 60.0
    assert limiter.wait_s("web:1") == 0.0
    assert limiter.check("web:1") is Verdict.ALLOW
    assert limiter.wait_s("web:2") == 0.0  # another citizen's room


def test_the_wait_is_until_the_oldest_message_leaves_on_redis(redis_url: str) -> None:
    limiter = RedisInboundLimiter(redis.Redis.from_url(redis_url), limit=2, window_s=2.0,
                                  prefix=f"test:{uuid.uuid4().hex}")
    assert limiter.wait_s("zalo:8") == 0.0
    oldest = time.monotonic()
    assert limiter.check("zalo:8") is Verdict.ALLOW
    assert limiter.wait_s("zalo:8") == 0.0  # room for one more
    time.sleep(0.5)  # spaces the two messages: the wait must count from the first
    assert limiter.check("zalo:8") is Verdict.ALLOW
    assert limiter.check("zalo:8") is Verdict.REFUSE_AND_TELL
    wait = limiter.wait_s("zalo:8")
    since = time.monotonic() - oldest
    assert 2.0 - since - 0.05 <= wait <= 2.0 - 0.5 + 0.05  # the first leaves, not the second
    time.sleep(wait + 0.01)
    assert limiter.check("zalo:8") is Verdict.ALLOW


def test_a_redis_outage_lets_messages_through() -> None:
    limiter = RedisInboundLimiter(redis.Redis(port=free_port(), socket_connect_timeout=0.5), limit=1)
    assert [limiter.check("web:1") for _ in range(3)] == [Verdict.ALLOW] * 3
    assert limiter.wait_s("web:1") == 0.0


def test_intake_uses_redis_once_configured(redis_url: str) -> None:
    shared_limits.use_redis(redis_url)
    try:
        assert isinstance(shared_limits.inbound_limiter(20, 60), RedisInboundLimiter)
    finally:
        shared_limits.use_redis(None)
    assert not isinstance(shared_limits.inbound_limiter(20, 60), RedisInboundLimiter)


SMALL_SPACE = 65_536  # the lock file's old range, where names of one process shared bytes


def _engine_url(kind: str, tmp_path: Path, postgres_url: str | None) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'channels.db'}"
        create_engine(url).connect().close()
        return url
    assert postgres_url is not None
    return fresh_postgres_database(postgres_url, "locks").replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_one_process_at_a_time_holds_a_name_and_a_killed_holder_frees_it(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = _engine_url(kind, tmp_path, request.getfixturevalue("postgres_url") if kind == "postgresql" else None)
    engine = create_engine(url)
    marker = tmp_path / "held"
    child = multiprocessing.get_context("spawn").Process(
        target=hold_until_killed, args=(url, "conversation:web:a", str(marker)))
    child.start()
    try:
        while not marker.exists():
            assert child.is_alive(), "the child could not take the lock"
            await asyncio.sleep(0.05)
        async with exclusive.hold(engine, "conversation:web:a") as mine:
            assert not mine  # the other process answers this conversation
        async with exclusive.hold(engine, "conversation:web:b") as mine:
            assert mine  # another conversation is free
            async with exclusive.hold(engine, "conversation:web:b") as again:
                assert not again  # and not taken twice by this process either
        child.kill()  # dies holding the lock: the OS or the database frees it
        await asyncio.to_thread(child.join, 30)
        async with exclusive.hold(engine, "conversation:web:a") as mine:
            assert mine
    finally:
        child.kill()
        child.join(30)
    if kind == "postgresql":
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())")).scalar() == 0


@sqlite_only("POSIX locks on the SQLite file's stripes")
async def test_two_names_on_one_stripe_keep_each_other_locked(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # POSIX locks do not nest within a process: releasing one name must not free another name
    # of the same byte while it is still held. A small range makes two names share a byte.
    monkeypatch.setattr(exclusive, "SPACE", SMALL_SPACE)
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    engine = create_engine(url)
    names = _same_stripe_names()
    context = multiprocessing.get_context("spawn")
    async with exclusive.hold(engine, names[0]) as first:
        async with exclusive.hold(engine, names[1]) as second:
            assert first and second
        probe = context.Process(target=_try_in_child, args=(url, names[0], SMALL_SPACE))
        probe.start()
        await asyncio.to_thread(probe.join, 60)
        assert probe.exitcode == 3  # still held by us


def _try_in_child(url: str, name: str, space: int = exclusive.SPACE) -> None:
    exclusive.SPACE = space

    async def main() -> bool:
        async with exclusive.hold(create_engine(url), name) as mine:
            return mine

    raise SystemExit(4 if asyncio.run(main()) else 3)


def _same_stripe_names() -> list[str]:
    seen: dict[int, str] = {}
    for i in range(10 * SMALL_SPACE):
        name = f"conversation:web:{i}"
        stripe = exclusive._offset(name)
        if stripe in seen:
            return [seen[stripe], name]
        seen[stripe] = name
    raise AssertionError("no two names share a stripe")


async def test_run_alone_runs_the_job_in_one_task_and_hands_it_over(tmp_path: Path) -> None:
    engine = make_engine(migrated_url(tmp_path))
    started: list[str] = []
    first_running = asyncio.Event()

    def job(name: str):
        async def run() -> None:
            started.append(name)
            first_running.set()
            await asyncio.Event().wait()  # runs until cancelled
        return run

    first = asyncio.create_task(exclusive.run_alone(engine, "notify-citizens", job("first"), retry_s=0.05))
    await first_running.wait()
    second = asyncio.create_task(exclusive.run_alone(engine, "notify-citizens", job("second"), retry_s=0.05))
    async with exclusive.hold(engine, "notify-citizens") as free:
        assert not free  # the first holds it while it runs
    assert started == ["first"]
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    while started != ["first", "second"]:
        await asyncio.sleep(0.01)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
