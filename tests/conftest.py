"""Shared test fixtures: repository paths, free ports, the Rasa environment, and the tests'
PostgreSQL databases dropped when their test ends (tests/support/database.py)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from knowledge.answer import Answerer
from knowledge.catalogue import load_shipped_catalogue
from knowledge.guide import ProcedureGuide
from knowledge.procedure import Procedure
from knowledge.retrieval import Retriever
from tests.support import database

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _drop_test_databases(request: pytest.FixtureRequest):
    """A test's PostgreSQL databases go with its folder: a session would otherwise leave
    hundreds on the server."""
    if not database.POSTGRES_AT_HAND:
        yield
        return
    folder = request.getfixturevalue("tmp_path")
    yield
    database.drop_databases(under=folder)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if database.POSTGRES_AT_HAND:
        database.drop_databases()


@pytest.fixture(scope="session")
def catalogue() -> dict[str, Procedure]:
    """The shipped catalogue by code, parsed once for the whole test session."""
    return {p.code: p for p in load_shipped_catalogue()}


@pytest.fixture(scope="session")
def procedures() -> list[Procedure]:
    return load_shipped_catalogue()


@pytest.fixture(scope="session")
def lexical_retriever(procedures: list[Procedure], tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    """Built once for the whole test session (no model needed)."""
    return Retriever.load_or_build(procedures, tmp_path_factory.mktemp("retrieval-index"), model="none")


@pytest.fixture(scope="session")
def answerer(procedures: list[Procedure], lexical_retriever: Retriever) -> Answerer:
    """The chat's answerer over the lexical retriever (the e5 model is not needed to test it)."""
    return Answerer.build(ProcedureGuide(procedures, lexical_retriever), procedures)


@pytest.fixture(scope="session")
def rasa_venv() -> Path:
    """The Python 3.10 environment with Rasa (created by scripts/setup.sh)."""
    venv = Path(os.environ.get("MOTCUA_RASA_VENV", REPO_ROOT / ".venv" / "rasa"))
    if not (venv / "bin" / "rasa").exists():
        pytest.fail(f"Rasa environment missing at {venv}: run scripts/setup.sh (make test does).")
    return venv


@pytest.fixture(scope="session")
def running_system(tmp_path_factory: pytest.TempPathFactory, rasa_venv: Path):
    """The whole system started once by `motcua up` for all integration tests."""
    from tests.support.system import start_system

    system = start_system(tmp_path_factory.mktemp("var"), rasa_venv)
    yield system
    system.stop()
    system.kill_leftovers()
