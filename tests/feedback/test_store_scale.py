"""The petition store at scale (issue #14): public text redacted once at write time, keyset
pagination, duplicate candidates from an index, search from an index, migration 0002's backfill.

Every test runs on SQLite and, when FEEDBACK_TEST_POSTGRES_URL is set, on PostgreSQL (only there
with MOTCUA_TEST_DB=postgresql: tests/feedback/conftest.py).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, text
from sqlmodel import select

from feedback import codes, duplicates, queries, search
from feedback.db import session_scope
from motcua.db import alembic_config, migrate
from feedback.deadlines import local_date, utcnow
from feedback.derived import DERIVED, HIDDEN_TEXT, SOURCES, derive
from feedback.lifecycle import STATES
from feedback.models import Petition
from feedback.receipts import ChatIdentity
from feedback.service import Contact, PetitionInput
from nlu.text import fold_words
from tests.feedback.conftest import POSTGRES_URL, csrf_of, login

PHONE, CCCD, EMAIL = "0912345678", "012345678901", "lan.tran@example.com"
PERSONAL = (PHONE, CCCD, EMAIL, "Trần Thị Lan")
ROAD = "Đường thôn Nà Lầy bị sụt lún, nhiều ổ gà lớn, xe máy đi lại rất nguy hiểm."
ROAD_AGAIN = "Đường thôn Nà Lầy sụt lún, có nhiều ổ gà lớn, đi xe máy rất nguy hiểm!"
POWER = "Mất điện cả ngày hôm nay ở khu phố, chưa thấy ai đến sửa đường dây."
PLACE = "xã Hợp Thành, huyện Cao Lộc"  # resolves to ubnd-phuong-ky-lua


def _digits(value: str | None) -> str:
    return re.sub(r"[\s.\-()+]", "", value or "")


def _assert_no_personal_data(*values: str | None) -> None:
    for value in values:
        for secret in PERSONAL:
            assert secret not in (value or "") and _digits(secret) not in _digits(value), (secret, value)


def _row(service, pid: int) -> Petition:
    with session_scope(service.engine) as session:
        return session.get(Petition, pid)


LAN_CHAT = ChatIdentity("web", "lan-chat")  # the chat the petitions are filed from


def _file(service, description: str, location: str = PLACE) -> Petition:
    filed = service.file_petition(PetitionInput(
        description=description, location_text=location,
        contact=Contact(consent=True, name="Trần Thị Lan", phone=PHONE, email=EMAIL),
        filed_from=LAN_CHAT))
    with session_scope(service.engine) as session:
        return session.exec(select(Petition).where(Petition.code == filed.code)).one()


def _add_listed(service, answered: list[datetime]) -> list[int]:
    """Answered petitions written through the ORM (the mapper event derives their columns)."""
    today = local_date(utcnow())
    rows = [Petition(code=codes.new_code(), channel="web", description=f"Phản ánh thử số {i} về cây đổ",
                     status="answered", unit_id="ubnd-phuong-ky-lua", commune_id="ubnd-phuong-ky-lua",
                     ack_due=today, answer_due=today, answer="Đã xử lý.", answered_at=moment,
                     created_at=moment - timedelta(days=1))
            for i, moment in enumerate(answered)]
    with session_scope(service.engine) as session:
        session.add_all(rows)
        session.flush()
        return [p.id for p in rows]


def _walk(service, per_page: int, **filters) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = queries.public_list(service, cursor=cursor, per_page=per_page, **filters)
        pages.append([i.code for i in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


# ---- keyset pagination -----------------------------------------------------------------------------


def test_public_list_pages_cover_every_row_once_in_order_with_ties(service):
    base = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    # Ties on the sort key (five petitions answered at the same instant) are ordered by id.
    moments = [base - timedelta(minutes=i // 5) for i in range(23)]
    _add_listed(service, moments)
    pages = _walk(service, per_page=4)
    codes_seen = [c for page in pages for c in page]
    assert [len(p) for p in pages] == [4, 4, 4, 4, 4, 3]
    assert len(codes_seen) == len(set(codes_seen)) == 23
    with session_scope(service.engine) as session:
        expected = session.exec(select(Petition.code).order_by(
            Petition.listed_at.desc(), Petition.id.desc())).all()
    assert codes_seen == list(expected)
    assert queries.public_list(service).total == 23


def test_next_page_is_stable_while_new_petitions_are_listed(service):
    base = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    _add_listed(service, [base - timedelta(hours=i) for i in range(10)])
    first = queries.public_list(service, per_page=4)
    _add_listed(service, [base + timedelta(hours=1 + i) for i in range(3)])  # newer: above page 1
    rest: list[str] = []
    cursor = first.next_cursor
    while cursor:
        page = queries.public_list(service, cursor=cursor, per_page=4)
        rest += [i.code for i in page.items]
        cursor = page.next_cursor
    seen = [i.code for i in first.items] + rest
    assert len(seen) == len(set(seen)) == 10  # nothing repeated, nothing skipped, no newcomer


def test_bad_cursors_give_the_first_page(service):
    _add_listed(service, [datetime(2026, 3, 2, tzinfo=timezone.utc)])
    for cursor in ("", "abc", "1-", "-1", "9" * 30 + "-1", "99999999999999999999-1", "1-2-3"):
        assert [i.code for i in queries.public_list(service, cursor=cursor).items] == \
            [i.code for i in queries.public_list(service).items]


def test_public_page_follows_the_next_link(client, service):
    _add_listed(service, [datetime(2026, 3, 2, tzinfo=timezone.utc) - timedelta(hours=i) for i in range(25)])
    html = client.get("/phan-anh/").text
    assert "25 phản ánh" in html
    link = re.search(r'href="(\?[^"]*sau=[0-9-]+)"', html).group(1).replace("&amp;", "&")
    second = client.get("/phan-anh/" + link).text
    first_codes = set(re.findall(r"PA-\w{6}", html))
    second_codes = set(re.findall(r"PA-\w{6}", second))
    assert len(first_codes) == 20 and len(second_codes) == 5 and not first_codes & second_codes
    assert "Trang sau" not in second and "Về trang đầu" in second


def test_open311_list_pages_with_a_link_header(client, service):
    filed = [client.post("/open311/v2/requests.json", data={
        "service_code": "dien", "address_string": f"thôn số {i} xã Đồng Đăng",
        "description": f"Mất điện ở thôn thứ {i} từ chiều, đề nghị kiểm tra đường dây."}).json()[0]
        ["service_request_id"] for i in range(7)]
    seen, url, pages = [], "/open311/v2/requests.json?page_size=3", 0
    while url:
        response = client.get(url)
        seen += [r["service_request_id"] for r in response.json()]
        pages += 1
        match = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
        url = match.group(1) if match else None
    assert pages == 3 and sorted(seen) == sorted(filed) and len(seen) == len(set(seen))


# ---- public text, redacted once -----------------------------------------------------------------------


def test_public_columns_hold_no_personal_data_and_follow_every_change(service, officers):
    admin = officers["quantri"]
    p = _file(service, f"Tôi là Trần Thị Lan, SĐT {PHONE}, CCCD {CCCD}, email {EMAIL}. {ROAD}")
    service.act(admin, p.id, "request_info", f"Chị Trần Thị Lan gọi lại số {PHONE} giúp.")
    row = _row(service, p.id)
    _assert_no_personal_data(row.public_description, row.public_note, row.public_search)
    assert "[số điện thoại]" in row.public_description and row.listed_at is None
    service.citizen_add_info(p.code, f"Đoạn gần nhà văn hóa, email {EMAIL}", chat=LAN_CHAT)
    service.act(admin, p.id, "answer", f"Đã vá ổ gà. Liên hệ anh Tuấn {PHONE}, {EMAIL}.")
    row = _row(service, p.id)
    _assert_no_personal_data(row.public_description, row.public_answer, row.public_search)
    assert "nha van hoa" in row.public_search and "Đã vá ổ gà" in row.public_answer
    assert row.listed_at == row.answered_at

    service.citizen_feedback(p.code, False, LAN_CHAT, comment="Mới vá một đoạn.")
    assert _row(service, p.id).listed_at is None  # reopened: off the public list
    service.act(admin, p.id, "answer", "Đã vá toàn tuyến.")
    row = _row(service, p.id)
    assert row.public_answer == "Đã vá toàn tuyến." and "toan tuyen" in row.public_search
    assert "vá ổ gà" not in row.public_answer

    service.moderate(admin, p.id, hide=True, reason="Lời lẽ không phù hợp")
    row = _row(service, p.id)
    assert row.public_description == HIDDEN_TEXT and "sut lun" not in row.public_search
    assert queries.public_item(service, p.code).description == HIDDEN_TEXT
    assert not queries.public_list(service, q="sụt lún").items
    service.moderate(admin, p.id, hide=False, reason="Đã xem lại")
    assert "sụt lún" in _row(service, p.id).public_description


def test_every_row_keeps_its_derived_columns_current(service, officers):
    admin = officers["quantri"]
    first = _file(service, ROAD)
    second = _file(service, ROAD_AGAIN)  # merged as a duplicate: never listed
    third = _file(service, POWER, "phường Đông Kinh")
    service.act(admin, first.id, "accept")
    service.act(admin, first.id, "answer", "Đã sửa.")
    service.act(admin, third.id, "transfer", "Việc của phường", to_unit="ubnd-phuong-dong-kinh")
    with session_scope(service.engine) as session:
        rows = session.exec(select(Petition)).all()
    assert len(rows) == 3
    for row in rows:
        assert {k: getattr(row, k) for k in DERIVED} == derive({s: getattr(row, s) for s in SOURCES})
    assert _row(service, second.id).duplicate_of_id == first.id


def test_public_pages_show_only_the_redacted_text(client, service, officers):
    p = _file(service, f"Tôi là Trần Thị Lan {PHONE}. {ROAD}")
    service.act(officers["quantri"], p.id, "accept")
    service.act(officers["quantri"], p.id, "answer", f"Đã sửa, gọi {PHONE} nếu cần.")
    bodies = [client.get("/phan-anh/").text, client.get(f"/phan-anh/{p.code}").text,
              client.get("/phan-anh/?q=sut+lun").text, str(client.get("/open311/v2/requests.json").json())]
    for body in bodies:
        assert p.code in body
        _assert_no_personal_data(body)


# ---- search -------------------------------------------------------------------------------------------


def test_search_finds_words_by_their_start_through_the_index_or_the_scan(service, officers):
    admin = officers["quantri"]
    for description, answer in ((ROAD, "Đã vá đường."), (POWER, "Điện lực đã sửa đường dây.")):
        p = _file(service, description, "")
        service.act(admin, p.id, "accept")
        service.act(admin, p.id, "answer", answer)
    cases = {"ổ gà": 1, "o ga": 1, "đường": 2, "duo": 2, "đường dây": 1, "sụt lú": 1, "ga lon": 1,
             "uong": 0, "tàu hỏa": 0, PHONE: 0}
    with session_scope(service.engine) as session:
        conn = session.connection()
        for q, expected in cases.items():
            needle = fold_words(q)
            by_index = search.listed_hits(conn, needle, cap=100)
            by_scan = session.exec(select(Petition.id).where(Petition.listed_at.is_not(None),
                                                             search.matches(needle))).all()
            assert by_index is not None and sorted(by_index) == sorted(by_scan), q
            assert len(by_index) == expected, q
        assert search.listed_hits(conn, "duong", cap=1) is None  # more than the cap: scan instead
    page = queries.public_list(service, q="Đường")
    assert len(page.items) == page.total == 2


# ---- duplicates ------------------------------------------------------------------------------------


def test_candidate_states_are_the_open_ones():
    assert set(duplicates.CANDIDATE_STATES) == {n for n, s in STATES.items() if s.open311 == "open"}


def test_duplicate_found_by_the_index_only_while_the_original_is_open(service, officers):
    original = _file(service, ROAD)
    since = utcnow() - timedelta(days=30)
    with session_scope(service.engine) as session:
        found = duplicates.find_duplicate(session, ROAD_AGAIN, original.commune_id, PLACE, since)
        assert found is not None and found.id == original.id
        assert duplicates.find_duplicate(session, POWER, original.commune_id, PLACE, since) is None
        assert duplicates.find_duplicate(session, ROAD_AGAIN, "ubnd-phuong-dong-kinh", "", since) is None
        assert duplicates.find_duplicate(session, ROAD_AGAIN, original.commune_id, PLACE,
                                         utcnow() + timedelta(minutes=1)) is None
    service.act(officers["quantri"], original.id, "accept")
    with session_scope(service.engine) as session:
        assert duplicates.find_duplicate(session, ROAD_AGAIN, original.commune_id, PLACE, since).id == original.id
    service.act(officers["quantri"], original.id, "answer", "Đã vá.")
    with session_scope(service.engine) as session:
        assert duplicates.find_duplicate(session, ROAD_AGAIN, original.commune_id, PLACE, since) is None


def test_duplicate_by_location_text_when_no_commune(service):
    place = "bản Khuổi Phầy, nơi chưa có trong danh mục"
    original = _file(service, ROAD, place)
    assert original.commune_id is None
    with session_scope(service.engine) as session:
        since = utcnow() - timedelta(days=30)
        assert duplicates.find_duplicate(session, ROAD_AGAIN, None, place, since).id == original.id
        assert duplicates.find_duplicate(session, ROAD_AGAIN, None, "bản khác hẳn", since) is None
        assert duplicates.find_duplicate(session, ROAD_AGAIN, None, "   ", since) is None


@pytest.mark.skipif(not POSTGRES_URL, reason="needs FEEDBACK_TEST_POSTGRES_URL")
def test_postgres_role_without_pg_trgm_falls_back_to_full_text_search(caplog):
    """A role that may not create extensions still migrates, and duplicates are still found."""
    admin_url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    name, role = f"fb_test_{uuid.uuid4().hex[:10]}", f"fb_role_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # the role gets no CREATE on it
    in_db = create_engine(admin_url.rsplit("/", 1)[0] + f"/{name}", isolation_level="AUTOCOMMIT")
    with in_db.connect() as conn:
        conn.execute(text(f'GRANT CREATE, USAGE ON SCHEMA public TO "{role}"'))
    in_db.dispose()
    url = POSTGRES_URL.rsplit("/", 1)[0].replace("postgres@", f"{role}@") + f"/{name}"
    try:
        from feedback.config import FeedbackConfig
        from feedback.web import build_service
        with caplog.at_level("WARNING"):
            migrate(url)
        service = build_service(FeedbackConfig(db_url=url, secret_key="k"))
        assert "pg_trgm unavailable" in caplog.text
        assert duplicates.strategy_name(service.engine) == "tsvector"
        original = _file(service, ROAD)
        assert _file(service, ROAD_AGAIN).duplicate_of_id == original.id
        assert _file(service, POWER).duplicate_of_id is None
        service.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_the_index_strategy_matches_the_database(service):
    expected = "fts5" if service.engine.dialect.name == "sqlite" else "pg_trgm"
    assert duplicates.strategy_name(service.engine) == expected


# ---- migration 0002 ------------------------------------------------------------------------------


def test_upgrade_from_0001_backfills_existing_rows(config):
    command.downgrade(alembic_config(config.db_url), "base")  # the fixture's database is at head
    migrate(config.db_url, "0001")
    engine = create_engine(config.db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    now = utcnow()
    base = {"channel": "web", "level": "normal", "unit_id": "ubnd-phuong-ky-lua",
            "commune_id": "ubnd-phuong-ky-lua", "location_text": PLACE, "routing_confidence": 0.8,
            "routing_reason": "", "routed_by": "auto", "ack_due": now.date(), "answer_due": now.date(),
            "reopen_count": 0, "text_hidden": False, "created_at": now, "updated_at": now}
    rows = [
        {**base, "code": "PA-AAAAAA", "status": "answered", "answered_at": now,
         "description": f"Tôi là Trần Thị Lan, {PHONE}. {ROAD}", "answer": f"Đã sửa, email {EMAIL}."},
        {**base, "code": "PA-BBBBBB", "status": "received", "description": ROAD},
        {**base, "code": "PA-CCCCCC", "status": "closed", "answered_at": now, "text_hidden": True,
         "description": f"CCCD {CCCD}. {POWER}", "answer": "Đã xong."},
    ]
    with engine.begin() as conn:  # the table as revision 0001 left it
        for r in rows:
            conn.execute(insert(Table("petition", MetaData(), autoload_with=conn)), r)
    engine.dispose()
    migrate(config.db_url)

    from feedback.web import build_service
    service = build_service(config)
    with session_scope(service.engine) as session:
        stored = {p.code: p for p in session.exec(select(Petition))}
    for p in stored.values():
        assert {k: getattr(p, k) for k in DERIVED} == derive({s: getattr(p, s) for s in SOURCES})
        _assert_no_personal_data(p.public_description, p.public_answer, p.public_search)
    assert stored["PA-CCCCCC"].public_description == HIDDEN_TEXT
    assert stored["PA-BBBBBB"].listed_at is None and stored["PA-AAAAAA"].listed_at is not None
    # Both answered at the same instant: the later id first.
    assert [i.code for i in queries.public_list(service).items] == ["PA-CCCCCC", "PA-AAAAAA"]
    assert [i.code for i in queries.public_list(service, q="ổ gà").items] == ["PA-AAAAAA"]
    since = utcnow() - timedelta(days=30)
    with session_scope(service.engine) as session:
        assert duplicates.find_duplicate(session, ROAD_AGAIN, "ubnd-phuong-ky-lua", PLACE,
                                         since).code == "PA-BBBBBB"
    # And back: 0002 downgrades cleanly and upgrades again.
    command.downgrade(alembic_config(config.db_url), "0001")
    migrate(config.db_url)


# ---- off the event loop -------------------------------------------------------------------------


def test_console_and_open311_writes_run_off_the_event_loop(client, service, officers, monkeypatch):
    """The service's writes are synchronous: the async routes must hand them to the threadpool."""
    loop_threads: list[bool] = []

    def spy(name: str):
        real = getattr(service, name)

        def call(*args, **kwargs):
            try:
                asyncio.get_running_loop()
                loop_threads.append(True)
            except RuntimeError:
                loop_threads.append(False)
            return real(*args, **kwargs)
        monkeypatch.setattr(service, name, call)

    for name in ("act", "moderate", "file_petition", "citizen_add_info"):
        spy(name)
    login(client, "kylua")
    asked = _file(service, POWER, "phường Kỳ Lừa")
    service.act(officers["quantri"], asked.id, "request_info", "Bạn cho biết cột điện nào.")
    mine = _file(service, ROAD)
    loop_threads.clear()
    lookup = client.get(f"/phan-anh/tra-cuu?ma={asked.code}").text
    info_token = re.search(r'name="info_token" value="([^"]+)"', lookup).group(1)
    client.post(f"/phan-anh/{asked.code}/bo-sung", data={"info_token": info_token,
                                                          "text": "Cột trước cổng chợ."})
    token = csrf_of(client.get(f"/can-bo/phan-anh/{mine.id}").text)
    client.post(f"/can-bo/phan-anh/{mine.id}/xu-ly", data={"csrf_token": token, "action": "accept"})
    client.post(f"/can-bo/phan-anh/{mine.id}/an-hien", data={"csrf_token": token, "hide": "1",
                                                           "reason": "Thử ẩn nội dung"})
    client.post("/can-bo/nhap-moi", data={"csrf_token": token, "channel": "phone",
                                          "description": POWER, "location": "phường Đông Kinh"})
    client.post("/open311/v2/requests.json", data={"service_code": "dien", "address_string": "xã Đồng Đăng",
                                                   "description": POWER})
    assert loop_threads == [False, False, False, False, False]
