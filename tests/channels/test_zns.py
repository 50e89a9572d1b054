"""ZNS: petition notices by phone number, against a local fake of Zalo's ZNS API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session, select

from bot.channels.alerts import active_alerts
from bot.channels.delivery import Delivered, PermanentFailure, RefreshCredentials, RetryLater
from bot.channels.outbox import Dispatcher, queue
from bot.channels.ratelimit import SendLimiter
from bot.channels.records import OutboxMessage, ZnsMessage, ZnsTemplateStatus
from bot.channels.store import open_store
from bot.channels.zalo_api import ZaloSender
from bot.channels.zalo_config import ZaloConfig
from bot.channels.zalo_tokens import ZaloTokens
from bot.channels.zns import ZnsSender, normalise_phone, tracking_id
from bot.channels.zns_events import handle_zns_event
from bot.channels.zns_templates import (
    NOTICE_KINDS,
    TemplateFileError,
    load_templates,
    notice_data,
)
from bot.rasa_client import BotMessage
from feedback.config import PROVINCES_DIR
from feedback.db import session_scope
from feedback.deadlines import VN_TZ
from tests.support.served import ServedApp
from tests.support.database import migrated_url

PHONE = "0912 345 678"
PHONE_84 = "84912345678"
ANSWERED_ID = "401234"
TEMPLATES = """
templates:
  answered:
    template_id: "401234"
    content: "Phản ánh <ma_phan_anh> đã có trả lời của <don_vi> ngày <ngay_tra_loi>."
    params:
      ma_phan_anh: {from: code, max: 30}
      don_vi: {from: unit, max: 200}
      ngay_tra_loi: {from: date, max: 20}
  accepted:
    template_id: CAN_DANG_KY
    params:
      ma_phan_anh: {from: code, max: 30}
"""


class FakeZns:
    """Zalo's ZNS send endpoint and OA token endpoint: answers scripted error codes in a 200 body,
    as Zalo does, and checks the ``access_token`` header (single-use refresh tokens)."""

    def __init__(self) -> None:
        self.access_token = "access-0"
        self.refresh_token = "refresh-0"
        self.refreshes = 0
        self.requests: list[dict[str, Any]] = []  # every send request, accepted or not
        self.accepted: list[dict[str, Any]] = []
        self.script: list[dict[str, Any] | int] = []  # next answers: a body, or an HTTP status
        self.stall_s = 0.0  # accept, then answer this late (the client gives up first)
        self._lock = threading.Lock()
        self._served = ServedApp(self._app(), "fake ZNS")

    @property
    def base_url(self) -> str:
        return self._served.base_url

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/message/template")
        async def send(request: Request) -> JSONResponse:
            body = await request.json()
            with self._lock:
                self.requests.append(body)
                scripted = self.script.pop(0) if self.script else None
                if isinstance(scripted, int):
                    return JSONResponse({"message": "server error"}, status_code=scripted)
                if scripted is not None:
                    return JSONResponse(scripted)
                if request.headers.get("access_token") != self.access_token:
                    return JSONResponse({"error": -124, "message": "Access token is invalid"})
                self.accepted.append(body)
                msg_id = f"zns-msg-{len(self.accepted)}"
                stall = self.stall_s
            await asyncio.sleep(stall)
            return JSONResponse({"error": 0, "message": "Success", "data": {
                "msg_id": msg_id, "sent_time": "1719000000000",
                "quota": {"dailyQuota": "500", "remainingQuota": "499"}}})

        @app.post("/v4/oa/access_token")
        async def token(request: Request) -> JSONResponse:
            form = await request.form()
            with self._lock:
                if form.get("refresh_token") != self.refresh_token:
                    return JSONResponse({"error": -14014, "error_name": "Invalid refresh token"})
                self.refreshes += 1
                self.access_token = f"access-{self.refreshes}"
                self.refresh_token = f"refresh-{self.refreshes}"
                return JSONResponse({"access_token": self.access_token,
                                     "refresh_token": self.refresh_token, "expires_in": "90000"})

        return app


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeZns]:
    fake = FakeZns()
    fake._served.start()
    yield fake
    fake._served.stop()


@pytest.fixture
def fake(fake_server: FakeZns) -> FakeZns:
    """The module's server, reset: one uvicorn per module keeps the tests quick."""
    with fake_server._lock:
        fake_server.requests.clear()
        fake_server.accepted.clear()
        fake_server.script.clear()
        fake_server.stall_s = 0.0
    return fake_server


