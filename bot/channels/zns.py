"""Outbox → ZNS (Zalo Notification Service): a petition notice to a phone number, by template.

When the OA's free reply window has closed, a petition notice can still reach the citizen through
ZNS: an approved template sent to the phone number they gave, with the OA's own access token. The
outbox hands this sender rows of channel ``zns`` (usually a Zalo notice's fallback); the notice's
kind and values travel in ``BotMessage.data`` (see ``zns_templates.notice_data``).

Everything that can be refused without asking Zalo is refused first: a number that is not a
Vietnamese mobile, a notice without an approved template, a parameter missing or too long. Each
notice gets a deterministic ``tracking_id``; the ZNS ledger (``ch_zns_message``) remembers it, so a
notice already accepted, or whose delivery receipt has come in, is not sent a second time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from bot.channels.alerts import clear_alert, raise_alert
from bot.channels.delivery import (
    Delivered,
    DeliveryResult,
    PermanentFailure,
    RefreshCredentials,
    RetryLater,
)
from bot.channels.records import ZnsMessage, utcnow
from bot.channels.zalo_config import ZaloConfig
from bot.channels.zalo_tokens import TokenRefreshFailed, ZaloTokens
from bot.channels.zns_codes import Action, Rule, rule_for, seconds_until
from bot.channels.zns_templates import TemplateBook
from bot.rasa_client import BotMessage
from feedback.db import session_scope

log = logging.getLogger(__name__)

CHANNEL = "zns"
SETUP_ALERT_KEY = "zns-setup"
_SEPARATORS = re.compile(r"[\s.\-()/]")
_MOBILE = re.compile(r"[35789]\d{8}")  # after the country code: 03x, 05x, 07x, 08x, 09x + 7 digits

# What officers read on the dead-letter page when we refuse a notice before asking Zalo.
HINT_PHONE = ("Số điện thoại người dân để lại không phải số di động Việt Nam nên không gửi được "
              "ZNS. Liên hệ người dân bằng cách khác, ví dụ gọi điện.")
HINT_NO_TEMPLATE = ("Chưa có mẫu ZNS được Zalo duyệt cho loại thông báo này. Đăng ký mẫu, ghi ID "
                    "mẫu vào tệp zns_templates.yml của tỉnh, rồi bấm “Gửi lại”.")
HINT_PARAM = ("Nội dung thông báo không vừa mẫu ZNS đã đăng ký (thiếu hoặc quá dài). Quản trị "
              "kiểm tra tham số trong tệp zns_templates.yml; sửa xong bấm “Gửi lại”.")


class ZnsApiError(RuntimeError):
    """Zalo answered in a way we cannot classify (5xx, not JSON): the outbox backs off."""


def normalise_phone(raw: str) -> str | None:
    """``84`` + 9 digits for a Vietnamese mobile number, None for anything else.

    Takes ``0912 345 678``, ``0912.345.678``, ``+84 912 345 678``, ``84912345678``, ``0084…``,
    ``+84 (0) 912…`` and the 9 digits a spreadsheet leaves when it drops the leading 0.
    """
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not digits.isdigit():
        return None
    if digits.startswith("84") and len(digits) >= 11:
        digits = digits[2:]
    national = digits.removeprefix("0")
    return "84" + national if _MOBILE.fullmatch(national) else None


def tracking_id(phone: str, data: Mapping[str, str]) -> str:
    """The same id for the same notice to the same phone, whatever the attempt (ZNS allows 48)."""
    canonical = json.dumps({"phone": phone, **data}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class ZnsSender:
    """The outbox's ``Sender`` for ZNS: one template message per notice, to a phone number."""

    channel = CHANNEL

    def __init__(self, config: ZaloConfig, engine: Engine, client: httpx.AsyncClient,
                 tokens: ZaloTokens, templates: TemplateBook) -> None:
        self.config = config
        self.engine = engine
        self.client = client
        self.tokens = tokens  # the OA's own token: ZNS sends with it
        self.templates = templates
        self._setup_alert = True  # clear any stale setup alert on the first success

    async def send(self, address: str, message: BotMessage, kind: str) -> DeliveryResult:
        phone = normalise_phone(address)
        if phone is None:
            return PermanentFailure("invalid_phone", "not a Vietnamese mobile number", HINT_PHONE)
        data = dict(message.data or {})
        notice = data.get("notice", "")
        template = self.templates.registered(notice)
        if template is None or template.template_id is None:
            return PermanentFailure("no_template", f"no approved ZNS template for notice {notice!r}"
                                    " (cần đăng ký: see zns_templates.yml)", HINT_NO_TEMPLATE)
        try:
            params = template.fill(data)
        except ValueError as error:
            return PermanentFailure("bad_param", str(error), HINT_PARAM)
        tracking = tracking_id(phone, data)
        known = await asyncio.to_thread(self._begin, tracking, notice, template.template_id)
        if known is not None:
            return known
        body: dict[str, Any] = {"phone": phone, "template_id": template.template_id,
                                "template_data": params, "tracking_id": tracking}
        if self.config.zns_development:
            body["mode"] = "development"
        try:
            token = await self.tokens.current()
            answer = await self._post(body, token)
            if _refused_token(answer):
                answer = await self._post(body, await self.tokens.refresh(token))
                if _refused_token(answer):
                    await self.tokens.credentials_refused(f"ZNS {_code(answer)}")
        except TokenRefreshFailed as error:
            return RefreshCredentials(str(error))
        except ZnsApiError as error:
            return RetryLater(None, str(error))
        result, rule = classify(answer)
        if isinstance(result, Delivered):
            await asyncio.to_thread(self._accepted, tracking, result.message_id)
        await self._note_setup(result, rule)
        return result

    def _begin(self, tracking: str, notice: str, template_id: str) -> Delivered | None:
        """Delivered already (accepted, or its receipt came after a lost answer), else noted."""
        with session_scope(self.engine) as session:
            row = session.get(ZnsMessage, tracking)
            if row is None:
                session.add(ZnsMessage(tracking_id=tracking, notice=notice,
                                       template_id=template_id))
            elif row.msg_id or row.delivered_at:
                return Delivered(row.msg_id)
        return None

    def _accepted(self, tracking: str, msg_id: str | None) -> None:
        with session_scope(self.engine) as session:
            row = session.get(ZnsMessage, tracking)
            if row is not None:
                row.msg_id = row.msg_id or msg_id
                row.sent_at = row.sent_at or utcnow()
                session.add(row)

    async def _note_setup(self, result: DeliveryResult, rule: Rule | None) -> None:
        """Alert officers while the OA's ZNS setup refuses every notice; clear it after."""
        if rule is not None and rule.action is Action.CONFIG:
            log.error("ZNS refuses every notice until its setup is fixed: %s", rule.reason)
            self._setup_alert = True
            await asyncio.to_thread(raise_alert, self.engine, SETUP_ALERT_KEY, CHANNEL, rule.hint)
        elif isinstance(result, Delivered) and self._setup_alert:
            self._setup_alert = False
            await asyncio.to_thread(clear_alert, self.engine, SETUP_ALERT_KEY)

    async def _post(self, body: dict[str, Any], token: str) -> dict[str, Any]:
        response = await self.client.post(self.config.zns_api_url, json=body,
                                          headers={"access_token": token})
        if response.status_code == 429:
            return {"error": -32, "message": "HTTP 429"}
        if response.status_code >= 500:
            raise ZnsApiError(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as error:
            raise ZnsApiError(f"HTTP {response.status_code}, not JSON") from error
        if not isinstance(data, dict) or _code(data) is None:
            raise ZnsApiError(f"HTTP {response.status_code} without an error code")
        if response.status_code != 200 and _code(data) == 0:
            raise ZnsApiError(f"HTTP {response.status_code} claiming success")
        return data


def classify(answer: Mapping[str, Any]) -> tuple[DeliveryResult, Rule | None]:
    """What one ZNS answer (with an ``error`` code) means, and the rule behind it (if any)."""
    code = _code(answer)
    if code == 0:
        payload = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        return Delivered(str(payload.get("msg_id") or "") or None), None
    rule = rule_for(code or 0, str(answer.get("message") or ""))
    reason = f"ZNS {code}: {rule.reason}"
    match rule.action:
        case Action.REFRESH:
            return RefreshCredentials(reason), rule
        case Action.RETRY | Action.CONFIG:
            return RetryLater(rule.after_s, reason, rule.pause_channel), rule
        case Action.TOMORROW:
            return RetryLater(seconds_until(0, utcnow()), reason, rule.pause_channel), rule
        case Action.MORNING:
            return RetryLater(seconds_until(6, utcnow()), reason, rule.pause_channel), rule
    return PermanentFailure(str(code), rule.reason, rule.hint), rule


def _refused_token(answer: Mapping[str, Any]) -> bool:
    code = _code(answer)
    return code is not None and code != 0 and rule_for(code).action is Action.REFRESH


def _code(answer: Mapping[str, Any]) -> int | None:
    try:
        return int(answer["error"])
    except (KeyError, TypeError, ValueError):
        return None
