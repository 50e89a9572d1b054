"""Feedback store benchmark at 1,000,000 petitions: filing, duplicate lookup, public and Open311 lists.

Setup bulk-loads synthetic petitions (three years of a province's traffic) with Core executemany,
derived columns included; that load is not what we measure. We then measure the real code paths —
``FeedbackService.file_petition``, ``duplicates.find_duplicate``, ``queries.public_list`` (first
page, a page half a million rows deep, a commune's page, searches), ``queries.open311_requests``
and the console's ``queries.queue`` — and, on the same data in the same run, the baseline: the
code as it was before issue #14 (copied below as ``legacy_*``): the Python scan of up to 500
candidate texts for duplicates (also patched into ``file_petition`` for a filing rate), the public
list that loaded the newest 2,000 petitions and redacted each per request, and OFFSET pagination.

    python -m bench.feedback_store                       # SQLite, 1,000,000 petitions
    python -m bench.feedback_store --start-postgres      # also a throw-away PostgreSQL on loopback
    FEEDBACK_BENCH_POSTGRES_URL=postgresql://… python -m bench.feedback_store
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, func, insert, text
from sqlmodel import Session, col, select

import feedback
import feedback.service
from bench._machine import machine, percentile
from bench._postgres import temporary_postgres
from feedback import codes
from feedback.auth import OfficerView
from feedback.config import FeedbackConfig
from feedback.db import engine_for, migrate
from feedback.deadlines import add_working_days, local_date, utcnow
from feedback.derived import HIDDEN_TEXT, derive, listed_at, match_terms
from feedback.directory import Directory, cached_directory
from feedback.duplicates import find_duplicate, strategy_name
from feedback.lifecycle import STATES, Role
from feedback.location import resolve_location
from feedback.models import Petition
from feedback.queries import PublicItem, encode_cursor, open311_requests, public_list, queue
from feedback.redact import redact
from feedback.routing.evaluate import DEFAULT_EVAL_FILE
from feedback.service import FeedbackService, PetitionInput
from feedback.text import STOP_SYLLABLES
from nlu.text import fold_words

BATCH = 20_000
DAYS = 3 * 365
# Code bodies are a permutation of ids (multiplier coprime with 30**5), so bulk codes are unique.
_CODE_SPACE = len(codes.ALPHABET) ** 5
_CODE_STEP = 7_368_787
OPEN = ("received", "accepted", "info_requested")
ANSWER = "Đã xử lý xong."


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


@lru_cache(maxsize=None)
def _text_parts(text_: str) -> tuple[str, str, list[str]]:
    """Redacted, redacted-and-folded and duplicate terms of a sample text, computed once."""
    public = redact(text_)
    return public, fold_words(public), match_terms(text_).split()


def derived_columns(row: dict, sample_text: str) -> dict:
    """``derive(row)`` for a row whose description is ``f"{sample_text} (#{id})"``, from per-sample
    parts (derive itself costs ~120 µs a row: two minutes per million); checked against ``derive``."""
    public, folded, terms = _text_parts(sample_text)
    pid = str(row["id"])
    answer = (redact(row["answer"]) or None) if row["answer"] else None
    description = f"{public} (#{pid})"
    return {
        "public_description": description, "public_answer": answer, "public_note": None,
        "public_search": fold_words(f"{folded} {pid} {answer or ''}"),
        "listed_at": listed_at(row["status"], None, row["answered_at"], row["closed_at"], row["created_at"]),
        "match_text": " ".join(terms + ([pid] if pid not in terms and pid not in STOP_SYLLABLES else [])),
    }


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
        row = {
            "id": pid, "code": bulk_code(pid), "created_at": created, "updated_at": answered or created,
            "channel": rng.choice(["chat", "web", "open311", "zalo", "paper"]),
            "service_code": sample.service_code, "description": f"{sample.text} (#{pid})",
            "location_text": sample.location, "commune_id": commune,
            "level": "normal", "status": status, "unit_id": commune or rng.choice(departments),
            "routing_confidence": 0.8, "routing_reason": "bench", "routed_by": "auto",
            "ack_due": add_working_days(local_date(created), 2),
            "answer_due": add_working_days(local_date(created), 10),
            "answered_at": answered, "closed_at": None, "answer": ANSWER if answered else None,
            "status_note": None, "reopen_count": 0, "text_hidden": False, "duplicate_of_id": None,
        }
        row.update(derived_columns(row, sample.text))
        if pid <= 2000:  # the shortcut must give exactly what the ORM would store
            assert {k: row[k] for k in derive(row)} == derive(row), pid
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _migration_0002():
    """Migration 0002's module (its file name is not importable), for its FTS5 statements."""
    path = Path(feedback.__file__).parent / "migrations" / "versions" / "0002_public_text_and_duplicate_index.py"
    spec = importlib.util.spec_from_file_location("migration_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def text_indexes_built_after(conn) -> Iterator[None]:
    """Build the text indexes once after the load instead of row by row (FTS5 triggers, GIN):
    SQLite with migration 0002's own statements, PostgreSQL with the indexes' own definitions."""
    if conn.dialect.name == "sqlite":
        for table in ("petition_match", "petition_public"):
            for event in ("insert", "update", "delete"):
                conn.execute(text(f"DROP TRIGGER {table}_{event}"))
            conn.execute(text(f"DROP TABLE {table}"))
        yield
        migration = _migration_0002()
        for statement in migration.SQLITE_FTS + migration.SQLITE_PUBLIC_FTS:
            conn.exec_driver_sql(statement)
        return
    definitions = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'petition' "
                                    "AND indexdef LIKE '%USING gin%'")).all()
    for name, _ in definitions:
        conn.execute(text(f"DROP INDEX {name}"))
    yield
    for _, definition in definitions:
        conn.execute(text(definition))


