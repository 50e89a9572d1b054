"""The action server as `motcua up` starts it: one process for one worker, rasa-sdk's process
manager for several; warmed up, healthy, and stopped cleanly by the supervisor's signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from motcua.runner import plan_services
from motcua.settings import Settings
from tests.conftest import REPO_ROOT, free_port

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc"),
]

READY_S = 300.0
Popen = subprocess.Popen[bytes]
WARMED_UP = "action server warmed up"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError):
            continue
        if parent == pid:
            found.append(int(entry.name))
    return found


def _wait_for(condition: Callable[[], bool], process: Popen, what: str) -> None:
    deadline = time.monotonic() + READY_S
    while not condition():
        assert process.poll() is None, f"exited ({process.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within {READY_S:.0f} s"
        time.sleep(0.3)


def _listening_on(port: int) -> set[str]:
    """The IPv4 addresses with a listening socket on ``port`` (/proc/net/tcp: little-endian hex)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by init, whenever it gets to it)."""
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _wait_until_gone(pids: list[int], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while [pid for pid in pids if _running(pid)]:
        assert time.monotonic() < deadline, [pid for pid in pids if _running(pid)]
        time.sleep(0.1)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def action_server(tmp_path: Path, workers: int) -> Iterator[tuple[Popen, str, Path]]:
    """The action server with `motcua up`'s command and environment, in its own process group."""
    settings = Settings(data_dir=tmp_path, action_port=free_port(), rasa_port=free_port(),
                        web_port=free_port(), workers=workers)
    planned = plan_services(settings, tmp_path / "model.tar.gz")
    service = next(s for s in planned if s.name == "actions")
    log_path = tmp_path / "actions.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(service.command, cwd=REPO_ROOT, env=service.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(lambda: _healthy(service.health_url), process, "health check")
        yield process, f"http://{settings.host}:{settings.action_port}", log_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _warm_ups(log_path: Path) -> int:
    return log_path.read_text(encoding="utf-8", errors="replace").count(WARMED_UP)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_one_worker_serves_warmed_up_in_one_process_and_stops_on_a_signal(
        tmp_path: Path, stop_signal: signal.Signals) -> None:
    with action_server(tmp_path, workers=1) as (process, url, log_path):
        assert _children(process.pid) == []  # no process manager, no second copy of the actions
        assert _listening_on(int(url.rpartition(":")[2])) == {"127.0.0.1"}  # SANIC_HOST, as before
        assert "action_answer_procedure" in {a["name"] for a in httpx.get(f"{url}/actions").json()}
        _wait_for(lambda: _warm_ups(log_path) == 1, process, "warm-up")
        os.killpg(process.pid, stop_signal)  # as the supervisor stops its services
        assert process.wait(timeout=60) == 0


def test_several_workers_keep_rasa_sdks_process_manager(tmp_path: Path) -> None:
    """(A spawned worker's log records are not configured, so its warm-up leaves no line to wait
    for; it still starts there, on SANIC_WORKER_NAME: bot/actions/services.py.)"""
    with action_server(tmp_path, workers=2) as (process, url, _):
        assert len(_children(process.pid)) >= 2  # a Sanic worker process each
        assert httpx.get(f"{url}/health").json() == {"status": "ok"}
        assert "action_answer_procedure" in {a["name"] for a in httpx.get(f"{url}/actions").json()}
        workers = _children(process.pid)
        os.killpg(process.pid, signal.SIGTERM)
        # Stopped before the second worker reports ready, Sanic's manager exits 1 (its state server
        # got the same signal: BrokenPipeError), as rasa-sdk's own server does; everything stops.
        process.wait(timeout=60)
        _wait_until_gone(workers)
