"""Outbox → Zalo: the OA message API v3 (``/v3.0/oa/message/cs``), every answer classified.

Zalo answers refusals with HTTP 200 and a non-zero ``error`` in the body; ``zalo_errors`` says
what each code means. A refused access token is refreshed once and the message sent again; a
refusal that only officers can fix (the OA disabled, its quota or money spent) pauses the channel,
keeps the messages and raises an alert; a message refused for good becomes a dead letter.
Delivered messages keep Zalo's ``message_id``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.channels.alerts import clear_alert, raise_alert
from bot.channels.contacts import last_inbound
from bot.channels.delivery import (
    Delivered,
    DeliveryResult,
    OutsideWindow,
    PermanentFailure,
    RefreshCredentials,
    RetryLater,
)
from bot.channels.records import utcnow
from bot.channels.zalo_config import ZaloConfig
from bot.channels.zalo_errors import Action, Rule, rule_for
from bot.channels.zalo_tokens import TokenRefreshFailed, ZaloTokens
from bot.rasa_client import BotMessage

__all__ = ["ZaloSender", "ZaloTokens", "classify", "zalo_message"]

MAX_BUTTONS = 5
MAX_BUTTON_TITLE = 100
CONFIG_ALERT_KEY = "zalo-config"
NO_CODE_HINT = ("Zalo trả lời lỗi HTTP mà không kèm mã lỗi. Báo bộ phận kỹ thuật kèm mã HTTP; "
                "gửi lại sẽ không giúp được.")


def zalo_message(message: BotMessage) -> dict[str, Any]:
    """A BotMessage in the v3 message shape: text, text with buttons, or an image."""
    if message.image:
        return {"attachment": {"type": "template", "payload": {
            "template_type": "media",
            "elements": [{"media_type": "image", "url": message.image}],
        }}}
    if message.buttons:
        return {"text": message.text, "attachment": {"type": "template", "payload": {
            "buttons": [
                {"title": b.title[:MAX_BUTTON_TITLE], "type": "oa.query.hide", "payload": b.payload}
                for b in message.buttons[:MAX_BUTTONS]
            ],
        }}}
    return {"text": message.text}


def classify(response: httpx.Response) -> tuple[DeliveryResult, Rule | None]:
    """What one answer of the message API means, and the error rule behind it (if any)."""
    status = response.status_code
    if status == 429:
        wait = _seconds(response.headers.get("retry-after"), 60.0)
        return RetryLater(wait, "HTTP 429", pause_channel=True), None
    if status >= 500:
        return RetryLater(None, f"HTTP {status}"), None
    try:
        data: Any = response.json()
    except ValueError:
        data = None
    code = _code(data)
    if code is None:
        if status >= 400:  # a 4xx body without an error code is not a delivery
            return PermanentFailure(f"http_{status}", f"HTTP {status} without an error code",
                                    NO_CODE_HINT), None
        return RetryLater(None, f"HTTP {status}: answer without an error code"), None
    if code == 0:
        if status != 200:
            return RetryLater(None, f"HTTP {status} claiming success"), None
        payload = data.get("data") if isinstance(data.get("data"), dict) else {}
        return Delivered(str(payload.get("message_id") or "") or None), None
    rule = rule_for(code, str(data.get("message") or ""))
    reason = f"Zalo {code}: {rule.reason}"
    match rule.action:
        case Action.REFRESH:
            return RefreshCredentials(reason), rule
        case Action.WINDOW:
            return OutsideWindow(reason), rule
        case Action.THROTTLE | Action.CONFIG:
            return RetryLater(rule.after_s, reason, pause_channel=True), rule
        case Action.RETRY:
            return RetryLater(rule.after_s, reason), rule
    return PermanentFailure(str(code), reason, rule.hint), rule


class ZaloSender:
    """The outbox's ``Sender`` for Zalo OA consultation messages."""

    channel = "zalo"

    def __init__(self, config: ZaloConfig, engine: Engine, client: httpx.AsyncClient,
                 tokens: ZaloTokens) -> None:
        self.config = config
        self.engine = engine
        self.client = client
        self.tokens = tokens
        self._config_alert = True  # clear any stale configuration alert on the first success

    def window_open(self, user_id: str) -> bool:
        with Session(self.engine) as session:
            last = last_inbound(session, self.channel, user_id)
        return last is not None and utcnow() - last < timedelta(hours=self.config.cs_window_hours)

    async def send(self, address: str, message: BotMessage, kind: str) -> DeliveryResult:
        if not await asyncio.to_thread(self.window_open, address):
            return OutsideWindow(f"no message from the user in {self.config.cs_window_hours:.0f}h")
        body = {"recipient": {"user_id": address}, "message": zalo_message(message)}
        try:
            token = await self.tokens.current()
            result, rule = await self._post(body, token)
            if isinstance(result, RefreshCredentials):
                result, rule = await self._post(body, await self.tokens.refresh(token))
                if isinstance(result, RefreshCredentials):
                    await self.tokens.credentials_refused(result.reason)
        except TokenRefreshFailed as error:
            return RefreshCredentials(str(error))
        await self._note_configuration(result, rule)
        return result

    async def _post(self, body: dict[str, Any], token: str) -> tuple[DeliveryResult, Rule | None]:
        response = await self.client.post(self.config.message_url, json=body,
                                          headers={"access_token": token})
        return classify(response)

    async def _note_configuration(self, result: DeliveryResult, rule: Rule | None) -> None:
        """Alert officers while the OA refuses for a reason only they can fix; clear it after."""
        if rule is not None and rule.action is Action.CONFIG:
            self._config_alert = True
            await asyncio.to_thread(raise_alert, self.engine, CONFIG_ALERT_KEY, self.channel, rule.hint)
        elif isinstance(result, Delivered) and self._config_alert:
            self._config_alert = False
            await asyncio.to_thread(clear_alert, self.engine, CONFIG_ALERT_KEY)


def _code(data: Any) -> int | None:
    if not isinstance(data, dict):
        return None
    try:
        return int(data["error"])
    except (KeyError, TypeError, ValueError):
        return None


def _seconds(value: str | None, default: float) -> float:
    try:
        return max(1.0, float(value)) if value else default
    except ValueError:
        return default