def bulk_load(service: FeedbackService, count: int, samples: list[Sample]) -> float:
    """Insert ``count`` synthetic petitions; returns seconds taken (setup, not the measured path)."""
    started = time.perf_counter()
    with service.engine.begin() as conn, text_indexes_built_after(conn):
        for batch in synthetic_rows(count, service.directory, samples):
            conn.execute(insert(Petition.__table__), batch)
        if service.engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('petition', 'id'), "
                              "(SELECT max(id) FROM petition))"))
    with service.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return time.perf_counter() - started


# ---- the code before issue #14, kept here as the baseline ---------------------------------------

def legacy_find_duplicate(session: Session, text_: str, commune_id: str | None, location_text: str,
                          since: datetime) -> Petition | None:
    """The old ``routing.duplicates.find_duplicate``: fold and compare up to 500 texts in Python."""
    query = select(Petition).where(col(Petition.status).in_(OPEN), Petition.created_at >= since,
                                   col(Petition.duplicate_of_id).is_(None))
    if commune_id:
        query = query.where(Petition.commune_id == commune_id)
    elif location_text.strip():
        query = query.where(Petition.location_text == location_text.strip())
    else:
        return None
    mine = {s for s in fold_words(text_).split() if s not in STOP_SYLLABLES}
    best: tuple[float, Petition] | None = None
    for candidate in session.exec(query.limit(500)):
        theirs = {s for s in fold_words(candidate.description).split() if s not in STOP_SYLLABLES}
        shared = len(mine & theirs)
        score = shared / len(mine | theirs) if shared >= 4 else 0.0
        if score >= 0.6 and (best is None or score > best[0]):
            best = (score, candidate)
    return best[1] if best else None


@contextmanager
def legacy_filing() -> Iterator[None]:
    """``file_petition`` with the old duplicate finder, for the filing-rate baseline."""
    current = feedback.service.find_duplicate
    feedback.service.find_duplicate = legacy_find_duplicate
    try:
        yield
    finally:
        feedback.service.find_duplicate = current


def _legacy_public(service: FeedbackService, p: Petition) -> PublicItem:
    """The old ``to_public``: redacts the description and the answer of every row it shows."""
    directory = service.directory
    state = STATES[p.status]
    commune = directory.get(p.commune_id)
    service_def = directory.services.get(p.service_code or "")
    return PublicItem(
        p.code, p.status, state.label, state.open311, p.service_code,
        service_def.name if service_def else "Khác",
        HIDDEN_TEXT if p.text_hidden else redact(p.description), redact(p.answer) if p.answer else None,
        redact(p.status_note) if p.status_note and state.public else None, directory.name(p.unit_id),
        commune.ward if commune and commune.ward else "", p.created_at, p.updated_at, p.answer_due,
        local_date(p.answered_at) if p.answered_at else None, p.lat, p.lon)


def legacy_public_first_page(service: FeedbackService) -> int:
    """The old ``public_list``: the newest 2,000 answered petitions, each redacted, then sliced."""
    public = [n for n, s in STATES.items() if s.public]
    with Session(service.engine) as session:
        rows = list(session.exec(select(Petition).where(col(Petition.status).in_(public),
                                                        col(Petition.duplicate_of_id).is_(None))
                                 .order_by(col(Petition.answered_at).desc()).limit(2000)))
    return len([_legacy_public(service, p) for p in rows][:20])


