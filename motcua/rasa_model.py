"""Training the Rasa model in its own environment, only when its inputs changed.

Rasa lives in a separate Python 3.10 virtual environment, so we drive it as a subprocess. The
model file name carries a fingerprint of everything that shapes it (pipeline, domain, training
data, our tokenizer code): if that file exists the model is current and start-up skips training.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from motcua.settings import REPO_ROOT, Settings, inherited_environment

log = logging.getLogger(__name__)

# Files whose content changes what Rasa learns (besides the config file itself).
_TRAINING_INPUTS = ("domain.yml", "data", "nlu")
ENDPOINTS = REPO_ROOT / "endpoints.yml"
# Rasa's Sanic defaults drop connections under load: a listen backlog of 100 (500 citizens
# connecting at once overflow it) and 60 s to read a request, which a request queued behind
# hundreds of others on a busy worker exceeds. A turn queued that long is slow, not failed.
SANIC_BACKLOG = 2048
REQUEST_TIMEOUT_S = 300


class RasaError(RuntimeError):
    """Rasa could not be trained or started."""


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Environment for Rasa processes: our `nlu` package importable, no hub downloads."""
    env = inherited_environment()
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        HF_HUB_OFFLINE="1",
        MOTCUA_ACTION_URL=settings.action_url,
        MOTCUA_TRACKER_DB=str(settings.tracker_db),
        # Rasa would otherwise ask for telemetry consent and phone home.
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        # Read by Rasa (workers: only with a Redis lock store) and by Sanic (SANIC_* config).
        SANIC_WORKERS=str(settings.workers),
        SANIC_BACKLOG=str(SANIC_BACKLOG),
        SANIC_REQUEST_TIMEOUT=str(REQUEST_TIMEOUT_S),
    )
    if settings.workers > 1:
        # Each worker's TensorFlow would use every core for one prediction: with several workers
        # their thread pools fight over the cores. Share the cores out (an operator may override).
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        threads = str(max(1, cores // settings.workers))
        env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", threads)
        env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", threads)
    # Secrets reach Rasa through its environment, never through the endpoints file on disk.
    if settings.tracker_db_url is not None:
        env["MOTCUA_TRACKER_DB_URL"] = rasa_sql_url(settings.tracker_db_url.get_secret_value())
    if settings.redis_url is not None:
        env["MOTCUA_REDIS_PASSWORD"] = unquote(urlsplit(settings.redis_url.get_secret_value()).password or "")
    return env


def rasa_sql_url(url: str) -> str:
    """A database URL as Rasa's SQLAlchemy 1.4 reads it: PostgreSQL through psycopg2 (the driver
    in Rasa's environment), whatever driver the app's own URL names."""
    scheme, sep, rest = url.partition("://")
    if scheme.split("+")[0] in ("postgres", "postgresql"):
        scheme = "postgresql"
    return f"{scheme}{sep}{rest}"


def endpoints(settings: Settings) -> dict:
    """endpoints.yml as shipped (action server, SQLite trackers), with the production stores when
    they are configured: trackers in the SQL database of ``MOTCUA_TRACKER_DB_URL`` and Rasa's
    ``RedisLockStore`` on ``MOTCUA_REDIS_URL``, which serialises one conversation's messages
    across all Rasa workers and hosts."""
    config = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    if settings.tracker_db_url is not None:
        # Rasa takes a whole database URL as the store's "url"; it stays in the environment.
        dialect = rasa_sql_url(settings.tracker_db_url.get_secret_value()).split("://")[0]
        config["tracker_store"] = {"type": "SQL", "dialect": dialect, "url": "${MOTCUA_TRACKER_DB_URL}"}
    if settings.redis_url is not None:
        redis = urlsplit(settings.redis_url.get_secret_value())
        store = {"type": "redis", "url": redis.hostname or "127.0.0.1", "port": redis.port or 6379,
                 "db": int(redis.path.strip("/") or 0), "key_prefix": "motcua",
                 "use_ssl": redis.scheme == "rediss"}
        if redis.password:
            store["password"] = "${MOTCUA_REDIS_PASSWORD}"
        config["lock_store"] = store
    return config


def endpoints_file(settings: Settings) -> Path:
    """The endpoints file Rasa runs with: endpoints.yml itself on one machine, else a copy with
    the production stores, written under the data folder (no secret in it)."""
    if settings.tracker_db_url is None and settings.redis_url is None:
        return ENDPOINTS
    path = settings.data_dir / "run" / "endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `motcua up` from endpoints.yml and the settings: do not edit.\n"
    path.write_text(header + yaml.safe_dump(endpoints(settings), sort_keys=False), encoding="utf-8")
    return path


def rasa_executable(settings: Settings) -> Path:
    """The `rasa` command of the Python 3.10 environment."""
    exe = settings.rasa_venv / "bin" / "rasa"
    if not exe.exists():
        raise RasaError(
            f"Không thấy Rasa ở {exe}. Hãy chạy 'make up' (hoặc scripts/setup.sh) để cài đặt."
        )
    return exe


def fingerprint(config: Path) -> str:
    """Short hash of the config file and every training input under the repository."""
    digest = hashlib.sha256(config.read_bytes())
    for name in _TRAINING_INPUTS:
        root = REPO_ROOT / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO_ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(settings: Settings, config: Path) -> Path:
    """Where the model trained from these inputs lives (whether or not it exists yet)."""
    return settings.models_dir / f"motcua-{fingerprint(config)}.tar.gz"


def ensure_model(settings: Settings, config: Path | None = None) -> Path:
    """Return a current model, training one first if the inputs changed since the last one."""
    config = config or REPO_ROOT / "config.yml"
    target = model_path(settings, config)
    if target.exists():
        log.info("Mô hình Rasa đã cập nhật: %s", target.name)
        return target
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    command = [
        str(rasa_executable(settings)), "train",
        "--config", str(config),
        "--domain", str(REPO_ROOT / "domain.yml"),
        "--data", str(REPO_ROOT / "data"),
        "--out", str(settings.models_dir),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    log.info("Đang huấn luyện mô hình Rasa (vài phút)…")
    completed = subprocess.run(command, cwd=REPO_ROOT, env=rasa_environment(settings))
    if completed.returncode != 0 or not target.exists():
        raise RasaError(f"Huấn luyện Rasa thất bại (mã {completed.returncode}).")
    return target


def run_command(settings: Settings, model: Path) -> list[str]:
    """The command line that serves the model with the REST channel on the configured port:
    `rasa run` through motcua.rasa_server, which checks action answers without re-checking their
    schema at every turn."""
    python = rasa_executable(settings).parent / "python"
    return [
        str(python), "-m", "motcua.rasa_server", "run",
        "--model", str(model),
        "--interface", settings.host,
        "--port", str(settings.rasa_port),
        "--endpoints", str(endpoints_file(settings)),
        "--credentials", str(REPO_ROOT / "credentials.yml"),
        # The HTTP API (tracker read-back for operators) only with the token; the REST channel
        # that our channels use is not behind it.
        "--enable-api", "--auth-token", settings.rasa_token,
    ]  # fmt: skip


def cross_validate(settings: Settings, folds: int, out: Path) -> int:
    """NLU cross-validation report (intent precision/recall/F1, confusion) written to ``out``."""
    command = [
        str(rasa_executable(settings)), "test", "nlu",
        "--config", str(settings.rasa_config),
        "--nlu", str(REPO_ROOT / "data" / "nlu.yml"),
        "--cross-validation", "--folds", str(folds),
        "--out", str(out),
    ]  # fmt: skip
    return subprocess.run(command, cwd=REPO_ROOT, env=rasa_environment(settings)).returncode


def run_test_stories(settings: Settings, model: Path, stories: Path, out: Path) -> int:
    """`rasa test core` on end-to-end test stories; non-zero if any prediction was wrong."""
    command = [
        str(rasa_executable(settings)), "test", "core",
        "--model", str(model),
        "--stories", str(stories),
        "--endpoints", str(REPO_ROOT / "endpoints.yml"),
        "--out", str(out),
        "--fail-on-prediction-errors",
    ]  # fmt: skip
    return subprocess.run(command, cwd=REPO_ROOT, env=rasa_environment(settings)).returncode
