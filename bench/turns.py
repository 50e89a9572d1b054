"""End-to-end turns: N simulated citizens talking at once through Rasa's REST channel.

Each level (10, 100, 500 citizens) runs three phases against the same real Rasa and action servers:

* baseline — "xin chào": Rasa's own REST round trip (NLU, policies, tracker store), answered by
  ``utter_greet`` with no custom action;
* procedure — the conversation a citizen actually has: "dang ky khai sinh cho con" (retrieval in
  the action server), then follow-ups that rely on the ``procedure_code`` slot;
* petition — the petition form to its end (what happened, where, no phone), one petition per
  citizen; every tracking code given out is then looked up in the petitions database.

Every phase is bounded by a turn count per citizen and a wall-clock limit. We report turns/s,
p50/p95/p99 latency, errors, replies without their expected marker, and the peak resident memory
of each service (from the PID files of ``motcua up``).

    python -m bench.turns                          # starts its own system (`motcua up`, loopback)
    python -m bench.turns --users 10 100 --duration 30
    python -m bench.turns --rasa-url http://127.0.0.1:5005 --data-dir var   # attach to `motcua up`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from bench._machine import machine, percentile, rss_mib, service_pids

BASELINE = [("xin chào", "Xin chào")]
PROCEDURE = [("dang ky khai sinh cho con", "1.001193"), ("thế lệ phí bao nhiêu?", "khai sinh"),
             ("nộp hồ sơ ở đâu?", "Nơi nộp")]
# The petition form, as in tests/test_conversations.py: what happened, where, no phone → receipt.
PETITION = [("Đèn đường ở thôn Nà Pàn hỏng cả tháng nay, tối rất nguy hiểm", "ở đâu"),
            ("xã Chi Lăng", "số điện thoại"), ("không", "PA-")]
CODE = re.compile(r"PA-[0-9A-Z]{6}")


@dataclass
class PhaseResult:
    """Figures for one phase at one level of concurrency."""

    phase: str
    users: int
    turns: int = 0
    errors: int = 0  # HTTP error, timeout, or no reply at all
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    unexpected: int = 0  # a reply without the expected marker (wrong answer, lost slot)
    unexpected_by_text: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)
    peak_rss_mib: dict[str, float] = field(default_factory=dict)
    receipts: list[str] = field(default_factory=list, repr=False)  # tracking codes given out

    def summary(self) -> dict:
        figures = {k: v for k, v in asdict(self).items() if k not in ("latencies", "receipts")}
        figures["turns_per_s"] = self.turns / self.seconds if self.seconds else 0.0
        for q in (50, 95, 99):
            figures[f"p{q}_ms"] = percentile(self.latencies, q) * 1000
        return figures


class MemoryWatch:
    """Samples VmRSS of every service once a second and keeps the peak."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                mib = rss_mib(pid)
                if mib is not None:
                    self.peak[name] = max(self.peak.get(name, 0.0), mib)
            self._stop.wait(1.0)

    def __enter__(self) -> "MemoryWatch":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def _citizen(client: httpx.AsyncClient, url: str, script: list[tuple[str, str]], turns: int,
                   deadline: float, result: PhaseResult) -> None:
    sender = f"bench-{uuid.uuid4().hex[:12]}"
    for i in range(turns):
        if time.monotonic() > deadline:
            return
        text, expected = script[i % len(script)]
        started = time.perf_counter()
        try:
            response = await client.post(url, json={"sender": sender, "message": text})
            response.raise_for_status()
            reply = " ".join(str(m.get("text") or "") for m in response.json())
        except (httpx.HTTPError, ValueError) as error:
            kind = f"HTTP {error.response.status_code}" if isinstance(error, httpx.HTTPStatusError) \
                else type(error).__name__
            result.errors += 1
            result.errors_by_kind[kind] = result.errors_by_kind.get(kind, 0) + 1
            continue
        result.latencies.append(time.perf_counter() - started)
        result.turns += 1
        receipt = CODE.search(reply)  # the first code in a reply is its own receipt
        if receipt:
            result.receipts.append(receipt.group(0))
        if not reply:
            result.errors += 1
            result.errors_by_kind["empty reply"] = result.errors_by_kind.get("empty reply", 0) + 1
        elif expected.lower() not in reply.lower():
            result.unexpected += 1
            result.unexpected_by_text[text] = result.unexpected_by_text.get(text, 0) + 1


