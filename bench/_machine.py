"""Shared by the benchmarks: what machine ran them, latency percentiles, process memory.

Every figure printed by a benchmark comes with the machine it was measured on, so numbers from
different machines are never compared by accident.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """CPU model, cores usable by this process, total RAM and OS, on one line."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{model}, {cores} cores, {ram_gib:.1f} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()} (load average at start: {load})")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process and all its descendants (VmRSS), in MiB; None if gone."""
    total_kib = 0
    found = False
    for member in [pid, *_descendants(pid)]:
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
                found = True
    return total_kib / 1024 if found else None


def _descendants(pid: int) -> list[int]:
    """Child processes (e.g. Sanic workers), found through /proc/<pid>/task/*/children."""
    out: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out.extend(children)
            pending.extend(children)
    return out


def service_pids(data_dir: Path) -> dict[str, int]:
    """PIDs that `motcua up` wrote to <data_dir>/run/*.pid."""
    return {p.stem: int(p.read_text()) for p in sorted((data_dir / "run").glob("*.pid"))}
