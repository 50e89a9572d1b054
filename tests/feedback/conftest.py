"""Fixtures: a real database (SQLite, and PostgreSQL when FEEDBACK_TEST_POSTGRES_URL is set; see
tests/support/database.py), the real FastAPI app with the feedback router mounted, and officer
accounts."""

from __future__ import annotations

import os
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from feedback.auth import create_officer
from feedback.config import FeedbackConfig
from feedback.notify import Notice
from feedback.web import build_service, create_router
from tests.support import database
from tests.support.database import migrated_url

PASSWORD = "mat-khau-thu-nghiem-1"
POSTGRES_URL = os.environ.get(database.SERVER_ENV)
# The store's suites run on both databases whenever a PostgreSQL server is at hand; on PostgreSQL
# only when the whole suite does (MOTCUA_TEST_DB=postgresql).
BACKENDS = (["postgresql"] if database.ON_POSTGRES
            else ["sqlite"] + (["postgresql"] if POSTGRES_URL else []))


@pytest.fixture(params=BACKENDS)
def config(request, tmp_path) -> FeedbackConfig:
    return FeedbackConfig(db_url=migrated_url(tmp_path, backend_name=request.param),
                          secret_key="test-secret")


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
