"""The chat page in headless Chromium on the web channel's message path: replies, buttons and images
from the outbox, the apology and the later answer when Rasa is down, an officer's answer arriving
by itself, and assisted mode for a community helper. Rasa is a fake on loopback, so no model needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from bot.channels import texts
from bot.handover.desk import HandoverDesk
from tests.browser.conftest import PHONE, horizontal_overflow, needs_chromium
from tests.support.fake_rasa import FakeRasa
from tests.support.served import ServedApp

pytestmark = needs_chromium

HELPER_CODE = "LS-2026-LAN"


@dataclass
class Site:
    url: str
    rasa: FakeRasa
    desk: HandoverDesk


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from motcua.settings import Settings
    from motcua.web import create_app

    rasa = FakeRasa().start()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MOTCUA_ASSISTED_HELPERS", f"{HELPER_CODE}:Nguyễn Thị Lan")
        env.setenv("MOTCUA_CHANNEL_RETRY_BASE_S", "0.2")
        env.setenv("MOTCUA_CHANNEL_RETRY_MAX_S", "0.5")
        settings = Settings(data_dir=tmp_path_factory.mktemp("web-chat"), rasa_port=rasa.port)
        app = create_app(settings)
    server = ServedApp(app, "chat-channel-web").start()
    yield Site(server.base_url, rasa, app.state.handover)
    server.stop()
    rasa.stop()


def ask(page, text: str) -> None:
    page.get_by_label("Câu hỏi").fill(text)
    page.get_by_role("button", name="Gửi", exact=True).click()


def test_buttons_and_images_from_the_outbox(site: Site, open_page) -> None:
    watched = open_page()
    page = watched.page
    page.goto(site.url + "/")
    ask(page, "cho tôi xem nút")
    offer = page.locator(".buttons").filter(has_text="Lệ phí")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Lệ phí", exact=True).click()
    expect(page.locator(".msg.user").last).to_have_text("Lệ phí")
    expect(page.locator(".msg.bot").last).to_have_text("Trả lời: /ask_fee")  # the payload went to Rasa
    expect(offer).to_have_count(0)
    ask(page, "gửi ảnh mẫu")
    expect(page.locator(f".msg.bot img[src='{site.rasa.image_url}']")).to_have_count(1)
    expect(page.locator(".msg.bot").last).to_have_text("Mẫu tờ khai đây.")
    assert watched.errors == []


def test_apology_while_rasa_is_down_then_the_answer_by_itself(site: Site, open_page) -> None:
    page = open_page().page
    page.goto(site.url + "/")
    site.rasa.down = True
    try:
        ask(page, "giờ làm việc của xã")
        expect(page.locator(".msg.bot").filter(has_text="tạm gián đoạn")).to_have_count(1)
    finally:
        site.rasa.down = False
    # Nobody types anything: the page keeps looking until the answer is there.
    expect(page.locator(".msg.bot").last).to_have_text("Trả lời: giờ làm việc của xã")
    expect(page.locator(".msg.bot").filter(has_text="tạm gián đoạn")).to_have_count(1)


def test_an_officer_answer_appears_in_the_chat(site: Site, open_page) -> None:
    page = open_page().page
    page.goto(site.url + "/")
    ask(page, "xin chào")
    expect(page.locator(".msg.bot").last).to_have_text("Trả lời: xin chào")
    [cookie] = [c["value"] for c in page.context.cookies() if c["name"] == "motcua_chat"]
    request = site.desk.open(f"web-{cookie}", "web", address=cookie)  # what "gặp cán bộ" does
    ask(page, "tôi cần hỏi cán bộ")
    expect(page.locator(".msg.bot").last).to_have_text(texts.FORWARDED_TO_OFFICER)
    site.desk.claim(request.id, "Nguyễn Thị Lan")
    site.desk.reply(request.id, "Nguyễn Thị Lan", "Bạn mang giấy chứng sinh bản chính nhé.")
    answer = page.locator(".msg.officer").filter(has_text="Bạn mang giấy chứng sinh")
    expect(answer).to_have_text("Nguyễn Thị Lan: Bạn mang giấy chứng sinh bản chính nhé.")
    site.desk.release(request.id, "Nguyễn Thị Lan")
    expect(page.locator(".msg.officer").last).to_contain_text("Trợ lý Một Cửa tiếp tục")


def test_a_helper_runs_an_assisted_session_from_the_page(site: Site, open_page) -> None:
    watched = open_page()
    page = watched.page
    page.goto(site.url + "/")
    page.get_by_role("button", name="Chế độ hỗ trợ").click()
    page.get_by_label("Mã người hỗ trợ").fill(HELPER_CODE)
    page.get_by_label("Người dân được hỗ trợ").fill("bà Lò Thị Mai")
    page.get_by_role("button", name="Bắt đầu phiên").click()
    expect(page.locator(".msg.user").last).to_have_text("Bắt đầu phiên hỗ trợ cho bà Lò Thị Mai")
    expect(page.locator(".msg.bot").last).to_contain_text("Đã mở phiên hỗ trợ HT-")
    bar = page.locator("#assist-bar")
    expect(bar).to_contain_text("HT-")
    assert HELPER_CODE not in page.locator("#log").inner_text()  # the code is never on screen

    page.reload()  # the session belongs to the chat, not to the page
    expect(page.locator("#assist-bar")).to_be_visible()
    ask(page, "đăng ký khai sinh")
    expect(page.locator(".msg.bot").last).to_contain_text("1.001193")
    page.get_by_role("button", name="Kết thúc phiên").click()
    card = page.locator(".msg.bot").filter(has_text="PHIẾU HỖ TRỢ")
    expect(card).to_contain_text("Người dân: bà Lò Thị Mai")
    expect(card).to_contain_text("1.001193")
    expect(page.locator("#assist-bar")).to_be_hidden()
    expect(page.get_by_role("button", name="Chế độ hỗ trợ")).to_be_visible()
    assert watched.errors == []


def test_the_helper_form_fits_a_phone(site: Site, open_page, screenshots_dir) -> None:
    page = open_page(PHONE).page
    page.goto(site.url + "/")
    page.get_by_role("button", name="Chế độ hỗ trợ").click()
    expect(page.get_by_label("Mã người hỗ trợ")).to_be_visible()
    assert horizontal_overflow(page) <= 0
    form = page.locator("#form").bounding_box()
    assert form["y"] + form["height"] <= PHONE["height"] + 1  # the question box stays on screen
    page.screenshot(path=screenshots_dir / "chat-assisted-phone.png")
