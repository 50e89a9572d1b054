"""The Foundation slice, end to end: real Rasa, real action server, real web server."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.support.system import RunningSystem, start_system

pytestmark = pytest.mark.integration

QUESTIONS = ["Tôi muốn đăng ký khai sinh cho con", "dang ky khai sinh cho con"]


def rest_reply(system: RunningSystem, sender: str, text: str) -> str:
    response = httpx.post(system.rest_webhook, json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())


@pytest.mark.parametrize("question", QUESTIONS)
def test_rest_channel_answers_with_the_birth_registration_card(
    running_system: RunningSystem, question: str
) -> None:
    reply = rest_reply(running_system, f"e2e-{len(question)}", question)
    assert "1.001193" in reply, running_system.log_tail()
    # The card states papers, fee, time limit, where, and online filing — from the catalogue.
    for heading in ("Giấy tờ cần chuẩn bị", "lệ phí", "Nơi nộp", "trực tuyến"):
        assert heading in reply


def test_web_chat_page_and_api(running_system: RunningSystem) -> None:
    with httpx.Client(base_url=running_system.web_url, timeout=60) as client:
        page = client.get("/")
        assert page.status_code == 200 and 'lang="vi"' in page.text
        answer = client.post("/api/chat", json={"message": QUESTIONS[1]})
        assert answer.status_code == 200
        assert "1.001193" in " ".join(m["text"] for m in answer.json()["messages"])
        assert client.cookies.get("motcua_chat")  # one conversation per browser


def test_terminal_chat(running_system: RunningSystem) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "motcua", "chat"],
        input="xin chào\ndang ky khai sinh cho con\n/thoat\n",
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, env=running_system.env,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "Xin chào" in completed.stdout
    assert "1.001193" in completed.stdout


def test_up_refuses_a_taken_port_and_stops_every_process_on_sigterm(
    tmp_path, rasa_venv, running_system: RunningSystem
) -> None:
    # A second `motcua up` on the ports of the running one must refuse, naming the port.
    clash = subprocess.run(
        [sys.executable, "-m", "motcua", "up"],
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, env=running_system.env,
    )  # fmt: skip
    assert clash.returncode == 1
    assert "đang bị chương trình khác dùng" in clash.stderr

    # A fresh system (model already current: no retraining) stops all its processes on SIGTERM.
    system = start_system(tmp_path, rasa_venv)
    pids = system.pids()
    assert set(pids) == {"rasa", "actions", "web"}
    assert "Đang huấn luyện" not in system.up_output()
    try:
        assert system.stop() == 0
        for name, pid in pids.items():
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        system.kill_leftovers()
