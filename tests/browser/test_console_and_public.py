"""The officer console (/can-bo) and the public page (/phan-anh) in headless Chromium.

The web app is the real one (`create_app`) on a loopback port; petitions are filed through the
same `FeedbackService` the bot's actions use, officers are created like `motcua feedback
create-officer` does. Everything else happens in the browser: the login form, the queue, the
answer form (its CSRF token is the page's own hidden field) and the public page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from motcua.settings import Settings
from feedback.auth import create_officer
from feedback.service import Contact, PetitionInput
from motcua import services
from tests.browser.conftest import PHONE, horizontal_overflow, needs_chromium

pytestmark = needs_chromium

PASSWORD = "mat-khau-trinh-duyet-1"
KY_LUA = "ubnd-phuong-ky-lua"
DONG_KINH = "ubnd-phuong-dong-kinh"
SCRIPT = "<script>window.__pwned = 1; alert('xss')</script>"
IMG = "<img src=x onerror=\"window.__pwned = 2; alert('img')\">"


@pytest.fixture(scope="module")
def service(web_server):
    """The service on the web server's own database (same settings, same DB URL)."""
    return services.feedback_service(Settings(data_dir=web_server.data_dir, db_url=web_server.db_url))


@pytest.fixture(scope="module")
def officers(service) -> dict:
    specs = {"kylua": ("Nguyễn Thị Hoa", KY_LUA), "dongkinh": ("Trần Văn Bình", DONG_KINH)}
    return {
        username: create_officer(service.engine, service.directory, username, full_name,
                                 PASSWORD, "officer", unit, actor="cli")
        for username, (full_name, unit) in specs.items()
    }


def file(service, description: str, location: str, contact: Contact | None = None):
    return service.file_petition(PetitionInput(description=description, location_text=location,
                                               contact=contact))


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/can-bo/")
    expect(page).to_have_url(re.compile(r"/can-bo/dang-nhap$"))  # the console needs a login
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name=re.compile("Phản ánh cần xử lý"))).to_be_visible()


def queue_row(page, code: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=code, exact=True))


