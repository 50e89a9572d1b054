"""The chat API's answers to bad input and to Rasa being down (no Rasa process needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.web.app import create_app
from tests.conftest import free_port


@pytest.fixture()
def client(tmp_path: Path):
    # Nothing listens on this Rasa port: every forwarded message meets a closed door.
    settings = Settings(rasa_port=free_port(), data_dir=tmp_path)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_chat_page_is_vietnamese_and_loads_its_script(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text and "/static/chat.js" in page.text
    assert client.get("/static/chat.js").status_code == 200


@pytest.mark.parametrize("message", ["", "   ", "\n\t"])
def test_empty_message_gets_a_hint(client: TestClient, message: str) -> None:
    response = client.post("/api/chat", json={"message": message})
    assert response.status_code == 422
    assert "Bạn chưa nhập gì" in response.json()["error"]


def test_oversize_message_is_refused_politely(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "khai sinh " * 10_000})
    assert response.status_code == 413
    assert "dài quá" in response.json()["error"]


@pytest.mark.parametrize("body", [b"{not json", b'{"message": 12}', b"[]", "\ud800".encode("utf-8", "surrogatepass")])
def test_malformed_bodies_get_a_clear_answer(client: TestClient, body: bytes) -> None:
    response = client.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "không hợp lệ" in response.json()["error"]


def test_rasa_down_gives_an_apology_not_a_stack_trace(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "đăng ký khai sinh"})
    assert response.status_code == 503
    assert "gửi lại" in response.json()["error"]
    assert "Traceback" not in response.text
