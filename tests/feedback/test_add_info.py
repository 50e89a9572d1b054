"""An officer asks for information; the citizen answers, through the service and from the web
lookup page; the officer sees the answer and the petition is back in their queue. Codes are public,
so only the chat that filed the petition, or whoever holds its receipt key, may answer."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlmodel import col, select

from feedback.db import session_scope
from feedback.models import Attachment, AuditEvent, KeyAttempt, Petition
from feedback.deadlines import utcnow
from feedback.receipts import ChatIdentity
from feedback.service import (
    KEY_LOCK, MAX_KEY_FAILURES, MAX_PETITION_KEY_FAILURES, Contact, FeedbackError, KeyLocked, NotFound, NotTheFiler,
    PetitionInput, Photo, WrongKey,
)
from feedback.validation import INFO_EMPTY
from tests.feedback.conftest import csrf_of, login

ROAD = "Đường thôn Nà Lầy bị sụt lún, nhiều ổ gà lớn, xe máy đi lại rất nguy hiểm."
QUESTION = "Bạn cho biết đoạn đường cụ thể (gần nhà ai, cột điện số mấy)."
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
OWNER = ChatIdentity("telegram", "42")  # the chat the petitions are filed from
KEYS: dict[str, str] = {}  # each test petition's receipt key, as the citizen received it


def file(service, text: str = ROAD, filed_from: ChatIdentity | None = OWNER,
         notified: bool = True) -> Petition:
    filed = service.file_petition(PetitionInput(
        description=text, location_text="phường Kỳ Lừa", filed_from=filed_from,
        contact=Contact(consent=True, notify_channel="telegram", notify_address="42")
        if notified else None))
    KEYS[filed.code] = filed.receipt_key
    with session_scope(service.engine) as s:
        return s.exec(select(Petition).where(Petition.code == filed.code)).one()


def key_of(p: Petition) -> str:
    return KEYS[p.code]


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
                                      Photo("o-ga.jpg", "image/jpeg", JPEG), channel="telegram",
                                      chat=OWNER)
    assert status.status == "accepted" and not status.can_add_info
    assert status.status_note is None  # the question is answered
    after = stored(service, p.id)
    assert "cột điện số 14" in after.description
    last = events(service, p.id)[-1]
    assert (last.actor, last.action, last.from_status, last.to_status) == (
        "citizen", "add_info", "info_requested", "accepted")
    detail = json.loads(last.detail)
    assert detail["text"] == "Đoạn gần cột điện số 14" and detail["channel"] == "telegram"
    assert detail["proof"] == "chat"
    with session_scope(service.engine) as s:
        photo = s.get(Attachment, detail["attachment_id"])
        assert photo.petition_id == p.id and photo.data == JPEG


def test_a_photo_alone_is_an_answer(service, officers):
    p = file(service)
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    assert service.citizen_add_info(p.code, "", Photo("a.png", "image/png", JPEG),
                                    receipt_key=key_of(p)).status == "accepted"


def test_refusals_change_nothing(service, officers):
    p = file(service)
    with pytest.raises(NotFound):
        service.citizen_add_info("PA-2222222", "Đoạn gần chợ", receipt_key=key_of(p))
    with pytest.raises(FeedbackError, match="không chờ bổ sung"):
        service.citizen_add_info(p.code, "Đoạn gần chợ", chat=OWNER)  # nobody asked
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    with pytest.raises(FeedbackError) as empty:
        service.citizen_add_info(p.code, "  ?! ", chat=OWNER)
    assert str(empty.value) == INFO_EMPTY
    with pytest.raises(FeedbackError, match="JPEG"):
        service.citizen_add_info(p.code, "Ảnh đây", Photo("a.gif", "image/gif", b"GIF89a"),
                                 receipt_key=key_of(p))
    assert stored(service, p.id).status == "info_requested"
    assert [e.action for e in events(service, p.id)] == ["file", "request_info"]


def test_a_merged_duplicate_adds_nothing_of_its_own(service, officers):
    original = file(service)
    copy = file(service, "Đường thôn Nà Lầy sụt lún, có nhiều ổ gà lớn, đi xe máy rất nguy hiểm!")
    assert stored(service, copy.id).duplicate_of_id == original.id
    service.act(officers["kylua"], original.id, "request_info", QUESTION)
    assert not service.lookup(copy.code).can_add_info
    with pytest.raises(FeedbackError, match="không chờ bổ sung"):
        service.citizen_add_info(copy.code, "Đoạn gần chợ", chat=OWNER)


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
    assert 'name="ma_bi_mat"' in page
    info_token = re.search(r'name="info_token" value="([^"]+)"', page).group(1)
    url = f"/phan-anh/{p.code}/bo-sung"
    key = key_of(p)

    forged = citizen.post(url, data={"ma_bi_mat": key, "text": "Đoạn gần cột điện số 14"})
    assert forged.status_code == 403 and stored(service, p.id).status == "info_requested"
    other = file(service, "Mất nước sinh hoạt ba ngày nay ở khu phố chợ.")
    service.act(officers["quantri"], other.id, "request_info", QUESTION)
    stolen = citizen.post(f"/phan-anh/{other.code}/bo-sung", data={
        "info_token": info_token, "ma_bi_mat": key_of(other), "text": "Đoạn gần cột điện số 14"})
    assert stolen.status_code == 403  # a token is good for its own code only
    # The code alone, or with another petition's key, is not enough: the typed text is kept.
    for guess in ("", key_of(other)):
        wrong = citizen.post(url, data={"info_token": info_token, "ma_bi_mat": guess,
                                        "text": "Đoạn gần cột điện số 14"})
        assert wrong.status_code == 403 and "Mã bí mật chưa đúng" in wrong.text
        assert "Đoạn gần cột điện số 14" in wrong.text and key not in wrong.text
    assert stored(service, p.id).status == "info_requested"
    empty = citizen.post(url, data={"info_token": info_token, "ma_bi_mat": key, "text": " "})
    assert empty.status_code == 400 and INFO_EMPTY in empty.text
    assert citizen.post("/phan-anh/PA-2222222/bo-sung",
                        data={"info_token": info_token, "ma_bi_mat": key, "text": "x"}).status_code == 404

    typed = f" {key[:4].lower()} - {key[4:]} "  # as read off a phone: case and spacing do not matter
    sent = citizen.post(url, data={"info_token": info_token, "ma_bi_mat": typed,
                                   "text": "Đoạn gần cột điện số 14"},
                        files={"photo": ("o-ga.jpg", JPEG, "image/jpeg")})
    assert sent.status_code == 200 and "Đã gửi thông tin bổ sung" in sent.text
    assert 'name="info_token"' not in sent.text  # nothing more to add
    assert json.loads(events(service, p.id)[-1].detail)["proof"] == "receipt_key"
    again = citizen.post(url, data={"info_token": info_token, "ma_bi_mat": key, "text": "Thêm nữa"})
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
    form = {"info_token": re.search(r'name="info_token" value="([^"]+)"', page).group(1),
            "ma_bi_mat": key_of(p), **data}
    response = citizen.post(f"/phan-anh/{path.format(code=p.code)}/bo-sung", data=form, files=files)
    assert response.status_code == expected
    assert stored(service, p.id).status == ("accepted" if expected == 200 else "info_requested")
    login(client, "kylua")
    for html in (response.text, client.get(f"/can-bo/phan-anh/{p.id}").text):
        assert "<script>alert" not in html and "<svg onload" not in html
    with session_scope(service.engine) as s:
        assert s.exec(select(Attachment)).first() is None


def test_only_the_chat_that_filed_may_add_information(service, officers):
    p = file(service)
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    others = [ChatIdentity("telegram", "43"),  # another chat
              ChatIdentity("zalo", "42"),  # the same id on another platform
              ChatIdentity("telegram", "43", helper_id="ma-helper")]  # a helper who did not file it
    refusals = []
    for stranger in others:
        with pytest.raises(NotTheFiler) as refused:
            service.citizen_add_info(p.code, "Đoạn gần chợ", chat=stranger)
        refusals.append(str(refused.value))
    with pytest.raises(NotTheFiler) as unknown:  # a well-formed code of no petition
        service.citizen_add_info("PA-222222", "Đoạn gần chợ", chat=OWNER)
    assert set(refusals) == {str(unknown.value)}  # the same words: nothing about the code
    with pytest.raises(NotTheFiler):
        service.status_for_filer(p.code, others[0])
    assert stored(service, p.id).status == "info_requested"
    assert [e.action for e in events(service, p.id)] == ["file", "request_info"]
    assert "Đoạn gần chợ" not in stored(service, p.id).description

    assert service.status_for_filer(p.code, OWNER).can_add_info
    assert service.citizen_add_info(p.code, "Đoạn gần chợ", chat=OWNER).status == "accepted"


def test_the_helper_who_filed_in_assisted_mode_may_add_information(service, officers):
    """The petition belongs to the helper, in any later session, and not to the shared laptop."""
    laptop = ChatIdentity("web", "cookie-of-the-commune-laptop", helper_id="ma-0a1b2c")
    p = file(service, filed_from=laptop)
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    for stranger in (ChatIdentity("web", "cookie-of-the-commune-laptop"),  # next citizen, same laptop
                     ChatIdentity("web", "cookie-of-the-commune-laptop", helper_id="ma-ffffff")):
        with pytest.raises(NotTheFiler):
            service.citizen_add_info(p.code, "Đoạn gần chợ", chat=stranger)
    later = ChatIdentity("telegram", "777", helper_id="ma-0a1b2c")  # a new session, elsewhere
    assert service.citizen_add_info(p.code, "Đoạn gần chợ", chat=later).status == "accepted"


def test_petitions_filed_before_owners_were_kept(app, service, officers):
    """They have no owner and no key (migration 0005): the chat they notify may still add."""
    notified = file(service)
    anonymous = file(service, "Mất nước sinh hoạt ba ngày nay ở khu phố chợ.", notified=False)
    with session_scope(service.engine) as s:
        s.exec(update(Petition).values(owner_hash=None, receipt_key_hash=None))
    for p in (notified, anonymous):
        service.act(officers["quantri"], p.id, "request_info", QUESTION)
        with pytest.raises(WrongKey, match="trước khi có mã bí mật"):
            service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=key_of(p))
        page = TestClient(app).get(f"/phan-anh/tra-cuu?ma={p.code}").text
        assert "trước khi có mã bí mật" in page and 'name="ma_bi_mat"' not in page
    with pytest.raises(NotTheFiler):
        service.citizen_add_info(notified.code, "Đoạn gần chợ", chat=ChatIdentity("telegram", "43"))
    with pytest.raises(NotTheFiler):
        service.citizen_add_info(anonymous.code, "Đoạn gần chợ", chat=OWNER)
    assert service.citizen_add_info(notified.code, "Đoạn gần chợ", chat=OWNER).status == "accepted"


def _wrong(key: str) -> str:
    """Another valid-looking key: every character shifted one place in the alphabet."""
    from feedback.codes import ALPHABET
    return "".join(ALPHABET[(ALPHABET.index(c) + 1) % len(ALPHABET)] for c in key)


def test_a_guesser_is_locked_out_not_the_citizen(service, officers):
    """Codes are public: five wrong keys lock the client who typed them, for a while; the citizen
    with the right key, and every other petition, are not held up."""
    p, bystander = file(service), file(service, "Mất nước sinh hoạt ba ngày nay ở khu phố chợ.")
    for q in (p, bystander):
        service.act(officers["quantri"], q.id, "request_info", QUESTION)
    for _ in range(MAX_KEY_FAILURES):
        with pytest.raises(WrongKey) as wrong:
            service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=_wrong(key_of(p)),
                                     client="203.0.113.9")
        assert not isinstance(wrong.value, KeyLocked)
    with pytest.raises(KeyLocked, match="quá nhiều lần"):  # even the right key, from there
        service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=key_of(p), client="203.0.113.9")
    assert stored(service, p.id).status == "info_requested"
    with session_scope(service.engine) as s:  # the address itself is not kept
        assert "203.0.113.9" not in str(s.exec(select(KeyAttempt)).all())
    assert service.citizen_add_info(bystander.code, "Số nhà 12", receipt_key=key_of(bystander),
                                    client="203.0.113.9").status == "accepted"
    # The citizen, from their own phone, is not locked out by the stranger.
    assert service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=key_of(p),
                                    client="198.51.100.7").status == "accepted"
    assert (stored(service, p.id).key_failures, stored(service, p.id).key_failed_at) == (0, None)


def test_the_guesser_s_lock_ends(service, officers):
    p = file(service)
    service.act(officers["quantri"], p.id, "request_info", QUESTION)
    for _ in range(MAX_KEY_FAILURES):
        with pytest.raises(WrongKey):
            service.citizen_add_info(p.code, "x" * 12, receipt_key=_wrong(key_of(p)), client="a")
    with session_scope(service.engine) as s:
        s.exec(update(KeyAttempt).values(failed_at=utcnow() - KEY_LOCK - timedelta(minutes=1)))
    assert service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=key_of(p),
                                    client="a").status == "accepted"


def test_guessing_from_many_addresses_locks_the_petition(service, officers):
    p = file(service)
    service.act(officers["quantri"], p.id, "request_info", QUESTION)
    for n in range(MAX_PETITION_KEY_FAILURES):
        with pytest.raises(WrongKey) as wrong:
            service.citizen_add_info(p.code, "x" * 12, receipt_key=_wrong(key_of(p)), client=f"c{n}")
        assert not isinstance(wrong.value, KeyLocked)
    with pytest.raises(KeyLocked):
        service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=key_of(p), client="new")
    with session_scope(service.engine) as s:
        s.exec(update(Petition).where(Petition.id == p.id)
               .values(key_failed_at=utcnow() - KEY_LOCK - timedelta(minutes=1)))
    assert service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=key_of(p),
                                    client="new").status == "accepted"


def test_wrong_keys_on_the_page_are_refused_then_limited(app, service, officers):
    p = file(service)
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    citizen = TestClient(app)
    page = citizen.get(f"/phan-anh/tra-cuu?ma={p.code}").text
    form = {"info_token": re.search(r'name="info_token" value="([^"]+)"', page).group(1),
            "text": "Đoạn gần chợ"}
    url = f"/phan-anh/{p.code}/bo-sung"
    codes = [citizen.post(url, data={**form, "ma_bi_mat": _wrong(key_of(p))}).status_code
             for _ in range(MAX_KEY_FAILURES)]
    assert codes == [403] * MAX_KEY_FAILURES
    locked = citizen.post(url, data={**form, "ma_bi_mat": key_of(p)})
    assert locked.status_code == 429 and "thử lại sau 1 giờ" in locked.text
    assert f"Bổ sung {p.code}" in locked.text  # the next step: the chat that filed it
    assert stored(service, p.id).status == "info_requested"


def test_the_key_is_shown_once_and_never_kept_logged_or_published(app, client, service, officers,
                                                                   caplog):
    caplog.set_level(logging.DEBUG)
    p = file(service)
    key = key_of(p)
    assert len(key) == 8 and key not in repr(service.lookup(p.code))
    service.act(officers["kylua"], p.id, "request_info", QUESTION)
    for _ in range(MAX_KEY_FAILURES + 1):  # the lock is logged: without the key
        with pytest.raises(WrongKey):
            service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=_wrong(key))
    with session_scope(service.engine) as s:
        s.exec(update(Petition).where(Petition.id == p.id).values(key_failures=0))
        s.exec(delete(KeyAttempt))
    service.citizen_add_info(p.code, "Đoạn gần chợ", receipt_key=key)
    service.act(officers["kylua"], p.id, "answer", "Đã vá xong đoạn đường gần chợ, cảm ơn bạn.")
    assert "takes no receipt key" in caplog.text  # the log was written, and it names no key
    assert key not in caplog.text and _wrong(key) not in caplog.text
    row = stored(service, p.id)
    assert row.receipt_key_hash.startswith("hmac-sha256$") and key not in str(row.model_dump())
    assert all(key not in e.detail for e in events(service, p.id))
    public = TestClient(app)
    pages = [public.get(f"/phan-anh/tra-cuu?ma={p.code}"), public.get(f"/phan-anh/{p.code}"),
             public.get("/phan-anh/"), public.get("/open311/v2/requests.json"),
             public.get(f"/open311/v2/requests/{p.code}.json")]
    assert [r.status_code for r in pages] == [200] * len(pages)
    assert p.code in pages[1].text  # the answered petition is public
    for response in pages:
        assert key not in response.text and f"{key[:4]}-{key[4:]}" not in response.text