def _config(fake: FakeZns, **overrides: Any) -> ZaloConfig:
    values: dict[str, Any] = {
        "oa_id": "2990000000000000002", "app_id": "4310000000000000001",
        "oa_secret_key": "oa-secret", "app_secret": "app-secret",
        "access_token": fake.access_token, "refresh_token": fake.refresh_token,
        "api_base_url": fake.base_url, "oauth_base_url": fake.base_url,
        "zns_enabled": True, "zns_api_url": f"{fake.base_url}/message/template",
    }
    return ZaloConfig(**(values | overrides))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield http


@pytest.fixture
def engine(tmp_path: Path):
    return open_store(migrated_url(tmp_path / "var"))


@pytest.fixture
def templates_file(tmp_path: Path) -> Path:
    path = tmp_path / "zns_templates.yml"
    path.write_text(TEMPLATES, encoding="utf-8")
    return path


def _sender(fake, engine, client, templates_file: Path, **config: Any) -> ZnsSender:
    settings = _config(fake, **config)
    return ZnsSender(settings, engine, client, ZaloTokens(settings, engine, client),
                     load_templates(templates_file))


def _answered(notice_id: int = 7, code: str = "PA-7K3Q9M",
              unit: str = "UBND xã Hoàng Văn Thụ") -> BotMessage:
    data = notice_data("answered", notice_id, code, unit=unit, on=date(2025, 9, 12))
    return BotMessage(text=f"Phản ánh {code} đã có trả lời.", data=data)


# ---- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    "0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "+84912345678",
    "+84 912 345 678", "84912345678", "0084 912 345 678", "(+84) 912.345.678",
    "+84 (0) 912 345 678",
    "912345678",
])
def test_mobile_numbers_are_normalised_to_84(raw):
    assert normalise_phone(raw) == PHONE_84


@pytest.mark.parametrize("raw, expected", [
    ("0386 123 456", "84386123456"), ("0562123456", "84562123456"), ("0707 123 456", "84707123456"),
    ("0888.123.456", "84888123456"), ("+84 99 812 3456", "84998123456"),
])
def test_every_mobile_prefix_is_taken(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", [
    "024 3825 1234",  # Hà Nội landline
    "0205 3870 123",  # Lạng Sơn landline
    "0912 345 67", "0912 345 6789", "0123456789", "+1 415 555 0100", "09I2345678", "", "   ",
])
def test_anything_but_a_vietnamese_mobile_is_refused(raw):
    assert normalise_phone(raw) is None


async def test_a_landline_is_refused_before_any_call(fake, engine, client, templates_file):
    sender = _sender(fake, engine, client, templates_file)
    result = await sender.send("0205 3870 123", _answered(), "notice")
    assert isinstance(result, PermanentFailure) and result.code == "invalid_phone"
    assert "không phải số di động" in result.hint
    assert fake.requests == []


# ---- templates and parameters --------------------------------------------------------------------


async def test_the_shipped_templates_are_placeholders_so_nothing_is_sent(fake, engine, client):
    shipped = PROVINCES_DIR / "lang-son" / "zns_templates.yml"
    book = load_templates(shipped)
    assert set(book.templates) == set(NOTICE_KINDS)
    assert [kind for kind in NOTICE_KINDS if book.registered(kind)] == []
    settings = _config(fake)
    sender = ZnsSender(settings, engine, client, ZaloTokens(settings, engine, client), book)
    result = await sender.send(PHONE, _answered(), "notice")
    assert isinstance(result, PermanentFailure) and result.code == "no_template"
    assert "cần đăng ký" in result.reason
    assert fake.requests == []


async def test_a_notice_without_template_or_data_is_refused_visibly(fake, engine, client,
                                                                     templates_file):
    sender = _sender(fake, engine, client, templates_file)
    accepted = BotMessage(text="Đã thụ lý.", data=notice_data("accepted", 8, "PA-7K3Q9M"))
    for message in (accepted, BotMessage(text="Một tin nhắn thường.")):
        result = await sender.send(PHONE, message, "notice")
        assert isinstance(result, PermanentFailure) and result.code == "no_template"
    assert fake.requests == []


