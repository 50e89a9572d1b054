"""The real web app (chat API + feedback console, public page, Open311) on a temporary data dir.

No mocks of our code: settings, database, migrations, templates and routers are the production
ones. Rasa is not running, so the chat API answers its polite 503 for well-formed messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from motcua.settings import get_settings
from feedback.auth import create_officer
from feedback.service import Contact, FeedbackService, PetitionInput
from tests.conftest import free_port
from tests.support.database import migrated_url
from tests.hardening.apps import web_app_and_service

PASSWORD = "mat-khau-rat-dai-2026"
STACK_TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "jinja2.exceptions")


def build_app(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FastAPI, FeedbackService]:
    """The project's app on ``data_dir``; Rasa's port points at nothing."""
    monkeypatch.setenv("MOTCUA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("MOTCUA_RASA_PORT", str(free_port()))
    monkeypatch.setenv("MOTCUA_DB_URL", migrated_url(data_dir))
    monkeypatch.setenv("MOTCUA_FEEDBACK_SECRET", "hardening-tests-secret-key-0123456789")
    monkeypatch.delenv("MOTCUA_OPEN311_API_KEYS", raising=False)
    return web_app_and_service()


@dataclass
class Web:
    """A client on the app plus the feedback service behind it (for seeding and checking)."""

    client: TestClient
    service: FeedbackService

    def officer_client(self, username: str, unit_id: str, role: str = "officer") -> "OfficerClient":
        """A second client, logged in as a new officer of ``unit_id``."""
        create_officer(self.service.engine, self.service.directory, username, username, PASSWORD,
                       role, unit_id)
        client = TestClient(self.client.app, raise_server_exceptions=False)
        token = _hidden(client.get("/can-bo/dang-nhap").text, "login_token")
        response = client.post("/can-bo/dang-nhap", data={"login_token": token, "username": username,
                                                          "password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return OfficerClient(client, _hidden(client.get("/can-bo/").text, "csrf_token"))

    def file(self, description: str, location: str, contact: Contact | None = None, **kw) -> str:
        return self.service.file_petition(PetitionInput(description=description, location_text=location,
                                                        channel="web", contact=contact, **kw)).code


@dataclass
class OfficerClient:
    client: TestClient
    csrf: str

    def post(self, url: str, **fields: str):
        return self.client.post(url, data={"csrf_token": self.csrf, **fields}, follow_redirects=False)


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no hidden field {name} in page"
    return match.group(1)


def assert_no_crash(response, rasa_down: bool = False) -> None:
    """No server error, no stack trace or library internals in the body. With ``rasa_down`` the
    chat API's own 503 apology (Rasa not running here) is the one 5xx allowed."""
    apology = rasa_down and response.status_code == 503 and "gửi lại" in response.json()["error"]
    assert response.status_code < 500 or apology, (response.status_code, response.text[:500])
    body = response.text
    for marker in STACK_TRACE_MARKERS:
        assert marker not in body, (marker, body[:500])


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """One app per test module (hypothesis needs module-scoped state); raise_server_exceptions
    is off so a crash shows up as the 500 a citizen would see."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        app, service = build_app(tmp_path_factory.mktemp("hardening-var"), monkeypatch)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Web(client, service)
    get_settings.cache_clear()
