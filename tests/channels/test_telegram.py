"""Telegram channel against a local fake Bot API, with the real Rasa and action servers behind."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlmodel import Session, select

from bot.channels.records import OutboxMessage
from bot.channels.store import open_store
from tests.channels.conftest import HELPER_ID, TOKEN, WEBHOOK_SECRET, wait_for
from tests.conftest import free_port
from tests.support.fake_telegram import FakeTelegram
from tests.support.database import migrated_url

pytestmark = pytest.mark.integration

PROCEDURE = "1.001193"
QUESTION = "dang ky khai sinh cho con"


def _reply_with(fake: FakeTelegram, chat: int, needle: str, timeout: float = 90.0) -> str:
    found = wait_for(lambda: next((t for t in fake.texts(chat) if needle in t), None),
                     timeout, f"a reply containing {needle!r} in chat {chat}")
    return str(found)


def test_question_round_trip_with_buttons(running_system, fake_telegram, telegram_bot):
    telegram_bot(running_system.rasa_port)
    chat = 1001
    fake_telegram.push(fake_telegram.text_update(chat, QUESTION))
    _reply_with(fake_telegram, chat, PROCEDURE)

    keyboards = [c.params["reply_markup"]["inline_keyboard"] for c in fake_telegram.sent(chat)
                 if "reply_markup" in c.params]
    if keyboards:  # Rasa offered buttons: each fits Telegram's 64 bytes and answers when tapped
        data = keyboards[0][0][0]["callback_data"]
        assert len(data.encode()) <= 64
        before = len(fake_telegram.sent(chat))
        fake_telegram.push(fake_telegram.callback_update(chat, data))
        wait_for(lambda: len(fake_telegram.sent(chat)) > before, 90, "an answer to the button")
        assert fake_telegram.calls_of("answerCallbackQuery")


def test_commands_unsupported_content_and_oversize(running_system, fake_telegram, telegram_bot):
    telegram_bot(running_system.rasa_port)
    chat = 1002
    for text in ("/start", "/help"):
        fake_telegram.push(fake_telegram.text_update(chat, text))
    fake_telegram.push(fake_telegram.sticker_update(chat))
    fake_telegram.push(fake_telegram.text_update(chat, "a" * 2500))
    wait_for(lambda: len(fake_telegram.texts(chat)) >= 4, 30, "four answers")
    start, help_, sticker, too_long = fake_telegram.texts(chat)[:4]
    assert "Một Cửa" in start
    assert "/tracuu" in help_
    assert "chưa đọc được" in sticker and "/help" in sticker
    assert "2500" in too_long and "2000" in too_long


def test_stale_or_forged_button_is_answered_politely(running_system, fake_telegram, telegram_bot):
    telegram_bot(running_system.rasa_port)
    chat = 1003
    fake_telegram.push(fake_telegram.callback_update(chat, "b:forged-key"))
    assert "Nút này đã cũ" in _reply_with(fake_telegram, chat, "Nút")


def test_photo_is_downloaded_and_passed_on(running_system, fake_telegram, telegram_bot, tmp_path):
    telegram_bot(running_system.rasa_port)
    chat = 1004
    fake_telegram.push(fake_telegram.photo_update(chat, caption="ổ gà trên đường"))
    wait_for(lambda: fake_telegram.texts(chat), 90, "an answer to the photo")
    assert fake_telegram.calls_of("getFile")
    saved = list((tmp_path / "var" / "uploads" / "telegram").glob("*.jpg"))
    assert len(saved) == 1 and saved[0].stat().st_size > 0


def test_a_photo_that_cannot_be_saved_is_explained(fake_telegram, telegram_bot, tmp_path):
    uploads = tmp_path / "var" / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "telegram").write_bytes(b"")  # a file where the folder should be: as a full disk
    bot = telegram_bot(free_port())  # no Rasa: the photo is refused before reaching it
    chat = 1010
    fake_telegram.push(fake_telegram.photo_update(chat, caption="ổ gà"))
    assert "chưa tải được ảnh" in _reply_with(fake_telegram, chat, "ảnh")
    fake_telegram.push(fake_telegram.text_update(chat, "/help"))  # the process still answers
    assert "/tracuu" in _reply_with(fake_telegram, chat, "/tracuu")
    assert bot.process is not None and bot.process.poll() is None
    assert "could not be downloaded (FileExistsError)" in bot.log()


def test_rasa_down_apology_then_answer(running_system, rasa_proxy, fake_telegram, telegram_bot):
    rasa_proxy.up = False
    telegram_bot(rasa_proxy.port)
    chat = 1005
    fake_telegram.push(fake_telegram.text_update(chat, QUESTION))
    apology = _reply_with(fake_telegram, chat, "gián đoạn", 30)
    assert "không cần gửi lại" in apology
    assert not any(PROCEDURE in t for t in fake_telegram.texts(chat))
    rasa_proxy.up = True
    _reply_with(fake_telegram, chat, PROCEDURE)
    assert sum("gián đoạn" in t for t in fake_telegram.texts(chat)) == 1


def test_flood_control_429_is_honoured(running_system, fake_telegram, telegram_bot):
    telegram_bot(running_system.rasa_port)
    chat = 1006
    fake_telegram.flood_control("sendMessage", times=1, retry_after=2)
    fake_telegram.push(fake_telegram.text_update(chat, "/help"))
    wait_for(lambda: fake_telegram.texts(chat), 30, "the help text after the 429")
    attempts = [c for c in fake_telegram.calls_of("sendMessage") if str(c.params["chat_id"]) == str(chat)]
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= 1.9


def test_outbox_survives_a_restart(running_system, fake_telegram, telegram_bot):
    bot = telegram_bot(running_system.rasa_port)
    chat = 1007
    fake_telegram.flood_control("sendMessage", times=1, retry_after=6)
    fake_telegram.push(fake_telegram.text_update(chat, "/help"))
    wait_for(lambda: fake_telegram.calls_of("sendMessage"), 30, "the first (refused) send")
    assert bot.stop() == 0
    restarted_at = time.monotonic()
    telegram_bot(running_system.rasa_port)
    texts = wait_for(lambda: fake_telegram.texts(chat), 45, "the help text after the restart")
    assert "/tracuu" in texts[0]
    assert fake_telegram.calls_of("sendMessage")[-1].at > restarted_at


def test_secret_token_never_logged(running_system, fake_telegram, telegram_bot):
    bot = telegram_bot(running_system.rasa_port)
    fake_telegram.push(fake_telegram.text_update(1008, "/start"))
    wait_for(lambda: fake_telegram.texts(1008), 30, "an answer")
    bot.stop()
    log = bot.log()
    assert "getUpdates" in log or "sẵn sàng" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


def test_assisted_session_hands_over_a_card(running_system, fake_telegram, telegram_bot):
    telegram_bot(running_system.rasa_port)
    citizen_chat = 1009
    fake_telegram.push(fake_telegram.text_update(citizen_chat, "/hotro"))
    assert "dành cho thành viên" in _reply_with(fake_telegram, citizen_chat, "/hotro", 30)

    fake_telegram.push(fake_telegram.text_update(HELPER_ID, "/hotro bà Lò Thị Mai"))
    opened = _reply_with(fake_telegram, HELPER_ID, "Đã mở phiên hỗ trợ", 30)
    session = re.search(r"HT-[A-Z0-9]{6}", opened).group(0)
    fake_telegram.push(fake_telegram.text_update(HELPER_ID, QUESTION))
    _reply_with(fake_telegram, HELPER_ID, PROCEDURE)
    fake_telegram.push(fake_telegram.text_update(HELPER_ID, "/xong"))
    card = _reply_with(fake_telegram, HELPER_ID, "PHIẾU HỖ TRỢ", 30)
    assert session in card and "Nguyễn Thị Hỗ Trợ" in card and "Lò Thị Mai" in card
    assert PROCEDURE in card and "Bước tiếp theo" in card


def test_tracking_lookup_reads_the_feedback_service(running_system, fake_telegram, telegram_bot, tmp_path):
    from feedback.config import FeedbackConfig
    from feedback.service import PetitionInput
    from feedback.web import build_service

    service = build_service(FeedbackConfig(db_url=migrated_url(tmp_path / "var"), secret_key="test"))
    filed = service.file_petition(PetitionInput(
        description="Đèn đường ở ngõ 5 phố Trần Đăng Ninh bị hỏng đã một tuần",
        location_text="phường Chi Lăng", channel="telegram"))
    telegram_bot(running_system.rasa_port)  # the same data folder, so the same database
    chat = 1010
    fake_telegram.push(fake_telegram.text_update(chat, f"/tracuu {filed.code.lower()}"))
    status = _reply_with(fake_telegram, chat, filed.code, 30)
    assert service.lookup(filed.code).status_label in status
    fake_telegram.push(fake_telegram.text_update(chat, "/tracuu PA-AAAAAA"))
    assert "Không tìm thấy" in _reply_with(fake_telegram, chat, "Không tìm thấy", 30)


class TestWebhookMode:
    @pytest.fixture
    def webhook_bot(self, running_system, fake_telegram, telegram_bot):
        return telegram_bot(running_system.rasa_port, TELEGRAM_MODE="webhook",
                            TELEGRAM_WEBHOOK_URL="https://motcua.example.vn/telegram/webhook",
                            TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET)

    def _post(self, bot, body, secret=WEBHOOK_SECRET, **kw) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return httpx.post(f"{bot.url}/telegram/webhook", headers=headers, timeout=30,
                          **({"json": body} if body is not None else kw))

    def test_registered_with_secret_and_round_trip(self, webhook_bot, fake_telegram):
        assert fake_telegram.webhook["secret_token"] == WEBHOOK_SECRET
        update = fake_telegram.text_update(2001, QUESTION)
        assert self._post(webhook_bot, update).status_code == 200
        _reply_with(fake_telegram, 2001, PROCEDURE)

    def test_wrong_or_missing_secret_rejected(self, webhook_bot, fake_telegram):
        update = fake_telegram.text_update(2002, "/start")
        assert self._post(webhook_bot, update, secret="guess").status_code == 403
        assert self._post(webhook_bot, update, secret=None).status_code == 403
        assert self._post(webhook_bot, update).status_code == 200
        wait_for(lambda: fake_telegram.texts(2002), 30, "an answer to the genuine update")
        assert len(fake_telegram.texts(2002)) == 1

    def test_replayed_update_ignored(self, webhook_bot, fake_telegram, tmp_path):
        update = fake_telegram.text_update(2003, "/help")
        for _ in range(3):
            assert self._post(webhook_bot, update).status_code == 200
        # Each 200 came after the update was handled: the replays queued nothing more.
        with Session(open_store(migrated_url(tmp_path / "var"))) as session:
            queued = session.exec(select(OutboxMessage).where(OutboxMessage.address == "2003")).all()
        assert len(queued) == 1
        wait_for(lambda: fake_telegram.texts(2003), 30, "the answer")

    def test_malformed_and_oversize_bodies(self, webhook_bot):
        assert self._post(webhook_bot, None, content=b"{not json").status_code == 400
        assert self._post(webhook_bot, None, content=b"[1, 2]").status_code == 400
        assert self._post(webhook_bot, {"hello": "world"}).status_code == 400
        big = {"update_id": 1, "message": {"text": "x" * 400_000}}
        assert self._post(webhook_bot, big).status_code == 413
        assert httpx.get(f"{webhook_bot.url}/healthz").status_code == 200
