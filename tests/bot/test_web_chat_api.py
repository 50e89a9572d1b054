"""The web chat on the common message path: inbox, outbox, dedupe, limits, live help and assisted
mode, against the real web app and a fake Rasa REST server on loopback (no trained model needed)."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.channels import texts
from bot.channels.records import AssistedSession, InboxMessage, OutboxMessage
from bot.channels.store import open_store
from bot.handover.desk import HandoverDesk
from motcua.settings import Settings
from motcua.web import create_app
from tests.channels.conftest import wait_for
from tests.support.fake_rasa import FakeRasa
from tests.support.database import backend, migrated_url

HELPER_CODE = "LS-2026-LAN"
COOKIE = "abc123"


@pytest.fixture()
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture()
def chat(tmp_path: Path, rasa: FakeRasa,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., TestClient]]:
    """Factory: the web app (Rasa = the fake) with ``MOTCUA_CHANNEL_*`` limits, as a browser."""
    clients: list[TestClient] = []

    def open_chat(**limits: str) -> TestClient:
        monkeypatch.setenv("MOTCUA_ASSISTED_HELPERS", f"{HELPER_CODE}:Nguyễn Thị Lan")
        for name, value in {"retry_base_s": "0.2", "retry_max_s": "0.4", **limits}.items():
            monkeypatch.setenv(f"MOTCUA_CHANNEL_{name.upper()}", value)
        client = TestClient(create_app(Settings(rasa_port=rasa.port, data_dir=tmp_path,
                                                db_url=migrated_url(tmp_path))))
        clients.append(client.__enter__())
        client.cookies.set("motcua_chat", COOKIE)
        return client

    yield open_chat
    for client in clients:
        client.__exit__(None, None, None)


def say(client: TestClient, text: str, after: int | None = None, message_id: str = "") -> dict:
    """Post like the page does: with its message id and the cursor of the last reply it showed."""
    body = {"message": text, "id": message_id} | ({} if after is None else {"after": after})
    response = client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def texts_of(body: dict) -> list[str]:
    return [m["text"] for m in body["messages"]]


def test_chat_page_is_vietnamese_and_loads_its_script(chat) -> None:
    client = chat()
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text and "/static/chat.js" in page.text and "Chế độ hỗ trợ" in page.text
    assert client.get("/static/chat.js").status_code == 200


@pytest.mark.parametrize("message", ["", "   ", "\n\t"])
def test_empty_message_gets_a_hint(chat, message: str) -> None:
    response = chat().post("/api/chat", json={"message": message})
    assert response.status_code == 422
    assert "Bạn chưa nhập gì" in response.json()["error"]


def test_oversize_message_is_refused_politely_and_never_reaches_rasa(chat, rasa: FakeRasa) -> None:
    response = chat().post("/api/chat", json={"message": "khai sinh " * 10_000})
    assert response.status_code == 413
    assert "dài quá" in response.json()["error"] and "2000" in response.json()["messages"][0]["text"]
    assert rasa.received == []


@pytest.mark.parametrize("body", [b"{not json", b'{"message": 12}', b"[]",
                                  "\ud800".encode("utf-8", "surrogatepass")])
def test_malformed_bodies_get_a_clear_answer(chat, body: bytes) -> None:
    response = chat().post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "không hợp lệ" in response.json()["error"]


def test_replies_with_buttons_and_images_come_back_in_the_response(chat, rasa: FakeRasa,
                                                                   tmp_path: Path) -> None:
    client = chat()
    first = say(client, "cho tôi xem nút")
    assert first["messages"][0]["text"] == "Bạn muốn xem gì?"
    assert first["messages"][0]["buttons"] == [{"title": "Giấy tờ", "payload": "/ask_papers"},
                                               {"title": "Lệ phí", "payload": "/ask_fee"}]
    assert first["pending"] is False and first["cursor"] == first["messages"][-1]["id"]
    second = say(client, "gửi ảnh mẫu", after=first["cursor"])
    shown = [(m["image"], m["text"]) for m in second["messages"]]
    assert shown == [(rasa.image_url, ""), (None, "Mẫu tờ khai đây.")]  # the image first
    # Rasa heard the web channel and the browser's address, as the petition actions need.
    assert rasa.received[0]["sender"] == f"web-{COOKIE}"
    assert rasa.received[0]["metadata"] == {"channel": "web", "address": COOKIE}
    with Session(open_store(migrated_url(tmp_path))) as session:  # fetched replies count as delivered
        states = session.exec(select(OutboxMessage.state).where(OutboxMessage.channel == "web")).all()
    assert sorted(set(states)) == ["sent"] and len(states) == 3


def test_a_double_submit_is_answered_once(chat, rasa: FakeRasa, tmp_path: Path) -> None:
    client = chat()
    cursor = client.get("/api/chat/updates").json()["cursor"]  # what a freshly loaded page does
    first = say(client, "giờ làm việc", after=cursor, message_id="m-1")
    # The response was lost, say, and the page sends the same message again with the same cursor.
    again = say(client, "giờ làm việc", after=cursor, message_id="m-1")
    assert texts_of(first) == texts_of(again) == ["Trả lời: giờ làm việc"]
    assert [m["id"] for m in again["messages"]] == [m["id"] for m in first["messages"]]
    assert rasa.messages() == ["giờ làm việc"]
    with Session(open_store(migrated_url(tmp_path))) as session:
        assert len(session.exec(select(InboxMessage)).all()) == 1
    # Another message with another id is another question.
    assert texts_of(say(client, "giờ làm việc", after=again["cursor"], message_id="m-2")) == [
        "Trả lời: giờ làm việc"]
    assert rasa.messages() == ["giờ làm việc", "giờ làm việc"]


def test_too_many_messages_a_minute_are_refused_with_a_reason(chat, rasa: FakeRasa) -> None:
    client = chat(max_per_minute="3")
    first = time.monotonic()
    for n in range(3):
        say(client, f"câu hỏi {n}")
    for _ in range(2):  # told every time: a page, unlike a push channel, waits for an answer
        response = client.post("/api/chat", json={"message": "câu hỏi nữa"})
        since = time.monotonic() - first
        assert response.status_code == 429
        # The window slides: room frees when the first message leaves the minute.
        wait = int(response.headers["Retry-After"])
        assert math.floor(60 - since) <= wait <= 60
        assert response.json()["retry_after"] == wait
        assert response.json()["error"] == f"Bạn gửi nhanh quá. Hãy đợi {wait} giây rồi gửi lại."
        assert response.json()["messages"] == []  # the refusal is not a reply in the chat
    assert rasa.messages() == ["câu hỏi 0", "câu hỏi 1", "câu hỏi 2"]


def test_a_message_refused_as_too_fast_is_taken_when_resent_with_its_id(chat, rasa: FakeRasa,
                                                                         tmp_path: Path) -> None:
    client = chat(max_per_minute="1", rate_window_s="1")
    first = say(client, "một", message_id="m-1")
    body = {"message": "hai", "id": "m-2", "after": first["cursor"]}
    refused = client.post("/api/chat", json=body)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"

    def resent() -> dict | None:  # what the page does after Retry-After, until it is taken
        response = client.post("/api/chat", json=body)
        assert response.status_code in (200, 429), response.text
        return response.json() if response.status_code == 200 else None

    taken = wait_for(resent, 30, "the resend to be taken")
    assert texts_of(taken) == ["Trả lời: hai"]
    assert texts_of(say(client, "hai", after=first["cursor"], message_id="m-2")) == ["Trả lời: hai"]
    assert rasa.messages() == ["một", "hai"]  # answered once, however often it was sent
    with Session(open_store(migrated_url(tmp_path))) as session:
        assert [r.text for r in session.exec(select(InboxMessage)).all()] == ["một", "hai"]


def test_past_the_queue_bound_a_message_is_refused_until_there_is_room(chat, rasa) -> None:
    client = chat(web_max_pending="1", slow_after_s="0.2", web_wait_s="0.3")
    rasa.hold()
    first = say(client, "một", message_id="m-1")
    assert first["pending"] is True
    client.cookies.set("motcua_chat", "khac456")  # another browser
    refused = client.post("/api/chat", json={"message": "hai", "id": "n-1"})
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5" and refused.json()["retry_after"] == 5
    assert refused.json()["error"].startswith("Hệ thống đang quá tải.")
    client.cookies.set("motcua_chat", COOKIE)
    # A resend of a message already taken is never refused: it is the same message.
    assert client.post("/api/chat", json={"message": "một", "id": "m-1"}).status_code == 200
    rasa.release()
    wait_for(lambda: not client.get("/api/chat/updates", params={"after": first["cursor"]})
             .json()["pending"], 30, "the first answer")
    client.cookies.set("motcua_chat", "khac456")
    assert texts_of(say(client, "hai", message_id="n-1")) == ["Trả lời: hai"]
    assert rasa.messages() == ["một", "hai"]


def test_a_locked_database_is_a_503_with_retry_after(chat, rasa: FakeRasa, tmp_path: Path) -> None:
    if backend() != "sqlite":
        pytest.skip("holds SQLite's write lock")
    client = chat()
    say(client, "xin chào")  # the database exists, migrated
    locker = sqlite3.connect(tmp_path / "motcua.db", timeout=1)
    try:
        locker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock past the wait
        response = client.post("/api/chat", json={"message": "giờ làm việc", "id": "m-9"})
    finally:
        locker.rollback()
        locker.close()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "quá tải" in response.json()["error"]
    assert texts_of(say(client, "giờ làm việc", message_id="m-9")) == ["Trả lời: giờ làm việc"]


@pytest.mark.parametrize(("secure", "expected"), [("1", True), ("0", False)])
def test_the_chat_cookie_is_secure_when_the_setting_says_so(chat, monkeypatch, secure: str,
                                                            expected: bool) -> None:
    monkeypatch.setenv("MOTCUA_SECURE_COOKIES", secure)
    client = chat()
    client.cookies.clear()  # a new browser: the server sets the cookie
    response = client.post("/api/chat", json={"message": "xin chào"})
    [cookie] = [h for h in response.headers.get_list("set-cookie") if h.startswith("motcua_chat=")]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes and "samesite=lax" in attributes
    assert ("secure" in attributes) is expected


def test_order_is_kept_while_rasa_is_slow(chat, rasa: FakeRasa) -> None:
    client = chat(slow_after_s="0.2", web_wait_s="0.5")
    rasa.hold()
    first = say(client, "một")
    assert texts_of(first) == [texts.RASA_SLOW] and first["pending"] is True
    cursor = first["cursor"]
    for word in ("hai", "ba"):
        body = say(client, word, after=cursor)
        assert body["pending"] is True and texts_of(body) == [texts.RASA_SLOW]  # a note, not stored
        assert body["messages"][0].get("id") is None
    assert rasa.messages() == ["một"]  # the others wait behind the first
    rasa.release()
    answers: list[str] = []

    def all_answered() -> bool:
        nonlocal cursor
        body = client.get("/api/chat/updates", params={"after": cursor}).json()
        answers.extend(texts_of(body))
        cursor = body["cursor"]
        return len(answers) >= 3 and not body["pending"]

    wait_for(all_answered, 30, "the three answers")
    assert answers == ["Trả lời: một", "Trả lời: hai", "Trả lời: ba"]
    assert rasa.messages() == ["một", "hai", "ba"]


def test_rasa_down_apologises_then_answers_when_it_is_back(chat, rasa: FakeRasa) -> None:
    client = chat()
    rasa.down = True
    first = say(client, "đăng ký khai sinh")
    assert texts_of(first) == [texts.RASA_DOWN] and first["pending"] is True
    second = say(client, "còn gì nữa", after=first["cursor"])
    assert texts_of(second) == [texts.QUEUED]  # one apology; later messages are queued behind it
    cursor = first["cursor"]
    rasa.down = False
    answers: list[str] = []

    def answered() -> bool:
        nonlocal cursor
        body = client.get("/api/chat/updates", params={"after": cursor}).json()
        answers.extend(texts_of(body))
        cursor = body["cursor"]
        return not body["pending"]

    wait_for(answered, 30, "the answers after Rasa came back")
    assert len(answers) == 2, answers
    assert answers[0].startswith("Thủ tục đăng ký khai sinh") and answers[1] == "Trả lời: còn gì nữa"


def test_officer_answers_arrive_through_updates(chat, rasa: FakeRasa) -> None:
    client = chat()
    desk: HandoverDesk = client.app.state.handover
    request = desk.open(f"web-{COOKIE}", "web", "Đăng ký khai sinh", address=COOKIE)  # "gặp cán bộ"
    forwarded = say(client, "Tôi cần hỏi cán bộ")
    assert texts_of(forwarded) == [texts.FORWARDED_TO_OFFICER] and forwarded["handover"] is True
    assert rasa.received == []  # the officer reads it, not the bot
    assert [m.text for m in desk.transcript(request.id)] == ["Tôi cần hỏi cán bộ"]

    desk.claim(request.id, "Nguyễn Thị Lan")
    desk.reply(request.id, "Nguyễn Thị Lan", "Bạn mang giấy chứng sinh nhé.")
    updates = client.get("/api/chat/updates", params={"after": forwarded["cursor"]}).json()
    assert texts_of(updates) == ["Nguyễn Thị Lan đã nhận hỗ trợ bạn.",
                                 "Nguyễn Thị Lan: Bạn mang giấy chứng sinh nhé."]
    assert all(m["officer"] for m in updates["messages"]) and updates["handover"] is True
    again = client.get("/api/chat/updates", params={"after": updates["cursor"]}).json()
    assert again["messages"] == []  # each answer once

    desk.release(request.id, "Nguyễn Thị Lan")
    after = client.get("/api/chat/updates", params={"after": updates["cursor"]}).json()
    assert "Trợ lý Một Cửa tiếp tục" in texts_of(after)[0] and after["handover"] is False
    assert texts_of(say(client, "cảm ơn", after=after["cursor"])) == ["Trả lời: cảm ơn"]


def test_a_reloaded_page_gets_what_came_while_it_was_closed(chat) -> None:
    client = chat()
    desk: HandoverDesk = client.app.state.handover
    request = desk.open(f"web-{COOKIE}", "web", address=COOKIE)
    desk.claim(request.id, "Chị Lan")
    loaded = client.get("/api/chat/updates").json()  # a fresh page starts from cursor 0
    assert texts_of(loaded) == ["Chị Lan đã nhận hỗ trợ bạn."]
    assert client.get("/api/chat/updates").json()["messages"] == []  # not replayed on the next load


def test_assisted_mode_on_the_web_chat(chat, rasa: FakeRasa, tmp_path: Path) -> None:
    client = chat()
    assert texts_of(say(client, "/hotro SAI-MA-123 bà Mai")) == [texts.ASSIST_NOT_HELPER]
    plain = say(client, "hỗ trợ hộ nghèo")  # not a code: an ordinary question for the bot
    assert texts_of(plain) == ["Trả lời: hỗ trợ hộ nghèo"] and plain["assisted"] is None

    opened = say(client, f"/hotro {HELPER_CODE.lower()} bà Lò Thị Mai", after=plain["cursor"])
    code = opened["assisted"]
    assert code and code.startswith("HT-")
    assert texts_of(opened)[0].startswith(f"Đã mở phiên hỗ trợ {code} cho bà Lò Thị Mai (Nguyễn Thị Lan)")
    card_line = say(client, "đăng ký khai sinh", after=opened["cursor"])
    filed = say(client, "gửi phản ánh đường hỏng", after=card_line["cursor"])
    assert card_line["assisted"] == code
    asked = rasa.received[-2]
    assert asked["sender"] == f"assisted-{code}"
    assert asked["metadata"]["assisted"]["helper_name"] == "Nguyễn Thị Lan"
    assert asked["metadata"]["assisted"]["citizen"] == "bà Lò Thị Mai"

    closed = say(client, "kết thúc hỗ trợ", after=filed["cursor"])
    [card] = texts_of(closed)
    assert card.startswith(f"PHIẾU HỖ TRỢ {code}") and "Người dân: bà Lò Thị Mai" in card
    assert "1.001193" in card and rasa.tracking_code in card
    assert closed["assisted"] is None
    assert texts_of(say(client, "/xong", after=closed["cursor"])) == [texts.ASSIST_NONE_OPEN]
    # The helper's code is a password: never sent to Rasa, never stored.
    assert HELPER_CODE.lower() not in json.dumps(rasa.received).lower()
    with Session(open_store(migrated_url(tmp_path))) as session:
        record = session.exec(select(AssistedSession)).one()
        stored = json.dumps([record.model_dump(mode="json")]).lower()
        inbox = json.dumps([r.text for r in session.exec(select(InboxMessage)).all()]).lower()
    assert HELPER_CODE.lower() not in stored and HELPER_CODE.lower() not in inbox
