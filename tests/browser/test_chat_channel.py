"""The chat page in headless Chromium on the web channel's message path: replies, buttons and images
from the outbox, the apology and the later answer when Rasa is down, an officer's answer arriving
by itself, and assisted mode for a community helper. Rasa is a fake on loopback, so no model needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from bot.channels import texts
from bot.handover.desk import HandoverDesk
from tests.browser.conftest import PHONE, horizontal_overflow, needs_chromium
from tests.support.database import migrated_url
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
        data_dir = tmp_path_factory.mktemp("web-chat")
        settings = Settings(data_dir=data_dir, db_url=migrated_url(data_dir), rasa_port=rasa.port)
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
    # Offline in an assisted session: the unsent message waits in memory, never in localStorage
    # (a helper's laptop is shared; the citizen's details must not stay on it).
    page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    ask(page, "đăng ký khai sinh")
    expect(page.locator("#notice")).to_contain_text("mất kết nối")
    expect(page.locator(".msg.user.pending")).to_have_text("đăng ký khai sinh")
    assert page.evaluate("() => Object.keys(localStorage)") == []
    page.unroute("**/api/chat")  # back online: sent by itself from memory
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


# ---- past capacity: the server refuses for a while, the page keeps the message and resends it ---


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server with tight limits: a message per 3 s per chat, one web message waiting for Rasa."""
    from motcua.settings import Settings
    from motcua.web import create_app

    rasa = FakeRasa().start()
    with pytest.MonkeyPatch.context() as env:
        for name, value in {"MAX_PER_MINUTE": "1", "RATE_WINDOW_S": "3", "WEB_MAX_PENDING": "1",
                            "SLOW_AFTER_S": "0.3", "WEB_WAIT_S": "1"}.items():
            env.setenv(f"MOTCUA_CHANNEL_{name}", value)
        app = create_app(Settings(data_dir=tmp_path_factory.mktemp("web-chat-tight"),
                                  rasa_port=rasa.port))
    server = ServedApp(app, "chat-channel-tight").start()
    yield Site(server.base_url, rasa, app.state.handover)
    server.stop()
    rasa.stop()


def posted(page) -> list[dict]:
    """The bodies of every chat message the page posts, recorded from now on."""
    bodies: list[dict] = []
    page.on("request", lambda r: bodies.append(r.post_data_json)
            if r.method == "POST" and r.url.endswith("/api/chat") else None)
    return bodies


def conversation(page) -> str:
    """The page's conversation with Rasa (its chat cookie)."""
    [cookie] = [c["value"] for c in page.context.cookies() if c["name"] == "motcua_chat"]
    return f"web-{cookie}"


def answered_once(page, site: Site, text: str, bodies: list[dict]) -> None:
    """``text`` was shown once, answered once, and every post of it carried the same id."""
    expect(page.locator(".msg.bot").filter(has_text=f"Trả lời: {text}")).to_have_count(1)
    expect(page.locator("#notice")).to_be_hidden()
    expect(page.locator(".msg.user.pending")).to_have_count(0)
    expect(page.locator(".msg.user").filter(has_text=text)).to_have_count(1)
    ids = [b["id"] for b in bodies if b["message"] == text]
    assert len(ids) >= 2 and len(set(ids)) == 1, ids  # resent, always as the same message
    assert site.rasa.messages(conversation(page)).count(text) == 1
    assert page.locator(".msg.bot").filter(has_text="chưa có câu trả lời").count() == 0


def test_too_fast_the_page_waits_and_resends_the_same_message(tight: Site, open_page) -> None:
    watched = open_page(PHONE)
    page = watched.page
    bodies = posted(page)
    page.goto(tight.url + "/")
    ask(page, "một")
    expect(page.locator(".msg.bot").last).to_have_text("Trả lời: một")
    ask(page, "hai")  # within the chat's 3 s: 429, Retry-After 3
    notice = page.locator("#notice")
    expect(notice).to_have_text(re.compile(r"^Bạn gửi nhanh quá\. .*tự gửi lại sau \d+ giây\.$"))
    expect(page.locator(".msg.user.pending")).to_have_text("hai")  # kept on screen, marked
    expect(page.get_by_label("Câu hỏi")).to_have_value("")
    answered_once(page, tight, "hai", bodies)
    assert watched.errors == []


def test_past_the_queue_bound_the_page_is_told_to_wait_then_answered(tight, open_page) -> None:
    first = open_page().page
    first.goto(tight.url + "/")
    tight.rasa.hold()
    try:
        ask(first, "một")  # waits for Rasa: the web queue (one message) is full
        expect(first.locator(".msg.bot").last).to_have_text(texts.RASA_SLOW)
        watched = open_page()
        page = watched.page
        bodies = posted(page)
        page.goto(tight.url + "/")
        ask(page, "hai")
        expect(page.locator("#notice")).to_contain_text("Hệ thống đang quá tải")
        expect(page.locator("#notice")).to_contain_text(re.compile(r"sau \d+ giây"))
        expect(page.locator(".msg.user.pending")).to_have_text("hai")
    finally:
        tight.rasa.release()
    expect(first.locator(".msg.bot").last).to_have_text("Trả lời: một")
    answered_once(page, tight, "hai", bodies)
    assert watched.errors == []


def test_a_lost_answer_is_fetched_again_not_asked_twice(tight: Site, open_page) -> None:
    watched = open_page()
    page = watched.page
    bodies = posted(page)
    page.goto(tight.url + "/")
    lost: list[int] = []

    def lose_the_first_answer(route) -> None:
        if lost:
            route.continue_()
            return
        lost.append(route.fetch().status)  # the server took and answered it...
        route.abort("connectionreset")  # ...and the answer never reached the page

    page.route("**/api/chat", lose_the_first_answer)
    ask(page, "ba")
    expect(page.locator("#notice")).to_contain_text("mất kết nối")
    expect(page.locator(".msg.user.pending")).to_have_text("ba")
    answered_once(page, tight, "ba", bodies)
    assert lost == [200]
    assert watched.errors == []


def test_an_unsent_message_survives_a_reload(tight: Site, open_page) -> None:
    watched = open_page()
    page = watched.page
    page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    page.goto(tight.url + "/")
    ask(page, "bốn")
    expect(page.locator("#notice")).to_contain_text("mất kết nối")
    page.reload()  # the citizen reloads while still offline: what they typed is still there
    expect(page.locator(".msg.user.pending")).to_have_text("bốn")
    expect(page.locator("#notice")).to_contain_text("mất kết nối")
    bodies = posted(page)
    page.unroute("**/api/chat")  # back online: it is sent by itself
    expect(page.locator(".msg.bot").filter(has_text="Trả lời: bốn")).to_have_count(1)
    expect(page.locator(".msg.user.pending")).to_have_count(0)
    expect(page.locator(".msg.user").filter(has_text="bốn")).to_have_count(1)
    assert [b["message"] for b in bodies] == ["bốn"]
    assert tight.rasa.messages(conversation(page)) == ["bốn"]
    assert watched.errors == []