@pytest.mark.parametrize("message, reason", [
    (_answered(unit=""), "parameter 'don_vi' is empty (notice field 'unit' missing)"),
    (_answered(code="PA-" + "X" * 40),
     "parameter 'ma_phan_anh' is 43 characters, the template allows 30"),
])
async def test_parameters_are_checked_before_sending(fake, engine, client, templates_file, message,
                                                     reason):
    result = await _sender(fake, engine, client, templates_file).send(PHONE, message, "notice")
    assert isinstance(result, PermanentFailure)
    assert (result.code, result.reason) == ("bad_param", reason)
    assert fake.requests == []


def test_a_malformed_template_file_is_refused(tmp_path):
    bad = tmp_path / "zns_templates.yml"
    bad.write_text("templates:\n  answered:\n    template_id: '1'\n    content: 'Mã <ma>'\n"
                   "    params:\n      ma: {from: phone, max: 30}\n", encoding="utf-8")
    with pytest.raises(TemplateFileError, match="'from' must be one of"):
        load_templates(bad)
    bad.write_text("templates:\n  answered:\n    template_id: '1'\n    content: 'Mã <ma> <khac>'\n"
                   "    params:\n      ma: {from: code, max: 30}\n", encoding="utf-8")
    with pytest.raises(TemplateFileError, match="differ"):
        load_templates(bad)


# ---- sending ------------------------------------------------------------------------------------


async def test_a_notice_is_sent_by_template_and_zalo_msg_id_kept(fake, engine, client,
                                                                  templates_file):
    message = _answered()
    result = await _sender(fake, engine, client, templates_file).send(PHONE, message, "notice")
    assert result == Delivered("zns-msg-1")
    [body] = fake.accepted
    assert body == {
        "phone": PHONE_84, "template_id": ANSWERED_ID,
        "tracking_id": tracking_id(PHONE_84, message.data),
        "template_data": {"ma_phan_anh": "PA-7K3Q9M", "don_vi": "UBND xã Hoàng Văn Thụ",
                          "ngay_tra_loi": "12/09/2025"},
    }
    with Session(engine) as session:
        entry = session.get(ZnsMessage, body["tracking_id"])
    assert entry is not None and entry.msg_id == "zns-msg-1" and entry.sent_at is not None


async def test_development_mode_is_sent_as_such(fake, engine, client, templates_file):
    sender = _sender(fake, engine, client, templates_file, zns_development=True)
    assert isinstance(await sender.send(PHONE, _answered(), "notice"), Delivered)
    assert fake.accepted[0]["mode"] == "development"


async def test_an_accepted_notice_is_not_sent_twice(fake, engine, client, templates_file):
    sender = _sender(fake, engine, client, templates_file)
    first = await sender.send(PHONE, _answered(), "notice")
    again = await sender.send("+84 912 345 678", _answered(), "notice")  # a duplicate row, say
    other = await sender.send(PHONE, _answered(notice_id=9), "notice")  # a later notice
    assert first == again == Delivered("zns-msg-1")
    assert other == Delivered("zns-msg-2")
    assert len(fake.requests) == 2


def _seconds_to_vietnam_midnight() -> float:
    local = datetime.now(VN_TZ)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), VN_TZ)
    return (midnight - local).total_seconds()


async def test_a_spent_daily_quota_waits_for_midnight_with_the_same_tracking_id(
        fake, engine, client, templates_file):
    fake.script.append({"error": -144, "message": "OA exceeded the daily quota"})
    sender = _sender(fake, engine, client, templates_file)
    first = await sender.send(PHONE, _answered(), "notice")
    assert isinstance(first, RetryLater) and "-144" in first.reason and first.pause_channel
    assert abs(first.after_s - max(60.0, _seconds_to_vietnam_midnight())) < 30
    second = await sender.send(PHONE, _answered(), "notice")  # the outbox's retry, next day
    assert second == Delivered("zns-msg-1")
    assert len(fake.requests) == 2
    assert fake.requests[0]["tracking_id"] == fake.requests[1]["tracking_id"]


@pytest.mark.parametrize("code, reason", [
    (-131, "template not approved"), (-146, "template disabled by Zalo for low quality"),
    (-118, "no Zalo account for this phone number"), (-141, "recipient refuses ZNS from this OA"),
])
async def test_refusals_for_good_are_permanent(fake, engine, client, templates_file, code, reason):
    fake.script.append({"error": code, "message": "refused"})
    result = await _sender(fake, engine, client, templates_file).send(PHONE, _answered(), "notice")
    assert isinstance(result, PermanentFailure)
    assert (result.code, result.reason) == (str(code), reason) and result.hint


