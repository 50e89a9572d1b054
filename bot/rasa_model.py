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

from bot.settings import REPO_ROOT, Settings

log = logging.getLogger(__name__)

# Files whose content changes what Rasa learns (besides the config file itself).
_TRAINING_INPUTS = ("domain.yml", "data", "nlu")


class RasaError(RuntimeError):
    """Rasa could not be trained or started."""


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Environment for Rasa processes: our `nlu` package importable, no hub downloads."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        HF_HUB_OFFLINE="1",
        MOTCUA_ACTION_URL=settings.action_url,
        MOTCUA_TRACKER_DB=str(settings.tracker_db),
        # Rasa would otherwise ask for telemetry consent and phone home.
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


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
    """The command line that serves the model with the REST channel on the configured port."""
    return [
        str(rasa_executable(settings)), "run",
        "--model", str(model),
        "--interface", settings.host,
        "--port", str(settings.rasa_port),
        "--endpoints", str(REPO_ROOT / "endpoints.yml"),
        "--credentials", str(REPO_ROOT / "credentials.yml"),
        # The HTTP API (tracker read-back for operators) only with the token; the REST channel
        # that our channels use is not behind it.
        "--enable-api", "--auth-token", settings.rasa_api_token,
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
