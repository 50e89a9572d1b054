"""The production topology is settings only: what `motcua up` starts and how Rasa is configured
with MOTCUA_REDIS_URL, MOTCUA_TRACKER_DB_URL and MOTCUA_WORKERS, and what it refuses."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from motcua import rasa_model
from motcua.runner import StartupError, check_topology, plan_services
from motcua.settings import Settings
from tests.conftest import free_port

TRACKER = "postgresql+psycopg://rasa:s3cr%40t@127.0.0.1:{port}/rasa_tracker"
REDIS = "redis://:r3dis@127.0.0.1:{port}/2"


def production(tmp_path: Path, rasa_venv: Path, port: int = 6379, workers: int = 3) -> Settings:
    return Settings(data_dir=tmp_path, rasa_venv=rasa_venv, workers=workers,
                    tracker_db_url=TRACKER.format(port=port), redis_url=REDIS.format(port=port))


def test_one_machine_keeps_endpoints_yml_and_one_worker(tmp_path: Path, rasa_venv: Path) -> None:
    settings = Settings(data_dir=tmp_path, rasa_venv=rasa_venv)
    assert rasa_model.endpoints_file(settings) == rasa_model.ENDPOINTS
    services = {s.name: s for s in plan_services(settings, tmp_path / "m.tar.gz")}
    assert "--workers" not in services["web"].command
    assert services["actions"].env["ACTION_SERVER_SANIC_WORKERS"] == "1"
    assert services["rasa"].env["SANIC_WORKERS"] == "1"
    check_topology(settings)  # nothing to check, nothing refused


def test_production_stores_and_workers_come_from_the_settings(tmp_path: Path, rasa_venv: Path) -> None:
    settings = production(tmp_path, rasa_venv)
    services = {s.name: s for s in plan_services(settings, tmp_path / "m.tar.gz")}
    rasa = services["rasa"]
    written = Path(rasa.command[rasa.command.index("--endpoints") + 1])
    endpoints = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert endpoints["action_endpoint"] == {"url": "${MOTCUA_ACTION_URL}"}
    assert endpoints["tracker_store"] == {"type": "SQL", "dialect": "postgresql", "url": "${MOTCUA_TRACKER_DB_URL}"}
    assert endpoints["lock_store"] == {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 2,
                                       "key_prefix": "motcua", "use_ssl": False,
                                       "password": "${MOTCUA_REDIS_PASSWORD}"}
    assert "s3cr" not in written.read_text() and "r3dis" not in written.read_text()  # secrets stay in env
    # Rasa's SQLAlchemy 1.4 and psycopg2 read the URL; the password reaches Redis decoded.
    assert rasa.env["MOTCUA_TRACKER_DB_URL"] == "postgresql://rasa:s3cr%40t@127.0.0.1:6379/rasa_tracker"
    assert rasa.env["MOTCUA_REDIS_PASSWORD"] == "r3dis"
    assert rasa.env["SANIC_WORKERS"] == services["actions"].env["ACTION_SERVER_SANIC_WORKERS"] == "3"
    web = services["web"].command
    assert web[web.index("--workers") + 1] == "3"
    assert int(rasa.env["SANIC_BACKLOG"]) >= 1024 and int(web[web.index("--backlog") + 1]) >= 1024


@pytest.mark.parametrize("missing", ["redis_url", "tracker_db_url"])
def test_several_workers_without_redis_or_a_tracker_database_are_refused(
        tmp_path: Path, rasa_venv: Path, missing: str) -> None:
    settings = production(tmp_path, rasa_venv).model_copy(update={missing: None})
    with pytest.raises(StartupError, match="MOTCUA_WORKERS=3 cần cả MOTCUA_REDIS_URL"):
        check_topology(settings)


def test_a_store_that_does_not_answer_is_named(tmp_path: Path, rasa_venv: Path) -> None:
    with socket.socket() as listening:  # Redis and PostgreSQL "answer" on this port...
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        check_topology(production(tmp_path, rasa_venv, port=port))
    settings = production(tmp_path, rasa_venv, port=free_port())  # ...and on this one nothing does
    with pytest.raises(StartupError, match="MOTCUA_REDIS_URL"):
        check_topology(settings)
