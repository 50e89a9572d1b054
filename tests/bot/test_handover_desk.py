"""The live-help queue: claim, answer, hand back — and its web chat and console sides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from bot.handover.desk import HandoverDesk, HandoverError, Status
from feedback.auth import create_officer
from feedback.lifecycle import Role
from motcua.settings import Settings
from motcua.web import create_app
from tests.conftest import free_port
from tests.support.database import migrated_url


@pytest.fixture()
def desk(tmp_path: Path) -> HandoverDesk:
    return HandoverDesk(migrated_url(tmp_path))


def test_claim_answer_and_hand_back(desk: HandoverDesk) -> None:
    request = desk.open("web-abc", "web", "Đăng ký khai sinh")
    assert desk.open("web-abc", "web").id == request.id  # asking twice queues once
    assert [r.id for r in desk.queue()] == [request.id]
    desk.citizen_says("web-abc", "Tôi cần hỏi về giấy chứng sinh")
    with pytest.raises(HandoverError):
        desk.reply(request.id, "Chị Lan", "Chào bạn")  # must claim first
    desk.claim(request.id, "Chị Lan")
    with pytest.raises(HandoverError):
        desk.claim(request.id, "Anh Minh")  # nobody claims it twice
    desk.reply(request.id, "Chị Lan", "Bạn mang giấy chứng sinh bản chính nhé.")
    assert [m.sender for m in desk.transcript(request.id)] == ["citizen", "system", "officer"]
    desk.release(request.id, "Chị Lan")
    assert desk.active("web-abc") is None and desk.get(request.id).status is Status.CLOSED
    assert desk.citizen_says("web-abc", "còn ai không?") is None  # back to the bot
    assert [m.sender for m in desk.transcript(request.id)] == ["citizen", "system", "officer", "system"]


def test_a_pasted_nul_character_is_dropped_not_a_crash(desk: HandoverDesk) -> None:
    request = desk.open("web-nul", "web")
    desk.claim(request.id, "Chị Lan")
    desk.reply(request.id, "Chị Lan", "Bạn mang\x00 giấy chứng sinh nhé.")  # PostgreSQL refuses NUL
    assert desk.transcript(request.id)[-1].text == "Bạn mang giấy chứng sinh nhé."


def test_push_channels_get_each_officer_message_once(desk: HandoverDesk) -> None:
    on_telegram = desk.open("telegram-42", "telegram", address="42")
    desk.open("web-abc", "web")  # no address to forward to
    desk.claim(on_telegram.id, "Chị Lan")
    desk.citizen_says("telegram-42", "Cho tôi hỏi")  # the citizen's own words are not sent back
    desk.reply(on_telegram.id, "Chị Lan", "Bạn mang giấy chứng sinh nhé.")
    [(request, pending)] = desk.undelivered("telegram")
    assert request.address == "42" and [m.sender for m in pending] == ["system", "officer"]
    assert desk.undelivered("web") == []
    with Session(desk.engine) as session, session.begin():
        assert desk.claim_delivery(session, request.id, pending[0].id, pending[-1].id)
    with Session(desk.engine) as session, session.begin():  # a second worker finds it taken
        assert not desk.claim_delivery(session, request.id, pending[0].id, pending[-1].id)
    assert desk.undelivered("telegram") == []
    desk.release(request.id, "Chị Lan")
    [(_, after_release)] = desk.undelivered("telegram")
    assert "Trợ lý Một Cửa tiếp tục" in after_release[0].text


def _login(client: TestClient, username: str, password: str) -> None:
    page = client.get("/can-bo/dang-nhap").text
    token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
    answer = client.post("/can-bo/dang-nhap", data={"username": username, "password": password, "login_token": token},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_web_chat_and_console_round_trip(tmp_path: Path) -> None:
    settings = Settings(rasa_port=free_port(), data_dir=tmp_path, db_url=migrated_url(tmp_path))
    app = create_app(settings)
    with TestClient(app) as browser, TestClient(app) as officer:
        browser.cookies.set("motcua_chat", "abc123")
        desk: HandoverDesk = app.state.handover
        request = desk.open("web-abc123", "web", "Đăng ký khai sinh", address="abc123")  # "gặp cán bộ"
        forwarded = browser.post("/api/chat", json={"message": "Tôi cần hỏi <b>cán bộ</b>"}).json()
        assert forwarded["handover"] is True and "cán bộ" in forwarded["messages"][0]["text"]

        create_officer(app.state.feedback.engine, app.state.feedback.directory, "lan", "Nguyễn Thị Lan",
                       "mat-khau-rat-dai-2026", Role.TRIAGE, "van-phong-ubnd-tinh")  # fmt: skip
        assert officer.get("/can-bo/ho-tro", follow_redirects=False).status_code == 303  # login first
        _login(officer, "lan", "mat-khau-rat-dai-2026")
        queue = officer.get("/can-bo/ho-tro").text
        assert f"/can-bo/ho-tro/{request.id}" in queue and "Đăng ký khai sinh" in queue
        page = officer.get(f"/can-bo/ho-tro/{request.id}").text
        assert "Tôi cần hỏi &lt;b&gt;cán bộ&lt;/b&gt;" in page  # escaped, never markup
        assert officer.post(f"/can-bo/ho-tro/{request.id}/nhan", data={}).status_code == 403  # no CSRF token
        officer.post(f"/can-bo/ho-tro/{request.id}/nhan", data={"csrf_token": _csrf(page)})
        page = officer.get(f"/can-bo/ho-tro/{request.id}").text
        officer.post(f"/can-bo/ho-tro/{request.id}/tra-loi", data={"csrf_token": _csrf(page), "text": "Bạn mang giấy chứng sinh nhé."})

        updates = browser.get("/api/chat/updates").json()
        assert updates["handover"] is True
        assert updates["messages"][-1] == {"id": updates["messages"][-1]["id"], "officer": True, "buttons": [],
                                           "image": None, "text": "Nguyễn Thị Lan: Bạn mang giấy chứng sinh nhé."}  # fmt: skip
        officer.post(f"/can-bo/ho-tro/{request.id}/ket-thuc", data={"csrf_token": _csrf(page)})
        after = browser.get(f"/api/chat/updates?after={updates['messages'][-1]['id']}").json()
        assert after["handover"] is False and "Trợ lý Một Cửa tiếp tục" in after["messages"][-1]["text"]
