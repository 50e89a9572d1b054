"""No public response leaks personal data: names, phones, CCCD/CMND numbers, e-mails, house numbers.

Petitions are seeded with personal data in the text, in the contact fields, in the officer's
answer and in status notes, then taken through the lifecycle so they show up publicly. We crawl
every public page and Open311 GET, follow every tracking code the public can see (a code shown in
a list is public, so its lookup page is too), and scan each body for the seeded data.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from feedback.auth import create_officer
from feedback.models import Petition
from feedback.service import Contact, PetitionInput
from tests.hardening.conftest import Web, assert_no_crash

PEOPLE = ["Nguyễn Văn An", "Hoàng Thị Bích Ngọc", "Trần Văn Bình", "Lê Thị Hoa", "Phạm Văn Đức", "Đỗ Minh Tuấn"]
EMAILS = ["an.nguyen@example.com", "ngoc.hoang@example.vn", "hoa.le@example.org"]
NUMBERS = ["0912345678", "0987654321", "0903111222", "0978222333", "+84911222444",
           "012345678901", "001122334455", "123456789"]  # phones, CCCD (12 digits), CMND (9)
HOUSES = ["số nhà 15", "nhà số 27", "ngõ 12", "15 đường Trần Phú", "hẻm 9/3"]
CODE = re.compile(r"PA-[23456789A-HJKMNP-TV-Z]{6}")

SEEDS = [
    # (text, location, contact, officer steps)
    ("Tôi là Nguyễn Văn An, số nhà 15 đường Trần Phú, điện thoại 0912 345 678, CCCD 012345678901, "
     "email an.nguyen@example.com. Đèn đường trước nhà hỏng đã hai tuần.", "phường Đông Kinh",
     Contact(True, "Hoàng Thị Bích Ngọc", "0987.654.321", "ngoc.hoang@example.vn"),
     [("accept", ""), ("answer", "Đã liên hệ ông Trần Văn Bình (0903 111 222) ở nhà số 27 và thay bóng đèn.")]),
    ("Chị Lê Thị Hoa, SĐT 0978-222-333, CMND 123456789, báo rác không được thu gom ở ngõ 12 phố Kỳ Lừa.",
     "phường Kỳ Lừa", Contact(True, "Lê Thị Hoa", "0978222333", "hoa.le@example.org"),
     [("accept", ""), ("answer", "Đã thu gom. Cảm ơn bà Lê Thị Hoa."), ("close", "")]),
    ("Nước thải tràn ra đường ở hẻm 9/3, gọi anh Đỗ Minh Tuấn +84 911 222 444 để biết thêm.",
     "phường Tam Thanh", None,
     [("request_info", "Đề nghị ông Phạm Văn Đức (CCCD 001122334455) cho biết số nhà chính xác.")]),
    ("Ông Phạm Văn Đức ở số nhà 15 xây nhà lấn chiếm vỉa hè, tôi là Đỗ Minh Tuấn 0912345678.",
     "phường Đông Kinh", None,
     [("reject", "Ông Phạm Văn Đức, CCCD 001122334455, đã được xử lý theo đơn trước.")]),
    ("Cột điện nghiêng sắp đổ ở thôn Nà Pàn, nguy hiểm cho người đi đường.", "xã Đồng Đăng",
     Contact(True, "Nguyễn Văn An", "0912345678", "an.nguyen@example.com"), []),
]


def _leaks(body: str) -> list[str]:
    """Seeded personal data found in a body (numbers are compared without spaces, dots, dashes)."""
    digits = re.sub(r"[\s.\-()]", "", body)
    found = [s for s in PEOPLE + EMAILS + HOUSES if s.lower() in body.lower()]
    return found + [n for n in NUMBERS if n in digits]


@pytest.fixture(scope="module")
def seeded(web: Web) -> list[str]:
    """The tracking codes of the seeded petitions, after the officer steps."""
    admin = create_officer(web.service.engine, web.service.directory, "privacy.admin", "Quản trị",
                           "mat-khau-rat-dai-2026", "admin", "van-phong-ubnd-tinh")
    codes = []
    for text, location, contact, steps in SEEDS:
        code = web.service.file_petition(PetitionInput(text, location, "web", contact=contact)).code
        with Session(web.service.engine) as session:
            pid = session.exec(select(Petition.id).where(Petition.code == code)).one()
        for action, note in steps:
            web.service.act(admin, pid, action, note)
        codes.append(code)
    return codes


def _public_responses(web: Web) -> dict[str, str]:
    """Every public GET, then every page reachable by a code seen in those responses."""
    client = web.client
    urls = ["/", "/static/chat.js", "/phan-anh/", "/phan-anh/?trang=2", "/phan-anh/tra-cuu",
            "/open311/v2/services.json", "/open311/v2/requests.json",
            "/open311/v2/requests.json?status=open", "/open311/v2/requests.json?status=closed",
            "/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z"]
    urls += [f"/phan-anh/?q={q}" for q in ("đèn", "rác", "Nguyễn", "0912", "số nhà")]
    bodies: dict[str, str] = {}
    for url in urls:
        bodies[url] = _body(client.get(url))
    public_codes = sorted({c for body in bodies.values() for c in CODE.findall(body)})
    bodies["/open311/v2/requests.json?service_request_id=…"] = _body(
        client.get("/open311/v2/requests.json", params={"service_request_id": ",".join(public_codes)}))
    for code in public_codes:
        for url in (f"/phan-anh/{code}", f"/phan-anh/tra-cuu?ma={code}", f"/open311/v2/requests/{code}.json"):
            bodies[url] = _body(client.get(url))
    return bodies


def _body(response) -> str:
    assert_no_crash(response)
    if response.headers.get("content-type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.text


def test_public_responses_show_the_petitions(web: Web, seeded: list[str]) -> None:
    """Control: the crawl does reach the seeded petitions, their redacted text and the answers."""
    everything = "\n".join(_public_responses(web).values())
    answered, closed, info_requested, rejected, received = seeded
    for code in (answered, closed, info_requested, received):
        assert code in everything
    assert rejected not in everything  # rejected petitions are never listed publicly
    for placeholder in ("[số điện thoại]", "[số giấy tờ]", "[email]", "[tên]", "[số nhà]"):
        assert placeholder in everything
    assert "thay bóng đèn" in everything  # the answer is published


def test_no_public_response_leaks_personal_data(web: Web, seeded: list[str]) -> None:
    leaks = {url: found for url, body in _public_responses(web).items() if (found := _leaks(body))}
    assert not leaks, leaks


def test_wrong_or_guessed_codes_reveal_nothing(web: Web, seeded: list[str]) -> None:
    rejected = seeded[3]
    for code in ("PA-222222", rejected.lower().replace("-", " "), rejected[:-1] + "2"):
        for url in (f"/phan-anh/{code}", f"/open311/v2/requests/{code}.json"):
            body = _body(web.client.get(url))
            assert not _leaks(body), (url, _leaks(body))
