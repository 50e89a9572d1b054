"""An officer who edits an id in the URL or a form gets nothing of another unit's petition.

tests/feedback covers the service-level rule (``act`` refuses another unit). Here we go through
every console URL that takes an id, with a real login and a valid CSRF token, and check both the
response (no content, same answer as for a missing id) and the database (nothing changed).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from feedback.models import Attachment, AuditEvent, Petition
from feedback.service import Contact, PetitionInput, Photo
from tests.hardening.conftest import OfficerClient, Web, assert_no_crash

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
       b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
SECRET_TEXT = "Cống thoát nước trước nhà văn hoá khu Mai Pha bị tắc, nước tràn vào nhà dân."
SECRET_PHONE = "0912 777 888"


@pytest.fixture(scope="module")
def setup(web: Web) -> dict:
    """A petition at the Kỳ Lừa ward, with a photo; officers of Kỳ Lừa and of Đông Kinh."""
    code = web.service.file_petition(_input(SECRET_TEXT, "phường Kỳ Lừa")).code
    with Session(web.service.engine) as session:
        petition = session.exec(select(Petition).where(Petition.code == code)).one()
        photo = session.exec(select(Attachment).where(Attachment.petition_id == petition.id)).one()
    assert petition.unit_id == "ubnd-phuong-ky-lua"  # precondition: the routing put it there
    return {
        "id": petition.id, "code": code, "photo": photo.id,
        "owner": web.officer_client("ac.kylua", "ubnd-phuong-ky-lua"),
        "other": web.officer_client("ac.dongkinh", "ubnd-phuong-dong-kinh"),
        "other_lead": web.officer_client("ac.dongkinh.lead", "ubnd-phuong-dong-kinh", role="lead"),
        "triage_lead": web.officer_client("ac.dienluc.lead", "dien-luc-lang-son", role="lead"),
    }


def _input(text: str, location: str) -> PetitionInput:
    return PetitionInput(description=text, location_text=location, channel="web",
                         contact=Contact(True, "Lý Văn Kiên", SECRET_PHONE, "kien@example.vn"),
                         photo=Photo("cong.png", "image/png", PNG))


def _snapshot(web: Web, pid: int) -> tuple:
    with Session(web.service.engine) as session:
        p = session.get(Petition, pid)
        photo = session.exec(select(Attachment).where(Attachment.petition_id == pid)).one()
        events = len(session.exec(select(AuditEvent).where(AuditEvent.petition_id == pid)).all())
        return (p.status, p.unit_id, p.answer, p.status_note, p.text_hidden, photo.hidden, events)


def _assert_nothing_shown(response, setup: dict) -> None:
    assert_no_crash(response)
    assert response.status_code in (303, 403, 404), response.status_code
    for secret in (SECRET_TEXT, SECRET_PHONE, "Lý Văn Kiên", "kien@example.vn", setup["code"]):
        assert secret not in response.text


def test_the_owner_unit_does_see_it(setup: dict) -> None:
    """Control: the same requests by the right unit succeed, so refusals below mean something."""
    owner: OfficerClient = setup["owner"]
    page = owner.client.get(f"/can-bo/phan-anh/{setup['id']}")
    assert page.status_code == 200 and SECRET_TEXT in page.text
    assert owner.client.get(f"/can-bo/anh/{setup['photo']}").content == PNG
    assert setup["code"] in owner.client.get("/can-bo/").text


@pytest.mark.parametrize("who", ["other", "other_lead", "triage_lead"])
def test_reading_another_units_petition_by_id(web: Web, setup: dict, who: str) -> None:
    intruder: OfficerClient = setup[who]
    for url in (f"/can-bo/phan-anh/{setup['id']}", f"/can-bo/anh/{setup['photo']}",
                f"/can-bo/phan-anh/{setup['id']}?loi=x", "/can-bo/", "/can-bo/?trang_thai=received",
                "/can-bo/?qua_han=1", "/can-bo/thong-ke"):
        response = intruder.client.get(url, follow_redirects=False)
        assert_no_crash(response)
        for secret in (SECRET_TEXT, SECRET_PHONE, "Lý Văn Kiên", setup["code"]):
            assert secret not in response.text, (url, secret)
    missing = intruder.client.get("/can-bo/phan-anh/987654")
    theirs = intruder.client.get(f"/can-bo/phan-anh/{setup['id']}")
    assert (theirs.status_code, theirs.text) == (missing.status_code, missing.text)  # no existence leak


@pytest.mark.parametrize("who", ["other", "other_lead", "triage_lead"])
@pytest.mark.parametrize("action,fields", [
    ("accept", {}),
    ("request_info", {"text": "Gửi thêm ảnh"}),
    ("answer", {"text": "Đã xử lý xong"}),
    ("reject", {"text": "Không thuộc thẩm quyền"}),
    ("transfer", {"text": "Chuyển về đơn vị tôi", "to_unit": "ubnd-phuong-dong-kinh"}),
    ("close", {}),
])
def test_changing_another_units_petition_by_id(web: Web, setup: dict, who: str, action: str, fields: dict) -> None:
    before = _snapshot(web, setup["id"])
    response = setup[who].post(f"/can-bo/phan-anh/{setup['id']}/xu-ly", action=action, **fields)
    _assert_nothing_shown(response, setup)
    assert _snapshot(web, setup["id"]) == before


@pytest.mark.parametrize("who", ["other", "other_lead"])
@pytest.mark.parametrize("target", ["text", "photo"])
def test_hiding_another_units_content_by_id(web: Web, setup: dict, who: str, target: str) -> None:
    before = _snapshot(web, setup["id"])
    extra = {"attachment_id": str(setup["photo"])} if target == "photo" else {}
    response = setup[who].post(f"/can-bo/phan-anh/{setup['id']}/an-hien", hide="1",
                               reason="Nội dung vi phạm", **extra)
    _assert_nothing_shown(response, setup)
    assert _snapshot(web, setup["id"]) == before


def test_an_attachment_id_cannot_be_borrowed_through_ones_own_petition(web: Web, setup: dict) -> None:
    """Own petition id in the URL, another unit's photo id in the form: refused, photo untouched."""
    own = web.service.file_petition(_input("Đèn đường ở tổ dân phố 5 không sáng đã hơn hai tuần.",
                                           "phường Đông Kinh")).code
    with Session(web.service.engine) as session:
        own_id = session.exec(select(Petition.id).where(Petition.code == own)).one()
    before = _snapshot(web, setup["id"])
    response = setup["other"].post(f"/can-bo/phan-anh/{own_id}/an-hien", hide="1", reason="Ảnh vi phạm",
                                   attachment_id=str(setup["photo"]))
    assert_no_crash(response)
    assert _snapshot(web, setup["id"]) == before


def test_a_forged_or_foreign_session_gets_the_login_page(web: Web, setup: dict) -> None:
    other: OfficerClient = setup["other"]
    cookie = other.client.cookies.get("motcua_can_bo")
    assert cookie
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    for value in (forged, "", "eyJvaWQiOjF9", cookie + "x"):
        stranger = TestClient(web.client.app, raise_server_exceptions=False, cookies={"motcua_can_bo": value})
        response = stranger.get(f"/can-bo/phan-anh/{setup['id']}", follow_redirects=False)
        _assert_nothing_shown(response, setup)
        assert response.status_code == 303


def test_a_valid_session_cannot_use_another_sessions_csrf_token(web: Web, setup: dict) -> None:
    owner, other = setup["owner"], setup["other"]
    before = _snapshot(web, setup["id"])
    response = owner.client.post(f"/can-bo/phan-anh/{setup['id']}/xu-ly",
                                 data={"csrf_token": other.csrf, "action": "accept"}, follow_redirects=False)
    assert response.status_code == 403
    assert _snapshot(web, setup["id"]) == before
