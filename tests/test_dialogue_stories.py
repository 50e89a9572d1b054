"""`rasa test` on the end-to-end test stories, with the quickly trained model of the test run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.system import RunningSystem

pytestmark = pytest.mark.integration


def test_story_predictions_are_all_right(running_system: RunningSystem, tmp_path: Path) -> None:
    out = tmp_path / "stories"
    completed = subprocess.run(
        [sys.executable, "-m", "motcua", "dialogue", "test", "--stories", "tests/stories", "--out", str(out)],
        cwd=REPO_ROOT, env=running_system.env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else completed.stdout[-4000:] + completed.stderr[-4000:]
    assert completed.returncode == 0, details
