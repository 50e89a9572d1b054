"""An officer asks for information; the citizen answers, through the service and from the web
lookup page; the officer sees the answer and the petition is back in their queue."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from feedback.db import session_scope
from feedback.models import Attachment, AuditEvent, Petition
from feedback.service import Contact, FeedbackError, NotFound, PetitionInput, Photo
from feedback.validation import INFO_EMPTY
from tests.feedback.conftest import csrf_of, login

ROAD = "Đường thôn Nà Lầy bị sụt lún, nhiều ổ gà lớn, xe máy đi lại rất nguy hiểm."
QUESTION = "Bạn cho biết đoạn đường cụ thể (gần nhà ai, cột điện số mấy)."
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


def file(service, text: str = ROAD) -> Petition:
    filed = service.file_petition(PetitionInput(
        description=text, location_text="phường Kỳ Lừa",
        contact=Contact(consent=True, notify_channel="telegram", notify_address="42")))
    with session_scope(service.engine) as s:
        return s.exec(select(Petition).where(Petition.code == filed.code)).one()


def stored(service, pid: int) -> Petition:
    with session_scope(service.engine) as s:
        return s.get(Petition, pid)


def events(service, pid: int) -> list[AuditEvent]:
    with session_scope(service.engine) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.petition_id == pid)
                           .order_by(col(AuditEvent.id))))


def test_the_request_tells_the_citizen_how_to_answer(service, officers, notices):
    p = file(service)
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    messages = [n.text for n in notices.queued if n.code == p.code]
    assert len(messages) == 1
    assert QUESTION in messages[0] and f"Bổ sung {p.code}" in messages[0]
    status = service.lookup(p.code)
    assert status.can_add_info and status.status_note == QUESTION


def test_text_and_photo_answer_the_request_and_are_audited(service, officers):
    p = file(service)
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    status = service.citizen_add_info(p.code.lower(), "Đoạn gần cột điện số 14",
                                      Photo("o-ga.jpg", "image/jpeg", JPEG), channel="telegram")
    assert status.status == "accepted" and not status.can_add_info
    assert status.status_note is None  # the question is answered
    after = stored(service, p.id)
    assert "cột điện số 14" in after.description
    last = events(service, p.id)[-1]
    assert (last.actor, last.action, last.from_status, last.to_status) == (
        "citizen", "add_info", "info_requested", "accepted")
    detail = json.loads(last.detail)
    assert detail["text"] == "Đoạn gần cột điện số 14" and detail["channel"] == "telegram"
    with session_scope(service.engine) as s:
        photo = s.get(Attachment, detail["attachment_id"])
        assert photo.petition_id == p.id and photo.data == JPEG


def test_a_photo_alone_is_an_answer(service, officers):
    p = file(service)
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    assert service.citizen_add_info(p.code, "", Photo("a.png", "image/png", JPEG)).status == "accepted"


def test_refusals_change_nothing(service, officers):
    p = file(service)
    with pytest.raises(NotFound):
        service.citizen_add_info("PA-2222222", "Đoạn gần chợ")
    with pytest.raises(FeedbackError, match="không chờ bổ sung"):
        service.citizen_add_info(p.code, "Đoạn gần chợ")  # nobody asked
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    with pytest.raises(FeedbackError) as empty:
        service.citizen_add_info(p.code, "  ?! ")
    assert str(empty.value) == INFO_EMPTY
    with pytest.raises(FeedbackError, match="JPEG"):
        service.citizen_add_info(p.code, "Ảnh đây", Photo("a.gif", "image/gif", b"GIF89a"))
    assert stored(service, p.id).status == "info_requested"
    assert [e.action for e in events(service, p.id)] == ["file", "request_info"]


def test_a_merged_duplicate_adds_nothing_of_its_own(service, officers):
    original = file(service)
    copy = file(service, "Đường thôn Nà Lầy sụt lún, có nhiều ổ gà lớn, đi xe máy rất nguy hiểm!")
    assert stored(service, copy.id).duplicate_of_id == original.id
    service.act(officers["kylua"], original.id, "request_info", QUESTION)
    assert not service.lookup(copy.code).can_add_info
    with pytest.raises(FeedbackError):
        service.citizen_add_info(copy.code, "Đoạn gần chợ")


def test_round_trip_through_the_console_and_the_lookup_page(app, client, service, officers):
    p = file(service)
    login(client, "kylua")
    token = csrf_of(client.get(f"/can-bo/phan-anh/{p.id}").text)
    client.post(f"/can-bo/phan-anh/{p.id}/xu-ly",
                data={"csrf_token": token, "action": "request_info", "text": QUESTION})
    assert stored(service, p.id).status == "info_requested"

    citizen = TestClient(app)  # no officer cookie
    page = citizen.get(f"/phan-anh/tra-cuu?ma={p.code}").text
    assert "Cơ quan cần bạn bổ sung thông tin" in page and "cột điện số mấy" in page
    info_token = re.search(r'name="info_token" value="([^"]+)"', page).group(1)
    url = f"/phan-anh/{p.code}/bo-sung"

    forged = citizen.post(url, data={"text": "Đoạn gần cột điện số 14"})
    assert forged.status_code == 403 and stored(service, p.id).status == "info_requested"
    other = file(service, "Mất nước sinh hoạt ba ngày nay ở khu phố chợ.")
    service.act(officers["quantri"], other.id, "request_info", QUESTION)
    stolen = citizen.post(f"/phan-anh/{other.code}/bo-sung",
                          data={"info_token": info_token, "text": "Đoạn gần cột điện số 14"})
    assert stolen.status_code == 403  # a token is good for its own code only
    empty = citizen.post(url, data={"info_token": info_token, "text": " "})
    assert empty.status_code == 400 and INFO_EMPTY in empty.text
    assert citizen.post("/phan-anh/PA-2222222/bo-sung",
                        data={"info_token": info_token, "text": "x"}).status_code == 404

    sent = citizen.post(url, data={"info_token": info_token, "text": "Đoạn gần cột điện số 14"},
                        files={"photo": ("o-ga.jpg", JPEG, "image/jpeg")})
    assert sent.status_code == 200 and "Đã gửi thông tin bổ sung" in sent.text
    assert 'name="info_token"' not in sent.text  # nothing more to add
    again = citizen.post(url, data={"info_token": info_token, "text": "Thêm nữa"})
    assert again.status_code == 400 and "không chờ bổ sung" in again.text

    # The officer: the petition is back in the queue, its page shows the answer and the photo.
    assert p.code in client.get("/can-bo/?trang_thai=accepted").text
    officer_page = client.get(f"/can-bo/phan-anh/{p.id}").text
    assert "Đang xử lý" in officer_page and "Người dân bổ sung thông tin" in officer_page
    assert "Đoạn gần cột điện số 14" in officer_page
    photo_id = json.loads(events(service, p.id)[-1].detail)["attachment_id"]
    assert f'src="/can-bo/anh/{photo_id}"' in officer_page
    assert client.get(f"/can-bo/anh/{photo_id}").content == JPEG
    assert citizen.get(f"/can-bo/anh/{photo_id}", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(("path", "data", "files", "expected"), [
    ("{code}", {"text": "x" * 10_000}, None, 400),
    ("{code}", {"text": "ảnh"}, {"photo": ("a.jpg", b"<svg onload=alert(1)>", "image/svg+xml")}, 400),
    ("PA-..%2F..", {"text": "Đoạn gần chợ"}, None, 404),
    ("{code}", {"info_token": "a" * 5000, "text": "Đoạn gần chợ"}, None, 403),
    # Harmless once cleaned: an empty file field is no photo, markup is text shown escaped.
    ("{code}", {"text": "ảnh"}, {"photo": ("", b"", "application/octet-stream")}, 200),
    ("{code}", {"text": "\x00\x07<script>alert(1)</script>"}, None, 200),
])
def test_hostile_posts_do_no_harm(app, client, service, officers, path, data, files, expected):
    p = file(service)
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    citizen = TestClient(app)
    page = citizen.get(f"/phan-anh/tra-cuu?ma={p.code}").text
    form = {"info_token": re.search(r'name="info_token" value="([^"]+)"', page).group(1), **data}
    response = citizen.post(f"/phan-anh/{path.format(code=p.code)}/bo-sung", data=form, files=files)
    assert response.status_code == expected
    assert stored(service, p.id).status == ("accepted" if expected == 200 else "info_requested")
    login(client, "kylua")
    for html in (response.text, client.get(f"/can-bo/phan-anh/{p.id}").text):
        assert "<script>alert" not in html and "<svg onload" not in html
    with session_scope(service.engine) as s:
        assert s.exec(select(Attachment)).first() is None
