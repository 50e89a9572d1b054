"""`motcua up`: start the Rasa server, the action server and the web server, stop them together.

Each service is a child process in its own process group, with its output in ``var/logs/``.
We refuse to start when a port is taken, wait until every service answers its health check,
and on Ctrl-C / SIGTERM (or when any child dies) stop every process we started.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot import rasa_model
from bot.channels import telegram_config
from bot.settings import REPO_ROOT, Settings
from knowledge.retrieval.cli import load_retriever

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 300.0
STOP_GRACE_S = 10.0


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


def app_environment(settings: Settings) -> dict[str, str]:
    """Environment for our own Python 3.11 services: same settings, bound to loopback."""
    env = dict(os.environ)
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
            [python, "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(settings.action_port)],
            settings.action_port,
            f"{base}:{settings.action_port}/health",
            app_environment(settings),
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
            [python, "-m", "uvicorn", "bot.web.app:create_app", "--factory",
             "--host", settings.host, "--port", str(settings.web_port), "--no-access-log"],
            settings.web_port,
            f"{base}:{settings.web_port}/healthz",
            app_environment(settings),
        ),
    ]  # fmt: skip
    telegram = telegram_config.configured()  # None unless TELEGRAM_BOT_TOKEN is set
    if telegram is not None:
        services.append(
            Service(
                "telegram",
                [python, "-m", "bot.channels.telegram"],
                telegram.port,
                f"{base}:{telegram.port}/healthz",
                app_environment(settings),
            )
        )
    return services


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (we try to bind it ourselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
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


class Supervisor:
    """Starts services, waits for them, and stops all of them together."""

    def __init__(self, settings: Settings, services: list[Service]) -> None:
        self.settings = settings
        self.services = services
        self._stopping = False

    def start(self) -> None:
        for folder in ("logs", "run"):
            (self.settings.data_dir / folder).mkdir(parents=True, exist_ok=True)
        for service in self.services:
            log_file = service.log_path(self.settings).open("ab")
            service.process = subprocess.Popen(
                service.command,
                cwd=REPO_ROOT,
                env=service.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, so we can stop its children too
            )
            log_file.close()
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
            log.info("Đã dừng %s", service.name)

    def _raise_if_dead(self, service: Service) -> None:
        if service.process is not None and service.process.poll() is not None:
            raise StartupError(
                f"{service.name} dừng ngay khi khởi động (mã {service.process.returncode}). "
                f"Xem nhật ký: {service.log_path(self.settings)}"
            )

    def _logs(self) -> Path:
        return self.settings.data_dir / "logs"


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


def run_foreground(settings: Settings) -> int:
    """Everything `motcua up` does; returns the process exit code."""
    preliminary = plan_services(settings, settings.models_dir / "pending.tar.gz")
    check_ports(settings, preliminary)
    model = rasa_model.ensure_model(settings, settings.rasa_config)
    log.info("Chuẩn bị chỉ mục tìm kiếm thủ tục (lần đầu mất vài phút)…")
    load_retriever(progress=True)  # built once, saved under the data folder; servers just load it
    supervisor = Supervisor(settings, plan_services(settings, model))

    def on_signal(signum: int, _frame: object) -> None:
        supervisor.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    supervisor.start()
    try:
        if not supervisor.wait_ready():
            return 0
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
