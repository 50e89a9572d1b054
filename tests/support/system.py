"""Starting the whole system (`motcua up`) for integration tests, on free loopback ports.

Real processes throughout: Rasa in its own environment, the rasa-sdk action server and the web
server. A quick-to-train copy of config.yml keeps CI fast; trained models are cached under
var/test-models, keyed by the fingerprint of their inputs, so reruns skip training.

With ``MOTCUA_TEST_DB=postgresql``, the app's database is a copy of the migrated template on
PostgreSQL (tests/support/database.py). ``MOTCUA_TEST_TOPOLOGY=production`` starts the
production topology instead (docs/production.md): two workers of Rasa, the action server and the
web app, Rasa's trackers and the petitions in fresh databases on the PostgreSQL server of
``FEEDBACK_TEST_POSTGRES_URL``, Rasa's lock store and the shared limits on the Redis of
``MOTCUA_TEST_REDIS_URL`` (.ci/run starts both on loopback).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import create_engine, text

from tests.conftest import REPO_ROOT, free_port
from tests.support import database

FAST_EPOCHS = {"DIETClassifier": 60}
READY_TIMEOUT_S = 900.0
TOPOLOGY_ENV = "MOTCUA_TEST_TOPOLOGY"
PRODUCTION_WORKERS = 2


def fast_config(folder: Path) -> Path:
    """config.yml with fewer training epochs, written to folder."""
    config = yaml.safe_load((REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config["pipeline"] + config["policies"]:
        if component["name"] in FAST_EPOCHS:
            component["epochs"] = FAST_EPOCHS[component["name"]]
    path = folder / "config.fast.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class RunningSystem:
    process: subprocess.Popen[str]
    env: dict[str, str]
    data_dir: Path
    rasa_port: int
    action_port: int
    web_port: int

    @property
    def rest_webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def db_url(self) -> str:
        """The app database `motcua up` runs on."""
        return self.env.get("MOTCUA_DB_URL") or f"sqlite:///{self.data_dir / 'motcua.db'}"

    def pids(self) -> dict[str, int]:
        return {p.stem: int(p.read_text()) for p in (self.data_dir / "run").glob("*.pid")}

    def up_output(self) -> str:
        return (self.data_dir / "up.log").read_text(errors="replace")

    def log_tail(self) -> str:
        parts = [self.up_output()[-3000:]]
        for log in sorted((self.data_dir / "logs").glob("*.log")):
            parts.append(f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def stop(self, timeout_s: float = 60.0) -> int:
        """SIGTERM `motcua up` and wait for it; returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def kill_leftovers(self) -> None:
        """Last resort for teardown: kill by PID whatever is still running."""
        for pid in self.pids().values():
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.process.poll() is None:
            self.process.kill()


def system_env(data_dir: Path, rasa_venv: Path, **ports: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(REPO_ROOT),
        MOTCUA_DATA_DIR=str(data_dir),
        MOTCUA_MODELS_DIR=str(REPO_ROOT / "var" / "test-models"),
        MOTCUA_RASA_VENV=str(rasa_venv),
        MOTCUA_RASA_CONFIG=str(fast_config(data_dir)),
        MOTCUA_RASA_PORT=str(ports["rasa_port"]),
        MOTCUA_ACTION_PORT=str(ports["action_port"]),
        MOTCUA_WEB_PORT=str(ports["web_port"]),
    )
    return env


def fresh_postgres_database(server_url: str, prefix: str) -> str:
    """A new, empty database on the PostgreSQL server of ``server_url``; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def production_env(workers: int = PRODUCTION_WORKERS) -> dict[str, str]:
    """The settings of the production topology, on the test servers named in the environment."""
    redis_url = os.environ.get("MOTCUA_TEST_REDIS_URL")
    postgres_url = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
    if not redis_url or not postgres_url:
        raise RuntimeError(f"{TOPOLOGY_ENV}=production needs MOTCUA_TEST_REDIS_URL and "
                           "FEEDBACK_TEST_POSTGRES_URL (see .ci/run)")
    return {
        "MOTCUA_WORKERS": str(workers),
        "MOTCUA_REDIS_URL": redis_url,
        "MOTCUA_TRACKER_DB_URL": fresh_postgres_database(postgres_url, "rasa_tracker"),
        "MOTCUA_DB_URL": fresh_postgres_database(postgres_url, "motcua"),
    }


def start_system(data_dir: Path, rasa_venv: Path, ports: dict[str, int] | None = None,
                 topology: str | None = None, workers: int = PRODUCTION_WORKERS) -> RunningSystem:
    """Run `motcua up` and wait until the web server and Rasa both answer.

    ``ports``: rasa_port, action_port, web_port to use (free loopback ports when not given).
    ``topology``: "production" (``workers`` of each server) or "single" (one worker each, SQLite);
    default: ``$MOTCUA_TEST_TOPOLOGY``, else single."""
    ports = ports or {"rasa_port": free_port(), "action_port": free_port(), "web_port": free_port()}
    env = system_env(data_dir, rasa_venv, **ports)
    topology = topology or os.environ.get(TOPOLOGY_ENV) or "single"
    if topology == "production":
        env.update(production_env(workers))
    elif topology != "single":
        raise ValueError(f"unknown topology {topology!r}: production or single")
    elif database.ON_POSTGRES:  # the suite's app data on PostgreSQL: `motcua up` takes it too
        env["MOTCUA_DB_URL"] = database.migrated_url(data_dir)
    with (data_dir / "up.log").open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "motcua", "up"],
            cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True,
        )
    system = RunningSystem(process, env, data_dir, **ports)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (data_dir / "up.log").read_text(errors="replace")
            raise RuntimeError(f"motcua up exited with {process.returncode}:\n{output}\n{system.log_tail()}")
        if "Một Cửa đang chạy" in system.up_output():  # printed once every service answered
            return system
        time.sleep(1.0)
    system.kill_leftovers()
    raise RuntimeError(f"system not ready in {READY_TIMEOUT_S}s\n{system.log_tail()}")
