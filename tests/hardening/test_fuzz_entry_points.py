"""Hostile input at every HTTP entry point: no 500, no stack trace, no stored XSS.

Explicit cases cover the classics (empty, 100 KB, invalid UTF-8, emoji, control characters,
HTML/JS, SQL, wrong types and content types); hypothesis adds a bounded number of random texts
and bytes on the endpoints that take free text from anyone.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlmodel import Session, select

from feedback.models import Petition
from feedback.service import NotFound
from tests.hardening.conftest import OfficerClient, Web, assert_no_crash

TEXTS: dict[str, str] = {
    "empty": "",
    "blank": " \t\n ",
    "100KB": "khai sinh " * 10_240,
    "emoji": "🙂🇻🇳👨‍👩‍👧 đường hỏng 🚧",
    "control": "a\x00b\x01c\x1b[31md\x7fe\u202ef\ufeff",
    "html": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "sql": "'; DROP TABLE petition; -- \" OR 1=1 --",
    "format": "%s%n{0}{{7*7}}${7*7}",
    "path": "../../../../etc/passwd",
    "number": "123456789012345678901234567890",
}
RAW_BODIES: dict[str, bytes] = {
    "invalid utf-8": b"\xff\xfe\xc3\x28\xa0\xa1",
    "lone surrogate": "\ud800".encode("utf-8", "surrogatepass"),
    "nul bytes": b"\x00" * 64,
    "truncated json": b'{"message": "abc',
    "100KB binary": bytes(range(256)) * 400,
}
WRONG_JSON = [12, None, [], ["a"], {"message": 12}, {"message": None}, {"message": ["x"]},
              {"message": {"$gt": ""}}, {"message": True}, "chuỗi"]
CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                 "application/xml", "application/json; charset=latin-1", ""]
# database=None: no .hypothesis/ folder in the checkout; the bounded examples are re-drawn each run.
FUZZ = settings(max_examples=25, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _path(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


# ---- chat API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEXTS)
def test_chat_text(web: Web, name: str) -> None:
    response = web.client.post("/api/chat", json={"message": TEXTS[name]})
    assert_no_crash(response, rasa_down=True)
    assert response.json()["messages"]  # always something to show the citizen


@pytest.mark.parametrize("name", RAW_BODIES)
@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_chat_raw_bodies_and_content_types(web: Web, name: str, content_type: str) -> None:
    response = web.client.post("/api/chat", content=RAW_BODIES[name], headers={"Content-Type": content_type})
    assert_no_crash(response)


@pytest.mark.parametrize("body", WRONG_JSON, ids=repr)
def test_chat_wrong_types(web: Web, body: object) -> None:
    response = web.client.post("/api/chat", json=body)
    assert_no_crash(response)
    assert response.status_code in (413, 422)


@pytest.mark.parametrize("cookie", ["", "../x", "a" * 5000, "'; DROP TABLE--", "🙂"])
def test_chat_odd_session_cookie(web: Web, cookie: str) -> None:
    web.client.cookies.set("motcua_chat", quote(cookie))
    try:
        assert_no_crash(web.client.post("/api/chat", json={"message": "xin chào"}), rasa_down=True)
    finally:
        web.client.cookies.clear()


@FUZZ
@given(st.text(max_size=3000))
def test_chat_any_text(web: Web, text: str) -> None:
    response = web.client.post("/api/chat", json={"message": text})
    assert_no_crash(response, rasa_down=True)


@FUZZ
@given(st.binary(max_size=3000))
def test_chat_any_bytes(web: Web, body: bytes) -> None:
    assert_no_crash(web.client.post("/api/chat", content=body, headers={"Content-Type": "application/json"}))


# ---- public pages and static files --------------------------------------------------------------


@pytest.mark.parametrize("name", TEXTS)
def test_public_pages(web: Web, name: str) -> None:
    text = TEXTS[name][:8000]  # query strings beyond a few KB are refused by real proxies anyway
    params = {"q": text, "don_vi": text, "xa": text, "loai": text, "trang": text}
    for response in (
        web.client.get("/phan-anh/", params=params),
        web.client.get("/phan-anh/tra-cuu", params={"ma": text}),
        web.client.get(f"/phan-anh/{_path(text[:2000])}"),
        web.client.get(f"/static/{_path(text[:2000])}"),
        web.client.get(f"/phan-anh-static/{_path(text[:2000])}"),
    ):
        assert_no_crash(response)
        assert "root:x:0:0" not in response.text  # no path traversal


@FUZZ
@given(st.text(max_size=300), st.text(max_size=40))
def test_public_listing_any_query(web: Web, q: str, page: str) -> None:
    assert_no_crash(web.client.get("/phan-anh/", params={"q": q, "trang": page}))
    assert_no_crash(web.client.get("/phan-anh/tra-cuu", params={"ma": q}))


# ---- Open311 -------------------------------------------------------------------------------------


def _open311_form(text: str) -> dict[str, str]:
    return {"service_code": text, "description": text, "address_string": text, "lat": text,
            "long": text, "email": text, "phone": text, "first_name": text, "last_name": text,
            "api_key": text}


@pytest.mark.parametrize("name", TEXTS)
def test_open311(web: Web, name: str) -> None:
    text = TEXTS[name]
    # A "/" in the id (decoded from %2F) matches no route: the framework's own JSON 404.
    assert_no_crash(web.client.get(f"/open311/v2/requests/{_path(text[:2000] or ' ')}.json"))
    for response in (
        web.client.get("/open311/v2/requests.json", params={
            "service_request_id": text[:8000], "service_code": text[:8000], "start_date": text[:8000],
            "end_date": text[:8000], "status": text[:8000]}),
        web.client.post("/open311/v2/requests.json", data=_open311_form(text)),
        web.client.post("/open311/v2/requests.json", data={
            **_open311_form(text), "service_code": "chieu-sang", "address_string": "phường Đông Kinh"}),
    ):
        assert_no_crash(response)
        assert response.headers["content-type"].startswith("application/json")
        assert isinstance(response.json(), list)  # Open311 answers (and errors) are JSON lists


@pytest.mark.parametrize("name", RAW_BODIES)
@pytest.mark.parametrize("content_type", CONTENT_TYPES + ["application/json", "multipart/form-data; boundary=x"])
def test_open311_post_raw_bodies(web: Web, name: str, content_type: str) -> None:
    response = web.client.post("/open311/v2/requests.json", content=RAW_BODIES[name],
                               headers={"Content-Type": content_type})
    assert_no_crash(response)
    assert response.status_code == 400


@FUZZ
@given(st.dictionaries(st.sampled_from(list(_open311_form(""))), st.text(max_size=500), max_size=10))
def test_open311_post_any_form(web: Web, form: dict[str, str]) -> None:
    response = web.client.post("/open311/v2/requests.json", data=form)
    assert_no_crash(response)
    assert isinstance(response.json(), list)


@FUZZ
@given(st.text(max_size=200), st.text(max_size=60))
def test_open311_get_any_params(web: Web, ids: str, date: str) -> None:
    response = web.client.get("/open311/v2/requests.json",
                              params={"service_request_id": ids, "start_date": date, "status": ids})
    assert_no_crash(response)


# ---- officer console -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin(web: Web) -> OfficerClient:
    return web.officer_client("fuzz.quantri", "van-phong-ubnd-tinh", role="admin")


@pytest.fixture(scope="module")
def petition_id(web: Web) -> int:
    code = web.file("Đèn đường ở tổ dân phố 5 không sáng đã hơn hai tuần.", "phường Đông Kinh")
    return _id_of(web, code)


def _id_of(web: Web, code: str) -> int:
    with Session(web.service.engine) as session:
        petition = session.exec(select(Petition).where(Petition.code == code)).first()
        if petition is None:
            raise NotFound(code)
        return petition.id


@pytest.mark.parametrize("name", TEXTS)
def test_login_form(web: Web, name: str) -> None:
    text = TEXTS[name]
    response = web.client.post("/can-bo/dang-nhap", data={"login_token": text, "username": text, "password": text})
    assert_no_crash(response)
    assert response.status_code in (400, 401, 413)


@pytest.mark.parametrize("name", TEXTS)
def test_console_forms(web: Web, admin: OfficerClient, petition_id: int, name: str) -> None:
    text = TEXTS[name]
    client = admin.client
    responses = [
        client.get("/can-bo/", params={"trang_thai": text[:8000], "qua_han": text[:8000]}),
        client.get(f"/can-bo/phan-anh/{_path(text[:2000])}"),
        client.get(f"/can-bo/anh/{_path(text[:2000])}"),
        admin.post(f"/can-bo/phan-anh/{petition_id}/xu-ly", action=text, text=text, to_unit=text),
        admin.post(f"/can-bo/phan-anh/{_path(text[:2000])}/xu-ly", action="accept", text=text),
        admin.post(f"/can-bo/phan-anh/{petition_id}/an-hien", hide=text, reason=text, attachment_id=text),
        admin.post("/can-bo/nhap-moi", description=text, location=text, channel=text, service_code=text,
                   dossier_code=text, level=text, consent=text, name=text, phone=text, email=text),
        admin.post("/can-bo/nhap-moi", description=text, location="phường Đông Kinh", channel="paper"),
    ]
    for response in responses:
        assert_no_crash(response)


@pytest.mark.parametrize("name", RAW_BODIES)
@pytest.mark.parametrize("url", ["/can-bo/dang-nhap", "/can-bo/nhap-moi", "/can-bo/phan-anh/1/xu-ly"])
def test_console_raw_bodies(web: Web, admin: OfficerClient, name: str, url: str) -> None:
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"):
        response = admin.client.post(url, content=RAW_BODIES[name], headers={"Content-Type": content_type},
                                     follow_redirects=False)
        assert_no_crash(response)


def test_console_photo_with_a_lying_content_type(web: Web, admin: OfficerClient) -> None:
    files = {"photo": ("x.png", b"<script>alert(1)</script>", "image/png")}
    response = admin.client.post("/can-bo/nhap-moi", files=files, data={
        "csrf_token": admin.csrf, "description": "Ổ gà lớn giữa đường, xe máy ngã nhiều lần.",
        "location": "phường Đông Kinh", "channel": "paper"})
    assert_no_crash(response)


@pytest.mark.parametrize("name", TEXTS)
def test_handover_console_and_chat_updates(web: Web, admin: OfficerClient, name: str) -> None:
    """The live-help desk (/can-bo/ho-tro) and the chat page's polling endpoint."""
    text = TEXTS[name]
    segment = _path(text[:2000] or " ")
    for response in (
        admin.client.get("/can-bo/ho-tro"),
        admin.client.get(f"/can-bo/ho-tro/{segment}", params={"loi": text[:8000]}),
        admin.post(f"/can-bo/ho-tro/{segment}/{segment}", text=text),
        admin.post(f"/can-bo/ho-tro/1/{segment}", text=text),
        admin.post("/can-bo/ho-tro/1/tra-loi", text=text),
    ):
        assert_no_crash(response)
    browser = TestClient(web.client.app, raise_server_exceptions=False, cookies={"motcua_chat": "abc123"})
    assert_no_crash(browser.get("/api/chat/updates", params={"after": text[:8000]}))