async def test_an_unlisted_code_is_permanent_in_zalos_words(fake, engine, client, templates_file):
    fake.script.append({"error": -999, "message": "Something new"})
    result = await _sender(fake, engine, client, templates_file).send(PHONE, _answered(), "notice")
    assert isinstance(result, PermanentFailure)
    assert (result.code, result.reason) == ("-999", "unlisted ZNS error: Something new")


async def test_rate_limit_and_server_errors_are_retried(fake, engine, client, templates_file):
    sender = _sender(fake, engine, client, templates_file)
    fake.script.append({"error": -32, "message": "rate limit"})
    limited = await sender.send(PHONE, _answered(), "notice")
    assert limited == RetryLater(60, "ZNS -32: rate limited by Zalo", pause_channel=True)
    fake.script.append(503)
    assert await sender.send(PHONE, _answered(), "notice") == RetryLater(None, "HTTP 503")
    assert await sender.send(PHONE, _answered(), "notice") == Delivered("zns-msg-1")


async def test_an_expired_token_is_refreshed_once_and_the_notice_sent(fake, engine, client,
                                                                       templates_file):
    sender = _sender(fake, engine, client, templates_file)
    with fake._lock:
        fake.access_token = "expired-elsewhere"  # Zalo dropped the token early
    refreshes = fake.refreshes
    assert await sender.send(PHONE, _answered(), "notice") == Delivered("zns-msg-1")
    assert fake.refreshes == refreshes + 1
    assert len(fake.requests) == 2
    assert fake.requests[0]["tracking_id"] == fake.requests[1]["tracking_id"]


async def test_a_token_refused_even_when_fresh_asks_for_credentials(fake, engine, client,
                                                                    templates_file):
    fake.script.extend([{"error": -124, "message": "Access token is invalid"}] * 2)
    result = await _sender(fake, engine, client, templates_file).send(PHONE, _answered(), "notice")
    assert isinstance(result, RefreshCredentials) and "-124" in result.reason
    assert [alert.key for alert in active_alerts(engine)] == ["zalo-token"]


async def test_a_failed_token_refresh_keeps_the_notice(fake, engine, client, templates_file):
    sender = _sender(fake, engine, client, templates_file)
    with fake._lock:
        fake.access_token, fake.refresh_token = "expired-elsewhere", "spent-elsewhere"
    result = await sender.send(PHONE, _answered(), "notice")
    assert isinstance(result, RefreshCredentials) and "refused" in result.reason
    assert len(fake.requests) == 1 and fake.accepted == []
    assert [alert.key for alert in active_alerts(engine)] == ["zalo-token"]


async def test_a_spent_zns_balance_keeps_notices_and_alerts_officers(fake, engine, client,
                                                                     templates_file):
    sender = _sender(fake, engine, client, templates_file)
    fake.script.append({"error": -115, "message": "Out of quota"})
    result = await sender.send(PHONE, _answered(), "notice")
    assert result == RetryLater(3600.0, "ZNS -115: the OA's ZNS balance is spent",
                                pause_channel=True)
    [alert] = active_alerts(engine)
    assert alert.channel == "zns" and "Nạp tiền" in alert.message
    assert await sender.send(PHONE, _answered(), "notice") == Delivered("zns-msg-1")
    assert active_alerts(engine) == []


# ---- webhook events ---------------------------------------------------------------------------


def _receipt(msg_id: str, tracking: str) -> dict[str, Any]:
    """A ZNS delivery receipt as the OA webhook carries it (``delivery_time`` marks it as ZNS)."""
    return {"event_name": "user_received_message", "app_id": "4310000000000000001",
            "sender": {"id": "2990000000000000002"}, "recipient": {"id": "u-by-app-123"},
            "message": {"msg_id": msg_id, "tracking_id": tracking,
                        "delivery_time": "1757660000000"},
            "timestamp": "1757660000500"}


