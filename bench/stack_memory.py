"""How much memory the whole system holds once it serves: `motcua up` and every process it runs.

Starts the system (loopback, free ports, the tests' quick-to-train Rasa config: same pipeline, so
the same model size), asks a few real questions so that every service has loaded what it serves
with, then reads each process's memory from /proc: RSS (what `top` shows; pages shared between
processes are counted in each) and PSS (shared pages divided among their sharers: the sum is what
the system really holds). Processes are grouped by the service that started them.

Measured twice in one run: with the e5 embedding model (hybrid retrieval, as `make up` deploys it)
and, as the baseline, lexical retrieval only (no model loaded anywhere).

    python -m bench.stack_memory            # both
    python -m bench.stack_memory --only hybrid
    python -m bench.stack_memory --only hybrid --mappings 10   # and each service's 10 largest
                                                              # mappings by PSS (what to cut next)
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/stack_memory.py`

from bench._machine import machine  # noqa: E402
from bench.first_question import with_embeddings  # noqa: E402

QUESTIONS = ("đăng ký khai sinh cho con", "thế lệ phí bao nhiêu?", "làm lại căn cước bị mất",
             "tôi muốn phản ánh đường hỏng")
MIB = 1024 * 1024
# A mapping's header line in /proc/<pid>/smaps: address range, permissions, offset, device, inode,
# then the file or [heap]/[stack]/…, absent for anonymous memory (Python objects, arenas).
MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$")
Mapping = tuple[str, float, float]  # file or [anon], RSS MiB, PSS MiB


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        tree.setdefault(int(stat[1]), []).append(int(entry.name))
    return tree


def _descendants(pid: int, tree: dict[int, list[int]]) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(tree.get(current, []))
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes; zeros for a process that is gone."""
    try:
        fields = dict(line.split(":", 1) for line in
                      Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    except OSError:
        return 0, 0
    kib = {name: int(value.split()[0]) * 1024 for name, value in fields.items()}
    return kib.get("Rss", 0), kib.get("Pss", 0)


def _by_mapping(pid: int, into: dict[str, list[int]]) -> None:
    """Add each of the process's mappings' (RSS, PSS) in bytes, keyed by file (or [anon])."""
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:
        return
    name = "[anon]"
    for line in lines:
        header = MAPPING.match(line)
        if header:
            name = header.group(1) or "[anon]"
            into.setdefault(name, [0, 0])
        elif line.startswith(("Rss:", "Pss:")):
            into[name][line.startswith("Pss:")] += int(line.split()[1]) * 1024


def mappings(system, top: int) -> dict[str, list[Mapping]]:  # type: ignore[no-untyped-def]
    """Each service's ``top`` largest mappings by PSS: (file or [anon], RSS MiB, PSS MiB)."""
    tree = _children()
    largest: dict[str, list[Mapping]] = {}
    for service, pid in sorted(system.pids().items()):
        totals: dict[str, list[int]] = {}
        for member in _descendants(pid, tree):
            _by_mapping(member, totals)
        ranked = sorted(totals.items(), key=lambda item: -item[1][1])[:top]
        largest[service] = [(name, rss / MIB, pss / MIB) for name, (rss, pss) in ranked]
    return largest


def measure(system) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    """Memory per service (its whole process tree), the supervisor alone, and the total, in MiB."""
    tree = _children()
    services = {name: _descendants(pid, tree) for name, pid in system.pids().items()}
    service_pids = {pid for pids in services.values() for pid in pids}
    services["supervisor"] = [pid for pid in _descendants(system.process.pid, tree)
                              if pid not in service_pids]
    figures: dict[str, dict[str, float]] = {}
    for name, pids in sorted(services.items()):
        rss = sum(_memory(pid)[0] for pid in pids)
        pss = sum(_memory(pid)[1] for pid in pids)
        figures[name] = {"processes": len(pids), "rss_mib": rss / MIB, "pss_mib": pss / MIB}
    figures["total"] = {key: sum(f[key] for f in figures.values())
                        for key in ("processes", "rss_mib", "pss_mib")}
    return figures


def run_stack(hybrid: bool, top_mappings: int = 0) -> dict[str, dict[str, float]]:
    from tests.conftest import REPO_ROOT
    from tests.support.system import start_system

    with tempfile.TemporaryDirectory(prefix="motcua-memory-") as folder:
        data_dir = Path(folder)
        if hybrid and not with_embeddings(data_dir):
            raise SystemExit("No e5 model under var/models: run `make setup` first.")
        system = start_system(data_dir, REPO_ROOT / ".venv" / "rasa")
        try:
            with httpx.Client(timeout=120) as client:
                sender = f"bench-memory-{uuid.uuid4().hex[:8]}"
                for text in QUESTIONS:
                    client.post(system.rest_webhook, json={"sender": sender, "message": text}
                                ).raise_for_status()
                client.post(f"{system.web_url}/api/chat", json={"message": QUESTIONS[0]})
            if top_mappings:
                print_mappings(mappings(system, top_mappings))
            return measure(system)
        finally:
            system.stop()
            system.kill_leftovers()


def print_table(title: str, figures: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'service':12} {'processes':>9} {'RSS MiB':>9} {'PSS MiB':>9}")
    for name, row in figures.items():
        print(f"  {name:12} {row['processes']:9.0f} {row['rss_mib']:9.0f} {row['pss_mib']:9.0f}")


def print_mappings(largest: dict[str, list[Mapping]]) -> None:
    for service, rows in largest.items():
        print(f"\n  {service}: largest mappings (RSS / PSS MiB)")
        for name, rss, pss in rows:
            print(f"    {rss:7.0f} {pss:7.0f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("hybrid", "lexical"))
    parser.add_argument("--mappings", type=int, default=0, metavar="N",
                        help="also print each service's N largest mappings by PSS")
    args = parser.parse_args()
    print(f"Machine: {machine()}", flush=True)
    for name, hybrid in (("hybrid", True), ("lexical", False)):
        if args.only in (None, name):
            label = "e5 model, hybrid retrieval (as deployed)" if hybrid else "baseline: lexical only"
            print_table(label, run_stack(hybrid, args.mappings))


if __name__ == "__main__":
    main()
