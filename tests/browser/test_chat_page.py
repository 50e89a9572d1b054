"""The citizen chat page (/) in headless Chromium, against the whole running system.

`running_system` is `motcua up` on free loopback ports: real Rasa, real action server, real web
server. The browser types into the page like a citizen and reads the bubbles the page draws.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, horizontal_overflow, needs_chromium

pytestmark = [pytest.mark.integration, needs_chromium]

QUESTION = "dang ky khai sinh cho con"
SCRIPT = "<script>window.__pwned = 1; alert('xss')</script>"
IMG = "<img src=x onerror=\"window.__pwned = 2; alert('img')\">"


def ask(page, text: str) -> None:
    page.get_by_label("Câu hỏi").fill(text)
    page.get_by_role("button", name="Gửi", exact=True).click()


def test_question_gets_the_procedure_card_then_a_button_reply(running_system, open_page):
    watched = open_page()
    page = watched.page
    page.goto(running_system.web_url + "/")
    expect(page).to_have_title("Một Cửa — Hỏi đáp thủ tục hành chính")
    expect(page.locator(".msg.bot").first).to_contain_text("Xin chào")

    ask(page, QUESTION)
    expect(page.locator(".msg.user").last).to_have_text(QUESTION)
    expect(page.get_by_label("Câu hỏi")).to_have_value("")  # the input is cleared for the next one
    card = page.locator(".msg.bot").filter(has_text="1.001193")
    expect(card).to_contain_text("Thủ tục đăng ký khai sinh")
    expect(card).to_contain_text("Giấy tờ cần chuẩn bị")

    ask(page, "có")  # "yes, tell me more": the bot offers buttons
    offer = page.locator(".buttons").filter(has_text="Kiểm tra giấy tờ")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Giấy tờ", exact=True).click()
    # The button's title is shown as the citizen's message; its payload went to the bot.
    expect(page.locator(".msg.user").last).to_have_text("Giấy tờ")
    expect(offer).to_have_count(0)  # used buttons go away
    papers_reply = page.locator(".msg.bot").last
    expect(papers_reply).to_contain_text("Thủ tục đăng ký khai sinh (mã 1.001193)")
    expect(papers_reply).to_contain_text("Giấy tờ phải nộp")
    assert watched.errors == []


def test_markup_in_messages_is_text_and_never_runs(running_system, open_page):
    watched = open_page()
    page = watched.page
    page.goto(running_system.web_url + "/")
    for text in (SCRIPT, IMG):
        ask(page, text)
        expect(page.locator(".msg.user").last).to_have_text(text)
        # Wait for the bot's answer to replace the "…" bubble: whatever it says, it is text.
        expect(page.locator(".msg.bot").last).not_to_have_text("…")
    assert page.locator("#log script, #log img[src='x']").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    assert watched.dialogs == []


def test_phone_layout_has_no_horizontal_overflow(running_system, open_page, screenshots_dir):
    page = open_page(PHONE).page
    page.goto(running_system.web_url + "/")
    ask(page, QUESTION)
    expect(page.locator(".msg.bot").filter(has_text="1.001193")).to_be_visible()
    ask(page, "có")
    expect(page.locator(".buttons button").first).to_be_visible()
    assert horizontal_overflow(page) <= 0
    form = page.locator("#form").bounding_box()
    assert form["y"] + form["height"] <= PHONE["height"] + 1  # the input stays on screen
    page.screenshot(path=screenshots_dir / "chat-phone.png")