async def test_a_receipt_after_a_lost_answer_prevents_a_second_send(fake, engine, templates_file):
    async with httpx.AsyncClient(timeout=0.3) as impatient:
        sender = _sender(fake, engine, impatient, templates_file)
        fake.stall_s = 2.0  # Zalo takes the notice but its answer never reaches us
        with pytest.raises(httpx.TimeoutException):
            await sender.send(PHONE, _answered(), "notice")
        fake.stall_s = 0.0
        [sent] = fake.accepted
        assert handle_zns_event(engine, _receipt("zns-msg-1", sent["tracking_id"])) is True
        assert await sender.send(PHONE, _answered(), "notice") == Delivered("zns-msg-1")
    assert len(fake.requests) == 1
    with Session(engine) as session:
        entry = session.get(ZnsMessage, sent["tracking_id"])
    assert entry is not None and entry.delivered_at is not None
    assert entry.delivered_at.timestamp() == 1757660000.0


def test_oa_receipts_and_chat_events_are_left_to_the_oa_channel(engine):
    oa_receipt = {"event_name": "user_received_message", "message": {"msg_ids": ["m1"]}}
    text = {"event_name": "user_send_text", "message": {"msg_id": "m2", "text": "xin chào"}}
    assert handle_zns_event(engine, oa_receipt) is False
    assert handle_zns_event(engine, text) is False


def test_template_status_changes_are_recorded_newest_first(engine, caplog):
    def event(new: str, prev: str, at: int) -> dict[str, Any]:
        return {"event_name": "change_template_status", "app_id": "4310000000000000001",
                "oa_id": "2990000000000000002", "template_id": ANSWERED_ID,
                "status": {"prev_status": prev, "new_status": new}, "reason": "Nội dung chưa rõ",
                "timestamp": str(at)}

    assert handle_zns_event(engine, event("ENABLE", "PENDING_REVIEW", 1_757_000_000_000)) is True
    assert handle_zns_event(engine, event("DISABLE", "ENABLE", 1_757_000_100_000)) is True
    assert handle_zns_event(engine, event("ENABLE", "PENDING_REVIEW", 1_757_000_000_000)) is True
    with Session(engine) as session:
        rows = session.exec(select(ZnsTemplateStatus)).all()
    assert [(r.template_id, r.status, r.previous) for r in rows] == [
        (ANSWERED_ID, "DISABLE", "ENABLE")]
    assert f"ZNS template {ANSWERED_ID} is now DISABLE" in caplog.text
    assert rows[0].changed_at == datetime.fromtimestamp(1_757_000_100, UTC)


# ---- through the outbox -------------------------------------------------------------------------


async def test_a_notice_outside_the_oa_window_reaches_the_phone_by_zns(fake, engine, client,
                                                                      templates_file):
    """A Zalo notice to a citizen silent for days: the OA may not write, so the outbox moves it to
    the ("zns", phone) fallback, ZNS delivers it, and the receipt marks the row delivered."""
    settings = _config(fake)
    tokens = ZaloTokens(settings, engine, client)
    oa = ZaloSender(settings, engine, client, tokens)
    zns = ZnsSender(settings, engine, client, tokens, load_templates(templates_file))
    with session_scope(engine) as session:
        queue(session, "zalo", "zalo-user-42", [_answered()], "notice", [("zns", PHONE)])
    oa_outbox = Dispatcher(engine, oa, SendLimiter(per_chat_s=0, global_per_s=100), poll_s=0.05)
    zns_outbox = Dispatcher(engine, zns, SendLimiter(per_chat_s=0, global_per_s=100), poll_s=0.05)

    def rows() -> dict[str, OutboxMessage]:
        with Session(engine) as session:
            return {r.channel: r for r in session.exec(select(OutboxMessage)).all()}

    for _ in range(100):
        await oa_outbox.run_once()
        await zns_outbox.run_once()
        if rows().get("zns") and rows()["zns"].state == "sent":
            break
    outbox = rows()
    assert outbox["zalo"].state == "rerouted"
    assert (outbox["zns"].state, outbox["zns"].address) == ("sent", PHONE)
    assert outbox["zns"].platform_message_id == "zns-msg-1"
    [sent] = fake.accepted
    assert sent["phone"] == PHONE_84 and sent["template_data"]["ma_phan_anh"] == "PA-7K3Q9M"

    assert handle_zns_event(engine, _receipt("zns-msg-1", sent["tracking_id"])) is True
    assert rows()["zns"].delivered_at == datetime.fromtimestamp(1_757_660_000, UTC)