async def run_phase(url: str, phase: str, script: list[tuple[str, str]], users: int, turns: int,
                    duration: float, pids: dict[str, int], timeout: float) -> PhaseResult:
    result = PhaseResult(phase, users)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        with MemoryWatch(pids) as memory:
            started = time.perf_counter()
            deadline = time.monotonic() + duration
            await asyncio.gather(*(_citizen(client, url, script, turns, deadline, result)
                                   for _ in range(users)))
            result.seconds = time.perf_counter() - started
    result.peak_rss_mib = {k: round(v, 1) for k, v in memory.peak.items()}
    return result


@contextmanager
def own_system(folder: Path) -> Iterator[tuple[str, Path]]:
    """Start the whole system with `motcua up` on free loopback ports, as the tests do (the fast
    training config: same pipeline, so the same inference cost; fewer epochs)."""
    from tests.conftest import REPO_ROOT
    from tests.support.system import start_system

    system = start_system(folder, REPO_ROOT / ".venv" / "rasa")
    try:
        yield system.rest_webhook, system.data_dir
    finally:
        system.stop()
        system.kill_leftovers()


def print_row(figures: dict) -> None:
    keys = ("turns", "errors", "unexpected", "turns_per_s", "p50_ms", "p95_ms", "p99_ms")
    keys += ("receipts", "stored") if "stored" in figures else ()
    line = ", ".join(f"{k}={figures[k]:,.1f}" if isinstance(figures[k], float) else f"{k}={figures[k]}"
                     for k in keys)
    print(f"  {figures['phase']:10} N={figures['users']:<4} {line}  peak RSS MiB {figures['peak_rss_mib']}"
          f"{'  unexpected: ' + str(figures['unexpected_by_text']) if figures['unexpected'] else ''}"
          f"{'  errors: ' + str(figures['errors_by_kind']) if figures['errors'] else ''}", flush=True)


async def bench(url: str, data_dir: Path, args: argparse.Namespace) -> list[dict]:
    pids = service_pids(data_dir)
    print(f"Services: {pids}; RSS now (MiB): { {k: rss_mib(p) for k, p in pids.items()} }", flush=True)
    out = []
    # One warm-up conversation, so first-call costs (model loading, caches) are not measured.
    await run_phase(url, "warm-up", PROCEDURE + BASELINE, 1, 4, 120, {}, args.timeout)
    for users in args.users:
        for name, script, turns in (("baseline", BASELINE, args.turns_per_user),
                                    ("procedure", PROCEDURE, args.turns_per_user),
                                    ("petition", PETITION, len(PETITION))):  # one petition each
            result = await run_phase(url, name, script, users, turns, args.duration, pids, args.timeout)
            out.append(result.summary())
            if name == "petition":
                out[-1].update(receipts=len(set(result.receipts)), stored=stored(data_dir, result.receipts))
            print_row(out[-1])
        base, full = out[-3], out[-2]
        print(f"  procedure/baseline p50 ratio at N={users}: {full['p50_ms'] / base['p50_ms']:.1f}x, "
              f"throughput ratio {full['turns_per_s'] / base['turns_per_s']:.2f}x", flush=True)
    return out


def stored(data_dir: Path, codes: list[str]) -> int:
    """How many of the receipts the bot gave out are in the petitions database."""
    codes = sorted(set(codes))
    if not codes:
        return 0
    with sqlite3.connect(f"file:{data_dir / 'motcua.db'}?mode=ro", uri=True) as db:
        marks = ",".join("?" * len(codes))
        return db.execute(f"SELECT count(*) FROM petition WHERE code IN ({marks})", codes).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--turns-per-user", type=int, default=6, help="most turns per citizen per phase")
    parser.add_argument("--duration", type=float, default=60.0, help="most seconds per phase")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a turn counts as an error")
    parser.add_argument("--rasa-url", help="attach to a running system: Rasa's base URL (loopback)")
    parser.add_argument("--data-dir", type=Path, default=Path("var"), help="with --rasa-url: where run/*.pid are")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="motcua-turns-") as tmp:
        folder = Path(tmp)
        if args.rasa_url:
            if not args.rasa_url.startswith(("http://127.0.0.1", "http://localhost")):
                parser.error("--rasa-url must be on loopback")
            results = asyncio.run(bench(args.rasa_url.rstrip("/") + "/webhooks/rest/webhook",
                                        args.data_dir, args))
        else:
            with own_system(folder) as (url, data_dir):
                results = asyncio.run(bench(url, data_dir, args))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
