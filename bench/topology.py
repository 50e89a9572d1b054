"""One worker against the production topology, and 500 citizens at once (issue #14).

Starts `motcua up` for each topology in turn on free loopback ports, as the tests do
(tests/support/system.py):

* ``single`` — one worker of each server, SQLite trackers, Rasa's in-memory lock store (`make up`);
* ``production:N`` — ``MOTCUA_WORKERS=N``: N Rasa workers, N action-server workers, N web workers;
  Rasa's trackers (and the petitions) on PostgreSQL, Rasa's RedisLockStore. ``production:1``
  against ``production:2`` is the worker count alone, on the same stores.

On each: N citizens (default 50) talk at once for a bounded time, greet turns then procedure
turns (bench/turns.py's phases: throughput, p50/p95/p99); then 500 citizens connect at the same
instant and each has the procedure conversation (3 turns). A *dropped connection* is a transport
error (the server reset or closed the connection, or refused it); an *error* is any failed turn
(HTTP error status, timeout, empty reply, or a dropped connection).

Redis and PostgreSQL: the ones named by ``MOTCUA_TEST_REDIS_URL`` / ``FEEDBACK_TEST_POSTGRES_URL``,
else throwaway ones started by scripts/test-redis.sh and scripts/test-postgres.sh.

    .venv/app/bin/python -m bench.topology                       # single, production:1, production:2
    .venv/app/bin/python -m bench.topology --users 50 --burst 500 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench._machine import machine
from bench.turns import BASELINE, PROCEDURE, print_row, run_phase
from tests.conftest import REPO_ROOT, free_port
from tests.support.system import start_system

DROPPED = ("ReadError", "RemoteProtocolError", "ConnectError", "WriteError", "ConnectTimeout",
           "PoolTimeout")


@contextmanager
def test_servers() -> Iterator[None]:
    """Redis and PostgreSQL for the production topology, in the environment start_system reads."""
    started: list[tuple[str, Path]] = []
    for script, variable, port_variable in (("test-redis.sh", "MOTCUA_TEST_REDIS_URL", "MOTCUA_TEST_REDIS_PORT"),
                                            ("test-postgres.sh", "FEEDBACK_TEST_POSTGRES_URL", "MOTCUA_TEST_PG_PORT")):
        if os.environ.get(variable):
            continue
        folder = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
        out = subprocess.run([str(REPO_ROOT / "scripts" / script), "start", str(folder)], check=True,
                             env={**os.environ, port_variable: str(free_port())}, capture_output=True,
                             text=True).stdout
        os.environ[variable] = re.search(rf"export {variable}=(\S+)", out).group(1)
        started.append((script, folder))
    try:
        yield
    finally:
        for script, folder in started:
            subprocess.run([str(REPO_ROOT / "scripts" / script), "stop", str(folder)], check=False)
            shutil.rmtree(folder, ignore_errors=True)


async def measure(url: str, pids: dict[str, int], args: argparse.Namespace) -> list[dict]:
    await run_phase(url, "warm-up", PROCEDURE + BASELINE, 4, 4, 120, {}, args.timeout)
    rows = []
    for name, script in (("baseline", BASELINE), ("procedure", PROCEDURE)):
        result = await run_phase(url, name, script, args.users, args.turns_per_user, args.duration, pids,
                                 args.timeout)
        rows.append(result.summary())
        print_row(rows[-1])
    burst = await run_phase(url, "burst", PROCEDURE, args.burst, len(PROCEDURE), args.burst_duration, pids,
                            args.timeout)
    rows.append(burst.summary())
    rows[-1]["dropped_connections"] = sum(n for kind, n in burst.errors_by_kind.items() if kind in DROPPED)
    print_row(rows[-1])
    print(f"  dropped connections at N={args.burst}: {rows[-1]['dropped_connections']}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50, help="citizens at once for throughput and p95")
    parser.add_argument("--turns-per-user", type=int, default=6)
    parser.add_argument("--duration", type=float, default=45.0, help="most seconds per phase")
    parser.add_argument("--burst", type=int, default=500, help="citizens connecting at the same instant")
    parser.add_argument("--burst-duration", type=float, default=300.0)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a turn counts as an error")
    parser.add_argument("--topologies", nargs="+", default=["single", "production:1", "production:2"])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    results: dict[str, list[dict]] = {}
    with test_servers():
        for topology in args.topologies:
            kind, _, workers = topology.partition(":")
            with tempfile.TemporaryDirectory(prefix=f"motcua-topology-{kind}-") as tmp:
                system = start_system(Path(tmp), REPO_ROOT / ".venv" / "rasa", topology=kind,
                                      workers=int(workers or 1))
                try:
                    print(f"{topology}: services {system.pids()}", flush=True)
                    results[topology] = asyncio.run(measure(system.rest_webhook, system.pids(), args))
                finally:
                    system.stop()
                    system.kill_leftovers()
    for first, second in (("production:1", "production:2"), ("single", "production:2")):
        if {first, second} <= results.keys():
            for index, phase in enumerate(("baseline", "procedure")):
                one, two = results[first][index], results[second][index]
                print(f"{phase}: {second} / {first} throughput {two['turns_per_s'] / one['turns_per_s']:.2f}x, "
                      f"p95 {one['p95_ms']:.0f} → {two['p95_ms']:.0f} ms", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
