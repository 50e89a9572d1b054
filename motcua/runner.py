"""`motcua up`: start the Rasa server, the action server and the web server, stop them together.

Each service is a child process in its own process group, with its output in ``var/logs/``.
We refuse to start when a port is taken, wait until every service answers its health check,
warm every service up (one throwaway conversation, removed afterwards) so that the first citizen
is answered as fast as the tenth, and on Ctrl-C / SIGTERM (or when any child dies) stop every
process we started.

When `motcua up` itself dies without stopping them (SIGKILL, the OOM killer, a closed terminal),
its services go too: on Linux each one gets SIGTERM when the supervisor dies (PR_SET_PDEATHSIG).
Whatever still runs (a worker a service spawned, an OS without that signal) is recognised by the
next `motcua up` from the records under ``<data_dir>/run/`` and stopped before it starts.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from motcua import rasa_model
from motcua.settings import REPO_ROOT, Settings, inherited_environment, telegram_config

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 300.0
STOP_GRACE_S = 10.0
WARMUP_TIMEOUT_S = 300.0

# The warm-up conversation: a procedure question, then a follow-up on it, the commonest path
# through Rasa (NLU, policies) and the action server (search, answer, card).
WARMUP_MESSAGES = ("đăng ký khai sinh cho con", "thế lệ phí bao nhiêu?")
WARMUP_SENDER_PREFIX = "motcua-warmup-"

# Every process a service runs (its workers too) inherits this variable, naming the run folder of
# the `motcua up` that started it: how the next `motcua up` tells its own leftovers from others.
RUN_MARKER_ENV = "MOTCUA_RUN_DIR"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class StartupError(RuntimeError):
    """A service could not be started; the message is meant for the operator."""


@dataclass
class Service:
    """One child process and how to tell that it is ready."""

    name: str
    command: list[str]
    port: int
    health_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def log_path(self, settings: Settings) -> Path:
        return settings.data_dir / "logs" / f"{self.name}.log"

    def pid_path(self, settings: Settings) -> Path:
        """PID file, so operators and tests can find (and stop) the process by PID."""
        return settings.data_dir / "run" / f"{self.name}.pid"

    def record_path(self, settings: Settings) -> Path:
        """What the next `motcua up` needs to recognise this process if it outlives us."""
        return settings.data_dir / "run" / f"{self.name}.json"


def app_environment(settings: Settings) -> dict[str, str]:
    """Environment for our own Python 3.11 services: same settings, bound to loopback."""
    env = inherited_environment()
    env.update(
        HF_HUB_OFFLINE="1",
        SANIC_HOST=settings.host,
        MOTCUA_HOST=settings.host,
        MOTCUA_RASA_PORT=str(settings.rasa_port),
        MOTCUA_ACTION_PORT=str(settings.action_port),
        MOTCUA_WEB_PORT=str(settings.web_port),
        MOTCUA_DATA_DIR=str(settings.data_dir),
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


def plan_services(settings: Settings, model: Path) -> list[Service]:
    """The services of the system, in start order: three always, Telegram when configured."""
    python = sys.executable
    base = f"http://{settings.host}"
    services = [
        Service(
            "actions",
            [python, "-m", "motcua.action_server", "--actions", "bot.actions",
             "--port", str(settings.action_port)],
            settings.action_port,
            f"{base}:{settings.action_port}/health",
            {**app_environment(settings), "ACTION_SERVER_SANIC_WORKERS": str(settings.workers)},
        ),
        Service(
            "rasa",
            rasa_model.run_command(settings, model),
            settings.rasa_port,
            f"{base}:{settings.rasa_port}/",
            rasa_model.rasa_environment(settings),
        ),
        Service(
            "web",
            [python, "-m", "uvicorn", "motcua.web:create_app", "--factory",
             "--host", settings.host, "--port", str(settings.web_port), "--no-access-log",
             *web_server_options(settings)],
            settings.web_port,
            f"{base}:{settings.web_port}/healthz",
            app_environment(settings),
        ),
    ]  # fmt: skip
    telegram = telegram_config()  # None unless TELEGRAM_BOT_TOKEN is set
    if telegram is not None:
        services.append(
            Service(
                "telegram",
                [python, "-m", "motcua", "telegram"],
                telegram.port,
                f"{base}:{telegram.port}/healthz",
                app_environment(settings),
            )
        )
    return services


def web_server_options(settings: Settings) -> list[str]:
    """uvicorn's options beyond the address: its workers, and the connection limits that keep 500
    citizens connecting at once from being dropped (a deep listen backlog; an idle keep-alive that
    outlasts nginx's 60 s upstream one, so that nginx, not uvicorn, closes idle connections)."""
    options = ["--backlog", "2048", "--timeout-keep-alive", "75"]
    return options + (["--workers", str(settings.workers)] if settings.workers > 1 else [])


def check_topology(settings: Settings) -> None:
    """Refuse a half-configured production topology, and stores that do not answer, with a
    message naming the setting. Several Rasa workers need Rasa's Redis lock store (otherwise two
    messages of one conversation could be processed at once) and a tracker database all of them
    share; one machine's SQLite file is for one worker."""
    if settings.workers > 1 and (settings.redis_url is None or settings.tracker_db_url is None):
        raise StartupError(
            f"MOTCUA_WORKERS={settings.workers} cần cả MOTCUA_REDIS_URL (khoá hội thoại của Rasa) và "
            f"MOTCUA_TRACKER_DB_URL (cơ sở dữ liệu hội thoại PostgreSQL). Đặt hai biến này, hoặc để "
            f"MOTCUA_WORKERS=1. Xem docs/production.md."
        )
    for setting, url in (("MOTCUA_REDIS_URL", settings.redis_url),
                         ("MOTCUA_TRACKER_DB_URL", settings.tracker_db_url)):
        if url is None:
            continue
        address = urlsplit(url.get_secret_value())
        default_port = 6379 if address.scheme.startswith("redis") else 5432
        host, port = address.hostname or "127.0.0.1", address.port or default_port
        try:
            socket.create_connection((host, port), timeout=5).close()
        except OSError as error:
            raise StartupError(f"Không kết nối được {host}:{port} ({setting}): {error}. "
                               f"Hãy kiểm tra máy chủ đó đang chạy.") from error


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (we try to bind it ourselves).

    SO_REUSEADDR, as every one of our servers binds: connections of a stopped server lingering in
    TIME_WAIT (up to a minute) do not keep a new server from listening, so they don't count."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports(settings: Settings, services: list[Service]) -> None:
    """Refuse to start when a port is taken, naming the port and the setting that moves it."""
    setting = {
        "actions": "MOTCUA_ACTION_PORT",
        "rasa": "MOTCUA_RASA_PORT",
        "web": "MOTCUA_WEB_PORT",
        "telegram": "TELEGRAM_PORT",
    }
    for service in services:
        if not port_is_free(settings.host, service.port):
            raise StartupError(
                f"Cổng {service.port} ({service.name}) trên {settings.host} đang bị chương trình "
                f"khác dùng. Hãy tắt chương trình đó, hoặc chọn cổng khác bằng biến "
                f"{setting[service.name]}."
            )


# ---- processes, as Linux's /proc shows them ------------------------------------------------------


def _proc_read(pid: int, name: str) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:  # gone, not ours to read, or no /proc on this OS
        return None


def _cmdline(pid: int) -> list[str] | None:
    raw = _proc_read(pid, "cmdline")
    return raw.decode(errors="replace").split("\0")[:-1] if raw else None


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, process group) of a process; None when it is gone."""
    raw = _proc_read(pid, "stat")
    if not raw:
        return None
    fields = raw.decode(errors="replace").rpartition(")")[2].split()  # after "pid (comm)"
    return fields[0], int(fields[2])


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    if sys.platform.startswith("linux"):
        stat = _stat(pid)
        return stat is not None and stat[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _own_cmdline() -> list[str]:
    return _cmdline(os.getpid()) or [sys.executable, *sys.argv]


def _group_members(pgid: int) -> list[int]:
    """Live processes of a process group (Linux only; empty elsewhere)."""
    members = []
    for entry in Path("/proc").glob("[0-9]*"):
        stat = _stat(int(entry.name))
        if stat is not None and stat[1] == pgid and stat[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def _carries_marker(pid: int, marker: str) -> bool:
    raw = _proc_read(pid, "environ")
    return raw is not None and marker.encode() in raw.split(b"\0")


def _runs_command(pid: int, command: list[str]) -> bool:
    """The process runs ``command`` (a script's interpreter may come first: ``python rasa run``)."""
    cmdline = _cmdline(pid)
    return cmdline is not None and len(cmdline) >= len(command) and cmdline[-len(command):] == command


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when we die; None on other systems.

    The signal comes when the *thread* that started the child ends: the supervisor starts its
    services from its main thread. SIGTERM, not SIGKILL, so that each service stops its own
    workers (rasa-sdk's Sanic worker would otherwise live on, holding the port)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # we died between fork and prctl: nobody will signal
            os._exit(1)

    return preexec


def _wait_until(condition: Callable[[], bool], timeout_s: float, interval_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval_s)
    return True


def stop_stale_services(settings: Settings, grace_s: float = STOP_GRACE_S) -> list[str]:
    """Stop what an earlier `motcua up` on this data folder left running when it died; return the
    names of the services stopped.

    A record (``run/<name>.json``) is stale when the supervisor that wrote it is no longer running.
    Only processes of the recorded process group that carry this run folder's marker in their
    environment are stopped, and the group leader only if its command line is the recorded one:
    a PID reused by another program is left alone. Records of a live supervisor are not touched
    (the port check then refuses, naming the port)."""
    run_dir = settings.data_dir / "run"
    if not sys.platform.startswith("linux") or not run_dir.is_dir():
        return []
    marker = f"{RUN_MARKER_ENV}={run_dir.resolve()}"
    stopped = []
    for record_path in sorted(run_dir.glob("*.json")):
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
            leader, command = int(record["pid"]), list(record["command"])
            owner, owner_cmdline = int(record["owner_pid"]), list(record["owner_cmdline"])
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("Bỏ qua bản ghi tiến trình không đọc được: %s", record_path)
            continue
        if _alive(owner) and _cmdline(owner) == owner_cmdline:
            continue  # the `motcua up` that started it still runs

        def leftovers(leader: int = leader, command: list[str] = command) -> list[int]:
            return [pid for pid in _group_members(leader) if _carries_marker(pid, marker)
                    and (pid != leader or _runs_command(pid, command))]

        if leftovers():
            log.warning("%s (PID %s) còn chạy từ lần khởi động trước; đang dừng.",
                        record_path.stem, leader)
            _signal_all(leftovers(), signal.SIGTERM)
            if not _wait_until(lambda: not leftovers(), grace_s):
                _signal_all(leftovers(), signal.SIGKILL)
                if not _wait_until(lambda: not leftovers(), grace_s):
                    raise StartupError(f"Không dừng được {record_path.stem} (PID {leader}) "
                                       f"còn sót từ lần chạy trước.")
            stopped.append(record_path.stem)
        record_path.unlink(missing_ok=True)
        (run_dir / f"{record_path.stem}.pid").unlink(missing_ok=True)
    return stopped


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


class Supervisor:
    """Starts services, waits for them, and stops all of them together."""

    def __init__(self, settings: Settings, services: list[Service]) -> None:
        self.settings = settings
        self.services = services
        self._stopping = False

    def start(self) -> None:
        for folder in ("logs", "run"):
            (self.settings.data_dir / folder).mkdir(parents=True, exist_ok=True)
        marker = str((self.settings.data_dir / "run").resolve())
        owner = {"owner_pid": os.getpid(), "owner_cmdline": _own_cmdline()}
        for service in self.services:
            log_file = service.log_path(self.settings).open("ab")
            service.process = subprocess.Popen(
                service.command,
                cwd=REPO_ROOT,
                env={**service.env, RUN_MARKER_ENV: marker},
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, so we can stop its children too
                preexec_fn=_die_with_parent(),
            )
            log_file.close()
            record = {"pid": service.process.pid, "command": service.command, **owner}
            service.record_path(self.settings).write_text(json.dumps(record), encoding="utf-8")
            service.pid_path(self.settings).write_text(str(service.process.pid))
            log.info("Đã khởi động %s (PID %s)", service.name, service.process.pid)

    def request_stop(self) -> None:
        """Ask the waiting loops to end (called from the signal handler)."""
        self._stopping = True

    def wait_ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> bool:
        """Block until every service answers its health check (True), a stop is requested
        (False), or a service dies or times out (StartupError)."""
        deadline = time.monotonic() + timeout_s
        pending = list(self.services)
        while pending:
            if self._stopping:
                return False
            for service in list(pending):
                self._raise_if_dead(service)
                if _answers(service.health_url):
                    log.info("%s sẵn sàng", service.name)
                    pending.remove(service)
            if time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise StartupError(f"Hết thời gian chờ {names} khởi động. Xem nhật ký ở {self._logs()}.")
            time.sleep(0.5)
        return True

    def warm_up(self, timeout_s: float = WARMUP_TIMEOUT_S) -> None:
        """Have throwaway conversations, so the first citizen does not pay for first calls.

        Rasa traces its TensorFlow graphs on its first prediction; the action server may still be
        building its indexes (in a thread, see bot/actions/services.py: this waits for it), and
        builds the rest on its first answer; the web server opens its connection to Rasa on its
        first chat message. Each conversation goes through Rasa's REST channel (then once through
        the web chat, when the web server runs) and is deleted from Rasa's tracker store
        afterwards. With several workers, twice as many conversations run at once, so that a busy
        worker leaves the next one to another and each gets its first calls. A failure is logged,
        never fatal: the bot then just starts cold."""
        names = {s.name for s in self.services}
        if not {"rasa", "actions"} <= names:
            return
        started = time.perf_counter()
        token = secrets.token_hex(8)
        count = 1 if self.settings.workers == 1 else 2 * self.settings.workers
        tokens = [f"{token}{i}" for i in range(count)]
        senders = [f"{WARMUP_SENDER_PREFIX}{t}" for t in tokens]
        if "web" in names:
            senders += [f"web-motcuawarmup{t}" for t in tokens]  # the web chat's id is "web-<cookie>"
        try:
            with httpx.Client(timeout=timeout_s) as client, ThreadPoolExecutor(count) as pool:
                web = "web" in names
                list(pool.map(lambda t: self._warm_conversation(client, t, web), tokens))  # re-raises
            log.info("Đã khởi động nóng (%.1f s)", time.perf_counter() - started)
        except httpx.HTTPError as error:
            log.warning("Khởi động nóng không thành công (%s); câu hỏi đầu tiên sẽ chậm hơn.",
                        error)
        finally:
            forget_conversations(self.settings, senders)

    def _warm_conversation(self, client: httpx.Client, token: str, web: bool) -> None:
        for text in WARMUP_MESSAGES:
            if self._stopping:
                return
            client.post(self.settings.rest_webhook_url,
                        json={"sender": f"{WARMUP_SENDER_PREFIX}{token}", "message": text}).raise_for_status()
        if web and not self._stopping:
            client.post(f"{self.settings.web_url}/api/chat", cookies={"motcua_chat": f"motcuawarmup{token}"},
                        json={"message": WARMUP_MESSAGES[0]}).raise_for_status()

    def watch(self) -> int:
        """Block while all services run; return a non-zero code if one of them died."""
        while not self._stopping:
            for service in self.services:
                if service.process is not None and service.process.poll() is not None:
                    log.error("%s đã dừng bất ngờ (mã %s). Xem %s", service.name,
                              service.process.returncode, service.log_path(self.settings))
                    return 1
            time.sleep(0.5)
        return 0

    def stop(self) -> None:
        """Terminate every process group we started; kill what is still there after a grace."""
        self._stopping = True
        for service in reversed(self.services):
            _signal_group(service.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for service in reversed(self.services):
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(service.process, signal.SIGKILL)
                service.process.wait()
            service.pid_path(self.settings).unlink(missing_ok=True)
            service.record_path(self.settings).unlink(missing_ok=True)
            log.info("Đã dừng %s", service.name)

    def _raise_if_dead(self, service: Service) -> None:
        if service.process is not None and service.process.poll() is not None:
            raise StartupError(
                f"{service.name} dừng ngay khi khởi động (mã {service.process.returncode}). "
                f"Xem nhật ký: {service.log_path(self.settings)}"
            )

    def _logs(self) -> Path:
        return self.settings.data_dir / "logs"


def forget_conversations(settings: Settings, senders: list[str]) -> None:
    """Delete conversations from Rasa's tracker store: the SQLite file of endpoints.yml, or the
    database of ``MOTCUA_TRACKER_DB_URL`` (Rasa's ``events`` table either way)."""
    if settings.tracker_db_url is not None:
        _forget_in_database(settings.tracker_db_url.get_secret_value(), senders)
        return
    if not settings.tracker_db.is_file():
        return
    try:
        with closing(sqlite3.connect(settings.tracker_db, timeout=30)) as db, db:
            db.executemany("DELETE FROM events WHERE sender_id = ?", [(s,) for s in senders])
    except sqlite3.Error as error:
        log.warning("Không xoá được hội thoại khởi động nóng %s: %s", senders, error)


def _forget_in_database(url: str, senders: list[str]) -> None:
    from sqlalchemy import bindparam, create_engine, text  # here: the supervisor stays lean

    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] in ("postgres", "postgresql"):
        url = f"postgresql+psycopg://{rest}"  # psycopg 3, the app environment's driver
    engine = create_engine(url)
    try:
        with engine.begin() as db:
            db.execute(text("DELETE FROM events WHERE sender_id IN :senders")
                       .bindparams(bindparam("senders", expanding=True)), {"senders": senders})
    except Exception as error:  # noqa: BLE001 - a warm-up leftover is never worth a failed start
        log.warning("Không xoá được hội thoại khởi động nóng: %s", type(error).__name__)
    finally:
        engine.dispose()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code < 500
    except httpx.HTTPError:
        return False


def _signal_group(process: subprocess.Popen[bytes] | None, sig: signal.Signals) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def prepare_stores(settings: Settings) -> None:
    """Migrate the databases and build the search indexes (saved under the data folder) once,
    before the servers start: no two servers race to migrate, and the first start shows progress
    instead of a silent wait. In a child process, so that the supervisor, which runs as long as
    the system, never holds the catalogue or the model."""
    command = [sys.executable, "-m", "motcua", "prepare"]
    if subprocess.run(command, env=app_environment(settings), check=False).returncode != 0:
        raise StartupError("Không chuẩn bị được cơ sở dữ liệu hoặc chỉ mục tìm kiếm; xem thông báo ở trên.")


def run_foreground(settings: Settings) -> int:
    """Everything `motcua up` does; returns the process exit code."""
    for name in stop_stale_services(settings):
        log.info("Đã dừng %s còn sót từ lần chạy trước", name)
    check_topology(settings)
    preliminary = plan_services(settings, settings.models_dir / "pending.tar.gz")
    check_ports(settings, preliminary)
    model = rasa_model.ensure_model(settings, settings.rasa_config)
    log.info("Chuẩn bị cơ sở dữ liệu và chỉ mục tìm kiếm thủ tục (lần đầu mất vài phút)…")
    prepare_stores(settings)
    supervisor = Supervisor(settings, plan_services(settings, model))

    def on_signal(signum: int, _frame: object) -> None:
        supervisor.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    supervisor.start()
    try:
        if not supervisor.wait_ready():
            return 0
        if settings.warmup:
            supervisor.warm_up()
        print(
            f"\nMột Cửa đang chạy.\n"
            f"  • Trò chuyện trên web: {settings.web_url}\n"
            f"  • Trò chuyện trong terminal: motcua chat\n"
            f"  • Nhật ký: {settings.data_dir / 'logs'}\n"
            f"Nhấn Ctrl-C để dừng.\n",
            flush=True,
        )
        return supervisor.watch()
    finally:
        supervisor.stop()
