"""Feedback store benchmark: petitions written per second and officer-queue latency at 1,000,000 rows.

Setup bulk-loads synthetic petitions (three years of a province's traffic) with one multi-row
INSERT per batch; that load is not what we measure. We then measure the real code paths:
``FeedbackService.file_petition`` (routing, duplicate search, audit event, commit) and
``queries.queue`` (the console's queue page), plus the public listing. Baseline: the same
``file_petition`` on an empty database, measured in the same run, so the 1M-row cost is visible.

    python -m bench.feedback_store                       # SQLite, 1,000,000 petitions
    python -m bench.feedback_store --start-postgres      # also a throw-away PostgreSQL on loopback
    FEEDBACK_BENCH_POSTGRES_URL=postgresql://… python -m bench.feedback_store
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, text
from sqlmodel import Session, col, select

from bench._machine import machine, percentile
from bench._postgres import temporary_postgres
from feedback import codes
from feedback.auth import OfficerView
from feedback.config import FeedbackConfig
from feedback.db import engine_for, migrate
from feedback.deadlines import add_working_days, local_date, utcnow
from feedback.directory import Directory, cached_directory
from feedback.lifecycle import Role
from feedback.models import Petition
from feedback.queries import public_list, queue
from feedback.routing.evaluate import DEFAULT_EVAL_FILE
from feedback.service import FeedbackService, PetitionInput

BATCH = 20_000
DAYS = 3 * 365
# Code bodies are a permutation of ids (multiplier coprime with 30**5), so bulk codes are unique.
_CODE_SPACE = len(codes.ALPHABET) ** 5
_CODE_STEP = 7_368_787
OPEN = ("received", "accepted", "info_requested")


@dataclass(frozen=True)
class Sample:
    """One eval-set petition: text, location and service, reused as realistic input."""

    text: str
    location: str
    service_code: str | None


def load_samples() -> list[Sample]:
    rows = [json.loads(line) for line in DEFAULT_EVAL_FILE.read_text(encoding="utf-8").splitlines() if line]
    return [Sample(r["text"], r.get("location", ""), r.get("service_code")) for r in rows]


def bulk_code(pid: int) -> str:
    n = (pid * _CODE_STEP) % _CODE_SPACE
    body = ""
    for _ in range(5):
        n, digit = divmod(n, len(codes.ALPHABET))
        body += codes.ALPHABET[digit]
    return codes.PREFIX + body + codes._check_char(body)  # valid codes, as lookups would need


def _status(age_days: int, rng: random.Random) -> str:
    """Old petitions are mostly handled; recent ones mostly open; a few old ones overdue."""
    if age_days > 30:
        return rng.choices(["closed", "answered", "rejected", "accepted"], [70, 22, 6, 2])[0]
    return rng.choices(["received", "accepted", "info_requested", "answered"], [30, 45, 10, 15])[0]


def synthetic_rows(count: int, directory: Directory, samples: list[Sample], seed: int = 8) -> Iterator[list[dict]]:
    """Batches of petition rows spread over three years, 70% of them at commune committees."""
    rng = random.Random(seed)
    communes = [u.id for u in directory.communes()]
    departments = [u.id for u in directory.units.values() if not u.is_commune]
    now = utcnow()
    batch: list[dict] = []
    for pid in range(1, count + 1):
        age = int((count - pid) / count * DAYS)
        created = now - timedelta(days=age, seconds=rng.randrange(86400))
        sample = samples[pid % len(samples)]
        commune = rng.choice(communes) if rng.random() < 0.7 else None
        status = _status(age, rng)
        answered = created + timedelta(days=rng.randint(1, 12)) if status in ("answered", "closed") else None
        batch.append({
            "id": pid, "code": bulk_code(pid), "created_at": created, "updated_at": answered or created,
            "channel": rng.choice(["chat", "web", "open311", "zalo", "paper"]),
            "service_code": sample.service_code, "description": f"{sample.text} (#{pid})",
            "location_text": sample.location, "commune_id": commune,
            "level": "normal", "status": status, "unit_id": commune or rng.choice(departments),
            "routing_confidence": 0.8, "routing_reason": "bench", "routed_by": "auto",
            "ack_due": add_working_days(local_date(created), 2),
            "answer_due": add_working_days(local_date(created), 10),
            "answered_at": answered, "answer": "Đã xử lý xong." if answered else None,
            "reopen_count": 0, "text_hidden": False,
        })
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_load(service: FeedbackService, count: int, samples: list[Sample]) -> float:
    """Insert ``count`` synthetic petitions; returns seconds taken (setup, not the measured path)."""
    started = time.perf_counter()
    with service.engine.begin() as conn:
        for batch in synthetic_rows(count, service.directory, samples):
            conn.execute(insert(Petition.__table__), batch)
        if service.engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('petition', 'id'), "
                              "(SELECT max(id) FROM petition))"))
    with service.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return time.perf_counter() - started


def measure_writes(service: FeedbackService, samples: list[Sample], max_writes: int,
                   max_seconds: float, threads: int) -> dict:
    """Real ``file_petition`` calls from ``threads`` writers, bounded by count and time."""
    deadline = time.monotonic() + max_seconds
    latencies: list[float] = []
    errors = 0

    def one(i: int) -> None:
        nonlocal errors
        if time.monotonic() > deadline:
            return
        sample = samples[i % len(samples)]
        inp = PetitionInput(description=f"{sample.text} Lần {i}.", location_text=sample.location,
                            channel="web", service_code=sample.service_code)
        started = time.perf_counter()
        try:
            service.file_petition(inp)
        except Exception:  # noqa: BLE001 - counted and reported, the benchmark goes on
            errors += 1
            return
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(max_writes)))
    elapsed = time.perf_counter() - started
    return {"threads": threads, "written": len(latencies), "errors": errors,
            "per_s": len(latencies) / elapsed, **_latency(latencies)}


def measure_reads(run: Callable[[], int], repeats: int) -> dict:
    """Repeat a read; ``run`` returns how many rows it produced, reported as a sanity check."""
    latencies = []
    rows = 0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = run()
        latencies.append(time.perf_counter() - started)
    return {"repeats": repeats, "rows": rows, **_latency(latencies)}


def _latency(seconds: list[float]) -> dict:
    return {f"p{q}_ms": percentile(seconds, q) * 1000 for q in (50, 95, 99)}


def busiest(service: FeedbackService, commune: bool) -> str:
    """The unit with the most open petitions (communes or departments): the worst queue."""
    ids = [u.id for u in service.directory.units.values() if u.is_commune == commune]
    query = (select(Petition.unit_id, func.count()).where(col(Petition.unit_id).in_(ids),
                                                          col(Petition.status).in_(OPEN))
             .group_by(Petition.unit_id).order_by(func.count().desc()).limit(1))
    with Session(service.engine) as session:
        row = session.exec(query).first()
    return row[0] if row else ids[0]


def run_backend(name: str, db_url: str, args: argparse.Namespace) -> dict:
    config = FeedbackConfig(db_url=db_url, secret_key="bench")
    migrate(db_url)
    service = FeedbackService(engine_for(db_url), cached_directory(config.units_file), config)
    samples = load_samples()
    result: dict = {"backend": name}
    measure_writes(service, samples, 3, args.write_seconds, 1)  # warm-up: caches, connections
    result["baseline_empty_db"] = measure_writes(service, samples, args.writes, args.write_seconds, 1)
    with service.engine.begin() as conn:  # back to empty before the bulk load
        for table in ("notification", "auditevent", "attachment", "routingweight", "petition"):
            conn.execute(text(f"DELETE FROM {table}"))
    result["bulk_load_s"] = bulk_load(service, args.petitions, samples)
    result["petitions"] = args.petitions
    for threads in (1, args.threads):
        result[f"write_{threads}t"] = measure_writes(service, samples, args.writes, args.write_seconds, threads)
    officers = {
        "commune officer": OfficerView(1, "xa", "Cán bộ xã", Role.OFFICER, busiest(service, True)),
        "department officer": OfficerView(2, "so", "Cán bộ sở", Role.OFFICER, busiest(service, False)),
        "admin (all units)": OfficerView(3, "qt", "Quản trị", Role.ADMIN, "van-phong-ubnd-tinh"),
    }
    for label, officer in officers.items():
        result[f"queue: {label}"] = measure_reads(lambda o=officer: len(queue(service, o)), args.repeats)
        result[f"queue overdue: {label}"] = measure_reads(
            lambda o=officer: len(queue(service, o, overdue_only=True)), args.repeats)
    result["public list page 1"] = measure_reads(lambda: len(public_list(service)[0]), args.repeats)
    service.engine.dispose()
    return result


def print_result(result: dict) -> None:
    print(f"\n== {result['backend']}: {result['petitions']:,} petitions, bulk load "
          f"{result['bulk_load_s']:.0f} s (setup, not measured path)")
    for key, value in result.items():
        if isinstance(value, dict):
            figures = ", ".join(f"{k}={v:,.1f}" if isinstance(v, float) else f"{k}={v}"
                                for k, v in value.items())
            print(f"  {key:32} {figures}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--petitions", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=500, help="most file_petition calls per measurement")
    parser.add_argument("--write-seconds", type=float, default=20.0, help="time bound per write measurement")
    parser.add_argument("--threads", type=int, default=4, help="concurrent writers for the second write run")
    parser.add_argument("--repeats", type=int, default=20, help="queries per read measurement")
    parser.add_argument("--start-postgres", action="store_true", help="start a throw-away PostgreSQL on loopback")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    results = []
    with ExitStack() as stack:
        if not args.skip_sqlite:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="motcua-bench-")))
            results.append(run_backend("SQLite (WAL, file)", f"sqlite:///{folder / 'feedback.db'}", args))
            print_result(results[-1])
        pg_url = os.environ.get("FEEDBACK_BENCH_POSTGRES_URL")
        if not pg_url and args.start_postgres:
            pg_url = stack.enter_context(temporary_postgres())
        if pg_url:
            results.append(run_backend("PostgreSQL", pg_url, args))
            print_result(results[-1])
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1, default=str))


if __name__ == "__main__":
    main()