def legacy_offset_page(service: FeedbackService, offset: int) -> int:
    """OFFSET pagination with read-time redaction, on the new order and index (the old list had no
    deep pages at all): what page ``offset / 20`` costs without a keyset and stored public text."""
    with Session(service.engine) as session:
        rows = list(session.exec(select(Petition).where(col(Petition.listed_at).is_not(None))
                                 .order_by(col(Petition.listed_at).desc(), col(Petition.id).desc())
                                 .offset(offset).limit(20)))
    return len([_legacy_public(service, p) for p in rows])


# ---- measurements ---------------------------------------------------------------------------------

def measure_writes(service: FeedbackService, samples: list[Sample], max_writes: int,
                   max_seconds: float, threads: int) -> dict:
    """Real ``file_petition`` calls from ``threads`` writers, bounded by count and time; what they
    wrote is deleted afterwards, so every write measurement starts from the same data."""
    with service.engine.connect() as conn:
        last_id = conn.execute(text("SELECT max(id) FROM petition")).scalar_one() or 0
    try:
        return _measure_writes(service, samples, max_writes, max_seconds, threads)
    finally:
        with service.engine.begin() as conn:
            for table in ("notification", "attachment", "auditevent"):
                conn.execute(text(f"DELETE FROM {table} WHERE petition_id > :last"), {"last": last_id})
            conn.execute(text("DELETE FROM petition WHERE id > :last"), {"last": last_id})


def _measure_writes(service: FeedbackService, samples: list[Sample], max_writes: int,
                    max_seconds: float, threads: int) -> dict:
    deadline = time.monotonic() + max_seconds
    latencies: list[float] = []
    errors = 0
    duplicates = 0

    def one(i: int) -> None:
        nonlocal errors, duplicates
        if time.monotonic() > deadline:
            return
        sample = samples[i % len(samples)]
        inp = PetitionInput(description=f"{sample.text} Lần {i}.", location_text=sample.location,
                            channel="web", service_code=sample.service_code)
        started = time.perf_counter()
        try:
            filed = service.file_petition(inp)
        except Exception:  # noqa: BLE001 - counted and reported, the benchmark goes on
            errors += 1
            return
        latencies.append(time.perf_counter() - started)
        duplicates += filed.duplicate_of is not None

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(max_writes)))
    elapsed = time.perf_counter() - started
    return {"threads": threads, "written": len(latencies), "duplicates": duplicates, "errors": errors,
            "per_s": len(latencies) / elapsed, **_latency(latencies)}


def measure_reads(run: Callable[[], int], repeats: int) -> dict:
    """Repeat a read; ``run`` returns how many rows it produced, reported as a sanity check."""
    run()  # warm-up: the first call pays for cold pages and plans
    latencies = []
    rows = 0
    for _ in range(repeats):
        started = time.perf_counter()
        rows = run()
        latencies.append(time.perf_counter() - started)
    return {"repeats": repeats, "rows": rows, **_latency(latencies)}


def measure_lookups(service: FeedbackService, finder: Callable, probes: list[tuple[str, str | None, str]]) -> dict:
    """One duplicate lookup per probe (text, commune, location), as filing does it."""
    since = utcnow() - timedelta(days=service.config.duplicate_window_days)
    latencies = []
    found = 0
    with Session(service.engine) as session:
        for text_, commune, location in probes:
            started = time.perf_counter()
            found += finder(session, text_, commune, location, since) is not None
            latencies.append(time.perf_counter() - started)
    return {"lookups": len(probes), "found": found, **_latency(latencies)}


def duplicate_probes(service: FeedbackService, samples: list[Sample], count: int) -> list:
    """Sample texts reworded a little, at their own place or at a busy commune: a realistic mix of
    lookups that find an open original and lookups that do not."""
    communes = [u.id for u in service.directory.communes()]
    rng = random.Random(14)
    probes = []
    for i in range(count):
        sample = samples[i % len(samples)]
        commune = resolve_location(sample.location, service.directory).unit_id or rng.choice(communes)
        probes.append((f"{sample.text} Đề nghị xử lý sớm.", commune, sample.location))
    return probes


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


