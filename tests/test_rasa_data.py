"""`rasa data validate`: domain, NLU data, rules and stories are consistent (no errors, no story
conflicts). Warnings Rasa gives for form questions and responses used only by custom actions are
expected: those responses are used, by name, from bot/actions."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_rasa_data_validates(rasa_venv: Path) -> None:
    completed = subprocess.run(
        [str(rasa_venv / "bin" / "rasa"), "data", "validate",
         "--domain", "domain.yml", "--data", "data", "tests/stories", "--config", "config.yml"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1", "RASA_TELEMETRY_ENABLED": "false",
             "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    assert "No story structure conflicts found" in output
