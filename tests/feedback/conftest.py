"""Fixtures: a real database (SQLite file, or PostgreSQL when FEEDBACK_TEST_POSTGRES_URL is set),
the real FastAPI app with the feedback router mounted, and officer accounts."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from feedback.auth import create_officer
from feedback.config import FeedbackConfig
from feedback.notify import Notice
from feedback.web import build_service, create_router
from motcua.db import migrate
from tests.support.database import migrated_url

PASSWORD = "mat-khau-thu-nghiem-1"
POSTGRES_URL = os.environ.get("FEEDBACK_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _postgres_db() -> tuple[str, Callable[[], None]]:
    """A fresh database on the test server, dropped afterwards."""
    name = f"fb_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        from feedback.db import engine_for
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(params=BACKENDS)
def config(request, tmp_path) -> FeedbackConfig:
    if request.param == "sqlite":
        yield FeedbackConfig(db_url=migrated_url(tmp_path), secret_key="test-secret")
        return
    url, drop = _postgres_db()
    migrate(url)
    yield FeedbackConfig(db_url=url, secret_key="test-secret")
    drop()


class RecordingNotices:
    """The app's notice queue as the service sees it: what was queued, and inside a transaction."""

    def __init__(self) -> None:
        self.queued: list[Notice] = []
        self.fail = False

    def queue(self, session, notice: Notice) -> None:
        assert session.in_transaction()  # stored with the status change, or not at all
        if self.fail:
            raise ConnectionError("the outbox is unavailable")
        self.queued.append(notice)


@pytest.fixture
def notices() -> RecordingNotices:
    return RecordingNotices()


@pytest.fixture
def service(config, notices):
    return build_service(config, notices)


@pytest.fixture
def app(config, service) -> FastAPI:
    app = FastAPI()
    app.include_router(create_router(config, service))
    return app


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture
def officers(service) -> dict:
    """One account per role, on two communes, the triage desk and the electricity company."""
    specs = {
        "kylua": ("officer", "ubnd-phuong-ky-lua"),
        "kylua_lead": ("lead", "ubnd-phuong-ky-lua"),
        "dongkinh": ("officer", "ubnd-phuong-dong-kinh"),
        "dieuphoi": ("triage", "van-phong-ubnd-tinh"),
        "quantri": ("admin", "van-phong-ubnd-tinh"),
        "dienluc": ("officer", "dien-luc-lang-son"),
    }
    return {
        name: create_officer(service.engine, service.directory, name, name, PASSWORD, role, unit)
        for name, (role, unit) in specs.items()
    }


def login(client: TestClient, username: str, password: str = PASSWORD):
    page = client.get("/can-bo/dang-nhap")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text).group(1)
    return client.post("/can-bo/dang-nhap", data={"login_token": token, "username": username,
                                                  "password": password}, follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