def middle_cursor(service: FeedbackService) -> tuple[str, int]:
    """The keyset cursor half-way down the public list, and how many rows lie above it."""
    with Session(service.engine) as session:
        listed = session.exec(select(func.count()).where(col(Petition.listed_at).is_not(None))).one()
        at, pid = session.exec(select(Petition.listed_at, Petition.id)
                               .where(col(Petition.listed_at).is_not(None))
                               .order_by(col(Petition.listed_at).desc(), col(Petition.id).desc())
                               .offset(listed // 2).limit(1)).one()
    return encode_cursor(at, pid), listed // 2 + 1


def server_version(service: FeedbackService) -> str:
    with service.engine.connect() as conn:
        if service.engine.dialect.name == "sqlite":
            return "SQLite " + conn.execute(text("SELECT sqlite_version()")).scalar_one()
        return "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar_one().split()[0]


def run_backend(name: str, db_url: str, args: argparse.Namespace) -> dict:
    config = FeedbackConfig(db_url=db_url, secret_key="bench")
    migrate(db_url)
    service = FeedbackService(engine_for(db_url), cached_directory(config.units_file), config)
    samples = load_samples()
    result: dict = {"backend": name, "server": server_version(service)}
    result["bulk_load_s"] = bulk_load(service, args.petitions, samples)
    result["petitions"] = args.petitions
    result["duplicate_index"] = strategy_name(service.engine)
    measure_writes(service, samples, 3, args.write_seconds, 1)  # warm-up: caches, connections

    probes = duplicate_probes(service, samples, args.lookups)
    result["before: duplicate lookup, Python scan"] = measure_lookups(service, legacy_find_duplicate, probes)
    result["duplicate lookup, index"] = measure_lookups(service, find_duplicate, probes)
    with legacy_filing():
        result["before: file_petition, 1 writer"] = measure_writes(
            service, samples, args.writes, args.write_seconds, 1)
    for threads in (1, args.threads):
        result[f"file_petition, {threads} writer{'s' * (threads > 1)}"] = measure_writes(
            service, samples, args.writes, args.write_seconds, threads)

    cursor, depth = middle_cursor(service)
    result["deep_page_offset"] = depth
    commune = busiest(service, True)
    reads: dict[str, tuple[Callable[[], int], int]] = {
        "before: public list page 1 (2,000 rows redacted)": (
            lambda: legacy_public_first_page(service), args.legacy_repeats),
        "before: public list deep page (OFFSET)": (
            lambda: legacy_offset_page(service, depth), args.legacy_repeats),
        "public list page 1": (lambda: len(public_list(service).items), args.repeats),
        "public list deep page (keyset)": (
            lambda: len(public_list(service, cursor=cursor).items), args.repeats),
        "public list, one commune": (
            lambda: len(public_list(service, commune_id=commune).items), args.repeats),
        "public list, search 'đèn đường'": (
            lambda: len(public_list(service, q="đèn đường").items), args.repeats),
        "public list, search without hits": (
            lambda: len(public_list(service, q="tàu hỏa").items), args.repeats),
        "Open311 requests.json (1,000 rows)": (
            lambda: len(open311_requests(service).items), args.repeats),
    }
    for label, (run, repeats) in reads.items():
        result[label] = measure_reads(run, repeats)
    officers = {
        "commune officer": OfficerView(1, "xa", "Cán bộ xã", Role.OFFICER, commune),
        "department officer": OfficerView(2, "so", "Cán bộ sở", Role.OFFICER, busiest(service, False)),
        "admin (all units)": OfficerView(3, "qt", "Quản trị", Role.ADMIN, "van-phong-ubnd-tinh"),
    }
    for label, officer in officers.items():
        result[f"queue: {label}"] = measure_reads(lambda o=officer: len(queue(service, o)), args.repeats)
    service.engine.dispose()
    return result


def print_result(result: dict) -> None:
    print(f"\n== {result['backend']} ({result['server']}): {result['petitions']:,} petitions, bulk load "
          f"{result['bulk_load_s']:.0f} s (setup, not measured); duplicate index: {result['duplicate_index']}")
    for key, value in result.items():
        if isinstance(value, dict):
            figures = ", ".join(f"{k}={v:,.1f}" if isinstance(v, float) else f"{k}={v}"
                                for k, v in value.items())
            print(f"  {key:50} {figures}", flush=True)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new database on the server (dropped afterwards), so a run never meets an earlier one's rows."""
    name = f"motcua_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        engine_for(server_url.rsplit("/", 1)[0] + f"/{name}").dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--petitions", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=500, help="most file_petition calls per measurement")
    parser.add_argument("--write-seconds", type=float, default=20.0, help="time bound per write measurement")
    parser.add_argument("--threads", type=int, default=4, help="concurrent writers for the second write run")
    parser.add_argument("--lookups", type=int, default=200, help="duplicate lookups per finder")
    parser.add_argument("--repeats", type=int, default=40, help="queries per read measurement")
    parser.add_argument("--legacy-repeats", type=int, default=5, help="queries per baseline read")
    parser.add_argument("--start-postgres", action="store_true", help="start a throw-away PostgreSQL on loopback")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
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
            db_url = stack.enter_context(fresh_database(pg_url))
            results.append(run_backend("PostgreSQL (loopback, fsync on)", db_url, args))
            print_result(results[-1])
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1, default=str))


if __name__ == "__main__":
    main()