# ---- stored XSS ----------------------------------------------------------------------------------

XSS = ['<script>alert("xss")</script>', '<img src=x onerror=alert("xss")>', '"><svg onload=alert(1)>']


def test_no_stored_xss_on_the_public_page(web: Web, admin: OfficerClient) -> None:
    """Payloads submitted through Open311 and an officer's answer reach the public page escaped."""
    payload = " ".join(XSS)
    filed = web.client.post("/open311/v2/requests.json", data={
        "service_code": "chieu-sang", "address_string": "phường Đông Kinh",
        "description": f"Đèn đường hỏng ở ngõ nhỏ, tối không thấy gì {payload}"})
    assert filed.status_code == 200, filed.text
    code = filed.json()[0]["service_request_id"]
    pid = _id_of(web, code)
    for action, text in (("accept", ""), ("answer", f"Đã thay bóng đèn mới {payload}")):
        response = admin.post(f"/can-bo/phan-anh/{pid}/xu-ly", action=action, text=text)
        assert response.status_code == 303 and "loi=" not in response.headers["location"], response.text

    pages = [web.client.get("/phan-anh/"), web.client.get(f"/phan-anh/{code}"),
             web.client.get("/phan-anh/tra-cuu", params={"ma": code}), admin.client.get(f"/can-bo/phan-anh/{pid}")]
    for page in pages:
        assert page.status_code == 200
        assert code in page.text  # the petition is really on the page
        for raw in XSS:
            assert raw not in page.text
        assert html.escape(XSS[0], quote=False) in page.text or "&lt;script&gt;" in page.text
        assert not re.search(r"<(script|img|svg)\b[^>]*(alert|onerror|onload)", page.text, re.I)


# ---- chat text through the real Rasa (tokenizer, NLU, policies, actions) -------------------------


@pytest.mark.integration
def test_hostile_chat_text_through_the_real_bot(running_system) -> None:
    """Every hostile text, cut to the chat API's limit, gets a real answer from the running bot
    (each in a new browser session, so one text's form cannot swallow the next)."""
    for name, text in TEXTS.items():
        if not text.strip():
            continue
        with httpx.Client(base_url=running_system.web_url, timeout=120) as browser:
            response = browser.post("/api/chat", json={"message": text[:2000]})
            assert_no_crash(response)
            assert response.status_code == 200, (name, response.text, running_system.log_tail())
            assert any(m["text"] for m in response.json()["messages"]), name
    with httpx.Client(base_url=running_system.web_url, timeout=120) as browser:
        assert "1.001193" in browser.post("/api/chat", json={"message": "dang ky khai sinh cho con"}).text
