"""The officers' dead-letter page (/can-bo/tin-loi) in the real web app: admins only, addresses
masked, reasons in Vietnamese, "Gửi lại" queues a copy, channel alerts shown."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from bot.channels.alerts import raise_alert
from bot.channels.outbox import queue
from bot.channels.records import OutboxMessage, utcnow
from bot.channels.store import open_store
from bot.rasa_client import BotMessage
from feedback.auth import create_officer
from feedback.db import session_scope
from feedback.lifecycle import Role
from motcua.settings import Settings
from motcua.web import create_app
from tests.conftest import free_port
from tests.support.database import migrated_url

PASSWORD = "mat-khau-rat-dai-2026"
PHONE = "0912345678"


def _login(client: TestClient, username: str) -> None:
    page = client.get("/can-bo/dang-nhap").text
    token = re.search(r'name="login_token" value="([^"]+)"', page).group(1)
    answer = client.post("/can-bo/dang-nhap", follow_redirects=False,
                         data={"username": username, "password": PASSWORD, "login_token": token})
    assert answer.status_code == 303


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _dead_letter(engine, channel: str, address: str, text: str, code: str, hint: str | None) -> int:
    with session_scope(engine) as session:
        queue(session, channel, address, [BotMessage(text=text)], "notice")
        session.flush()
        row = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id).desc())).first()
        row.state, row.error_code, row.error_reason, row.error_hint = "dead", code, "refused", hint
        row.failed_at = utcnow()
        session.add(row)
        return row.id


def test_admins_see_masked_dead_letters_and_send_them_again(tmp_path: Path) -> None:
    app = create_app(Settings(rasa_port=free_port(), data_dir=tmp_path, db_url=migrated_url(tmp_path)))
    channels = open_store(migrated_url(tmp_path))
    blocked = _dead_letter(channels, "telegram", "987654321", f"Phản ánh PA-7K3Q9M, gọi {PHONE}",
                           "403", "Người dân đã chặn bot Telegram.")
    _dead_letter(channels, "zns", "84912345678", "Phản ánh PA-AB12CD", "-118", None)
    raise_alert(channels, "zalo-token", "zalo", "Không làm mới được mã truy cập Zalo OA.")
    with TestClient(app) as admin, TestClient(app) as officer:
        feedback = app.state.feedback
        create_officer(feedback.engine, feedback.directory, "quantri", "Trần Quản Trị", PASSWORD,
                       Role.ADMIN, "van-phong-ubnd-tinh")
        create_officer(feedback.engine, feedback.directory, "canbo", "Lê Cán Bộ", PASSWORD,
                       Role.OFFICER, "van-phong-ubnd-tinh")
        assert admin.get("/can-bo/tin-loi", follow_redirects=False).status_code == 303  # login first
        _login(admin, "quantri")
        _login(officer, "canbo")

        page = admin.get("/can-bo/tin-loi").text
        assert "Người dân đã chặn bot Telegram." in page and "mã 403" in page
        assert "mã -118" in page and "Nền tảng từ chối tin nhắn (mã -118)" in page  # no hint: generic
        assert "Không làm mới được mã truy cập Zalo OA." in page
        assert "987654321" not in page and "•321" in page  # the chat id, masked
        assert "84912345678" not in page and PHONE not in page and "PA-7K3Q9M" in page
        assert 'href="/can-bo/tin-loi"' in page  # the admin's menu leads here

        refused = officer.get("/can-bo/tin-loi")
        assert refused.status_code == 403 and "quản trị viên" in refused.text
        assert "987654321" not in refused.text and 'href="/can-bo/tin-loi"' not in refused.text

        action = f"/can-bo/tin-loi/{blocked}/gui-lai"
        assert admin.post(action, data={}).status_code == 403  # no CSRF token
        done = admin.post(action, data={"csrf_token": _csrf(page)})
        assert done.status_code == 200 and f"Đã xếp tin #{blocked}" in done.text
        again = admin.post(action, data={"csrf_token": _csrf(page)})
        assert f"Tin #{blocked} đã được gửi lại trước đó" in again.text

    with Session(channels) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.address == "987654321")
                            .order_by(col(OutboxMessage.id))).all()
    assert [(r.state, r.kind) for r in rows] == [("requeued", "notice"), ("pending", "notice")]
    assert rows[0].body == rows[1].body


def test_the_page_masks_personal_data_in_every_usual_form(tmp_path: Path) -> None:
    # Phones written the ways citizens and officers write them, a CCCD number, an e-mail: none
    # may reach the page, in the message excerpt or in the recipient column.
    app = create_app(Settings(rasa_port=free_port(), data_dir=tmp_path, db_url=migrated_url(tmp_path)))
    channels = open_store(migrated_url(tmp_path))
    personal = ["0912 345 678", "+84 912.345.678", "091-234-5678", "84912345678", "001099012345",
                "dan.nguyen@example.com"]
    text = ("Phản ánh PA-7K3Q9M đã có kết quả. Liên hệ 0912 345 678 hoặc +84 912.345.678, "
            "091-234-5678; CCCD 001099012345; thư dan.nguyen@example.com")
    _dead_letter(channels, "zalo", "7071234567890", text, "-213", None)
    _dead_letter(channels, "zns", "84912345678", "Gọi lại số 0987.654.321 giúp tôi", "-118", None)
    # A filing receipt that could not be delivered: its key lets anyone add to the petition.
    _dead_letter(channels, "telegram", "424242", "Đã nhận phản ánh PA-7K3Q9M. Mã bí mật: K7QM-3XPA",
                 "403", None)
    with TestClient(app) as admin:
        feedback = app.state.feedback
        create_officer(feedback.engine, feedback.directory, "quantri", "Trần Quản Trị", PASSWORD,
                       Role.ADMIN, "van-phong-ubnd-tinh")
        _login(admin, "quantri")
        page = admin.get("/can-bo/tin-loi").text
    assert "PA-7K3Q9M" in page and "Phản ánh" in page  # the gist stays readable
    for value in [*personal, "0987.654.321", "7071234567890", "K7QM-3XPA"]:
        assert value not in page, value
    assert page.count("[số điện thoại]") == 4 and "[số giấy tờ]" in page and "[email]" in page
    assert "•890" in page and "•678" in page  # recipients: enough to tell apart