def test_wrong_password_shows_an_error_and_no_console(web_server, officers, open_page):
    page = open_page().page
    page.goto(f"{web_server.url}/can-bo/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill("kylua")
    page.get_by_label("Mật khẩu").fill("khong-dung-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    page.goto(f"{web_server.url}/can-bo/")
    expect(page).to_have_url(re.compile(r"/can-bo/dang-nhap$"))


def test_officer_answers_in_the_console_and_the_public_sees_it_redacted(
    web_server, service, officers, open_page
):
    mine = file(service,
                "Đèn đường ở tổ dân phố không sáng, buổi tối rất nguy hiểm. Tôi là Lê Văn Tám, "
                "nhà số 45, gọi 0912345678, căn cước 020190001234.",
                "phường Kỳ Lừa", Contact(consent=True, name="Lê Văn Tám", phone="0912345678"))
    other = file(service, "Đèn đường ở khu phố không sáng cả tuần nay, buổi tối rất tối.",
                 "phường Đông Kinh")
    assert mine.unit_name == "UBND phường Kỳ Lừa" and other.unit_name == "UBND phường Đông Kinh"

    watched = open_page()
    page = watched.page
    log_in(page, web_server.url, "kylua")

    # Only the officer's own unit: mine is listed, the other commune's is not.
    expect(page.get_by_role("heading", name=re.compile("Kỳ Lừa"))).to_be_visible()
    expect(queue_row(page, mine.code)).to_contain_text("Đã tiếp nhận")
    expect(page.get_by_role("link", name=other.code)).to_have_count(0)

    # Open it: the officer sees the full text and the contact; accept, then answer.
    page.get_by_role("link", name=mine.code, exact=True).click()
    expect(page.get_by_role("heading", name=f"{mine.code} — Đã tiếp nhận")).to_be_visible()
    expect(page.get_by_text("0912345678").first).to_be_visible()
    petition_url = page.url

    # An officer of another commune gets "not found" even with the address in hand.
    neighbour = open_page().page
    log_in(neighbour, web_server.url, "dongkinh")
    expect(neighbour.get_by_role("link", name=other.code, exact=True)).to_be_visible()
    neighbour.goto(petition_url)
    expect(neighbour.get_by_text("Không tìm thấy phản ánh")).to_be_visible()
    expect(neighbour.locator("main")).not_to_contain_text("0912345678")

    page.get_by_role("button", name="Thụ lý", exact=True).click()
    expect(page.get_by_role("heading", name=f"{mine.code} — Đang xử lý")).to_be_visible()
    page.get_by_label("Nội dung trả lời").fill(
        "Ngày 12/5 đã thay bóng đèn. Mọi thắc mắc xin gọi anh Hoàng Minh Đức 0987654321.")
    page.get_by_role("button", name="Trả lời", exact=True).click()
    expect(page.get_by_role("heading", name=f"{mine.code} — Đã trả lời")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)  # no "page expired"/CSRF error

    # The public page, as any citizen (no login): answer and unit shown, personal data removed.
    public = open_page(PHONE).page
    public.goto(f"{web_server.url}/phan-anh/")
    card = public.locator("article").filter(has=public.get_by_role("link", name=mine.code))
    expect(card).to_contain_text("Ngày 12/5 đã thay bóng đèn")
    expect(card).to_contain_text("Kỳ Lừa trả lời")
    public.get_by_role("link", name=mine.code).click()
    expect(public.get_by_role("heading", name=re.compile(mine.code))).to_be_visible()
    body = public.locator("main")
    expect(body).to_contain_text("Đèn đường")
    expect(body).to_contain_text("[số điện thoại]")
    expect(body).to_contain_text("[số giấy tờ]")
    expect(body).to_contain_text("[tên]")
    for private in ("0912345678", "020190001234", "Lê Văn Tám", "0987654321", "Hoàng Minh Đức",
                    "số 45"):
        expect(body).not_to_contain_text(private)
    assert horizontal_overflow(public) <= 0
    assert watched.errors == []


def test_script_in_a_petition_is_shown_as_text_and_never_runs(
    web_server, service, officers, open_page
):
    mine = file(service, f"{SCRIPT} {IMG} Ổ gà lớn giữa đường, xe máy đi qua rất dễ ngã.",
                "phường Kỳ Lừa")
    watched = open_page()
    page = watched.page
    log_in(page, web_server.url, "kylua")
    expect(queue_row(page, mine.code)).to_contain_text("<script>window.__pwned")
    page.get_by_role("link", name=mine.code, exact=True).click()
    description = page.locator("p.pre").filter(has_text="Ổ gà lớn")
    expect(description).to_contain_text(SCRIPT)  # the markup is visible as text…
    expect(description).to_contain_text(IMG)
    assert page.locator("main script, main img[src='x']").count() == 0  # …and is not markup
    assert page.evaluate("() => window.__pwned") is None
    page.get_by_role("button", name="Thụ lý", exact=True).click()
    page.get_by_label("Nội dung trả lời").fill(f"Đã vá ổ gà. {SCRIPT}")
    page.get_by_role("button", name="Trả lời", exact=True).click()
    expect(page.get_by_role("heading", name=f"{mine.code} — Đã trả lời")).to_be_visible()

    page.goto(f"{web_server.url}/phan-anh/{mine.code}")
    expect(page.locator("main")).to_contain_text("Đã vá ổ gà")
    expect(page.locator("main")).to_contain_text("<script>")
    assert page.evaluate("() => window.__pwned") is None
    assert watched.dialogs == []


def test_phone_queue_fits_the_screen(web_server, service, officers, open_page, screenshots_dir):
    codes = [
        file(service, "Cây xanh đổ chắn ngang vỉa hè đường Lê Lợi sau trận gió tối qua.",
             "phường Kỳ Lừa").code,
        file(service, "Rác thải tồn đọng nhiều ngày ở chợ Kỳ Lừa, bốc mùi hôi.",
             "phường Kỳ Lừa").code,
    ]
    page = open_page(PHONE).page
    log_in(page, web_server.url, "kylua")
    for code in codes:
        expect(page.get_by_role("link", name=code, exact=True)).to_be_visible()
    assert horizontal_overflow(page) <= 0
    page.screenshot(path=screenshots_dir / "console-queue-phone.png")
