import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from motcua import runner
from motcua.runner import StartupError, check_ports, plan_services, port_is_free, stop_stale_services
from motcua.settings import Settings
from tests.conftest import REPO_ROOT, free_port

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="needs Linux's /proc and prctl")


def test_a_taken_port_is_refused_with_the_setting_that_moves_it(tmp_path, rasa_venv) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        settings = Settings(
            web_port=taken, rasa_port=free_port(), action_port=free_port(), data_dir=tmp_path, rasa_venv=rasa_venv
        )
        assert not port_is_free("127.0.0.1", taken)
        with pytest.raises(StartupError, match=f"Cổng {taken}.*MOTCUA_WEB_PORT"):
            check_ports(settings, plan_services(settings, tmp_path / "model.tar.gz"))


def test_every_service_binds_loopback_on_its_configured_port(tmp_path, rasa_venv) -> None:
    settings = Settings(rasa_port=6005, action_port=6055, web_port=6080, data_dir=tmp_path, rasa_venv=rasa_venv)
    services = {s.name: s for s in plan_services(settings, tmp_path / "m.tar.gz")}
    assert services["rasa"].command[services["rasa"].command.index("--port") + 1] == "6005"
    assert services["actions"].env["SANIC_HOST"] == "127.0.0.1"
    assert "6055" in services["actions"].command
    assert services["web"].health_url == "http://127.0.0.1:6080/healthz"


@linux_only
def test_a_port_with_only_time_wait_connections_is_free() -> None:
    # A server that closed its side first leaves the connection in TIME_WAIT on its own port for up
    # to a minute; a new server (binding with SO_REUSEADDR) can listen there, so it is free.
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and Sanic bind
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: TIME_WAIT is on the server's port
        client.recv(1)  # the client sees the close, then closes too
        client.close()
    assert time_wait_on(port)
    with socket.socket() as plain, pytest.raises(OSError):  # what the check did before: refused
        plain.bind(("127.0.0.1", port))
    assert port_is_free("127.0.0.1", port)


def time_wait_on(port: int) -> bool:
    """A TCP connection on 127.0.0.1:port in TIME_WAIT (state 06 of /proc/net/tcp)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if local == f"0100007F:{port:04X}" and state == "06":
            return True
    return False


# ---- a supervisor killed with SIGKILL ----------------------------------------------------------

# A service like rasa-sdk's: it answers HTTP and has a worker sharing its listening socket; the
# worker does not die with the service (it gets no signal of its own), like Sanic's worker.
FAKE_SERVICE = """
import http.server, os, subprocess, sys
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
os.set_inheritable(server.socket.fileno(), True)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], pass_fds=[server.socket.fileno()])
server.serve_forever()
"""

# `motcua up` reduced to its supervisor, running the fake service; prints "ready", then waits.
FAKE_SUPERVISOR = """
import sys, time
from pathlib import Path
from motcua.runner import Service, Supervisor
from motcua.settings import Settings
data_dir, port, code = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
service = Service("web", [sys.executable, "-c", code, str(port)], port, f"http://127.0.0.1:{port}/", {})
supervisor = Supervisor(Settings(data_dir=data_dir, web_port=port), [service])
supervisor.start()
assert supervisor.wait_ready(60)
print("ready", flush=True)
time.sleep(300)
"""


@pytest.fixture
def fake_up(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Settings]]:
    """A running fake `motcua up` with one fake service; everything it left is stopped after."""
    port = free_port()
    settings = Settings(data_dir=tmp_path, web_port=port)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-c", FAKE_SUPERVISOR, str(tmp_path), str(port), FAKE_SERVICE]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        yield process, settings
    finally:
        process.kill()
        process.wait()
        stop_stale_services(settings, grace_s=5)


def group_of(pid: int) -> list[int]:
    return runner._group_members(pid)


@linux_only
def test_services_die_with_their_supervisor_and_leftovers_are_stopped_by_the_next_start(fake_up) -> None:
    process, settings = fake_up
    service_pid = int((settings.data_dir / "run" / "web.pid").read_text())
    process.kill()  # SIGKILL: no chance to stop anything
    process.wait()
    # The service gets SIGTERM from the kernel when its supervisor dies (PR_SET_PDEATHSIG) ...
    assert runner._wait_until(lambda: not runner._alive(service_pid), 30)
    # ... but its worker, which got no signal, lives on holding the port, as Sanic's would.
    assert len(group_of(service_pid)) == 1
    assert not port_is_free("127.0.0.1", settings.web_port)

    assert stop_stale_services(settings, grace_s=5) == ["web"]  # what the next `motcua up` does first
    assert group_of(service_pid) == []
    assert runner._wait_until(lambda: port_is_free("127.0.0.1", settings.web_port), 30)
    assert not list((settings.data_dir / "run").iterdir())
    web = [s for s in plan_services(settings, settings.data_dir / "m.tar.gz") if s.name == "web"]
    check_ports(settings, web)


@linux_only
def test_services_of_a_running_supervisor_are_not_stale(fake_up) -> None:
    _, settings = fake_up
    assert stop_stale_services(settings, grace_s=5) == []
    assert httpx.get(f"http://127.0.0.1:{settings.web_port}/", timeout=10).status_code == 200
    assert (settings.data_dir / "run" / "web.json").exists()


@linux_only
def test_a_recorded_pid_now_used_by_another_program_is_left_alone(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a supervisor that is no longer running
    other = subprocess.Popen(["sleep", "60"], start_new_session=True)  # not ours: no run marker
    try:
        run = tmp_path / "run"
        run.mkdir()
        record = {"pid": other.pid, "command": ["sleep", "60"],
                  "owner_pid": gone.pid, "owner_cmdline": ["x"]}
        (run / "web.json").write_text(json.dumps(record))
        (run / "web.pid").write_text(str(other.pid))
        assert stop_stale_services(Settings(data_dir=tmp_path), grace_s=1) == []
        assert other.poll() is None
        assert not (run / "web.json").exists() and not (run / "web.pid").exists()  # stale records go
    finally:
        other.kill()
        other.wait()


@linux_only
@pytest.mark.integration
def test_up_starts_again_on_the_same_ports_after_its_supervisor_is_sigkilled(
    tmp_path: Path, rasa_venv: Path
) -> None:
    from tests.support.system import start_system

    first = start_system(tmp_path, rasa_venv)
    second = None
    try:
        # The warm-up conversation happened, and left nothing in the conversation store.
        assert "Đã khởi động nóng" in first.up_output(), first.log_tail()
        with sqlite3.connect(tmp_path / "rasa_tracker.db") as db:
            senders = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
        assert not {s for s in senders if "warmup" in s}

        groups = list(first.pids().values())
        first.process.kill()  # SIGKILL `motcua up` itself
        first.process.wait()
        # Every process of every service goes with it (no sleeping: we wait for each to be gone).
        assert runner._wait_until(lambda: not any(group_of(g) for g in groups), 60), first.log_tail()

        ports = {"rasa_port": first.rasa_port, "action_port": first.action_port,
                 "web_port": first.web_port}
        second = start_system(tmp_path, rasa_venv, ports=ports)
        reply = httpx.post(second.rest_webhook, json={"sender": "again", "message": "xin chào"}, timeout=60)
        assert "Xin chào" in " ".join(m.get("text", "") for m in reply.json())
    finally:
        for system in (first, second):
            if system is not None:
                system.stop()
                system.kill_leftovers()
