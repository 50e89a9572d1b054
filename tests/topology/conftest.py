"""Throwaway Redis and PostgreSQL servers on loopback for the topology tests: the ones .ci/run
started (``MOTCUA_TEST_REDIS_URL``, ``FEEDBACK_TEST_POSTGRES_URL``), else our own, started by the
same scripts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, free_port


def _started(script: str, variable: str, folder: Path, port_variable: str) -> tuple[str, Path]:
    env = {**os.environ, port_variable: str(free_port())}
    out = subprocess.run([str(REPO_ROOT / "scripts" / script), "start", str(folder)], env=env,
                         capture_output=True, text=True, check=True).stdout
    match = re.search(rf"export {variable}=(\S+)", out)
    assert match, out
    return match.group(1), folder


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("MOTCUA_TEST_REDIS_URL"):
        yield os.environ["MOTCUA_TEST_REDIS_URL"]
        return
    url, folder = _started("test-redis.sh", "MOTCUA_TEST_REDIS_URL", tmp_path_factory.mktemp("redis"),
                           "MOTCUA_TEST_REDIS_PORT")
    yield url
    subprocess.run([str(REPO_ROOT / "scripts" / "test-redis.sh"), "stop", str(folder)], check=False)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("FEEDBACK_TEST_POSTGRES_URL"):
        yield os.environ["FEEDBACK_TEST_POSTGRES_URL"]
        return
    # Not under pytest's folder: the server runs as the postgres user, who cannot enter it.
    url, folder = _started("test-postgres.sh", "FEEDBACK_TEST_POSTGRES_URL",
                           Path(tempfile.mkdtemp(prefix="motcua-pg-")), "MOTCUA_TEST_PG_PORT")
    yield url
    subprocess.run([str(REPO_ROOT / "scripts" / "test-postgres.sh"), "stop", str(folder)], check=False)
    shutil.rmtree(folder, ignore_errors=True)
