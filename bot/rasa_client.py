"""Talking to Rasa through its REST channel: the one door every channel of ours goes through."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


class RasaUnavailable(RuntimeError):
    """Rasa did not answer (down, restarting or too slow); the channel apologises and retries."""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class BotMessage:
    """One message from the bot: text, optional buttons, optional image URL."""

    text: str = ""
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    image: str | None = None
    # A petition notice's kind and values, for channels that send templates instead of text (ZNS).
    data: dict[str, str] | None = field(default=None, hash=False)

    @classmethod
    def from_rest(cls, raw: dict[str, Any]) -> "BotMessage":
        buttons = tuple(
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in raw.get("buttons") or []
            if isinstance(b, dict)
        )
        data = raw.get("data")
        return cls(text=str(raw.get("text") or ""), buttons=buttons, image=raw.get("image"),
                   data={str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None)

    def as_dict(self) -> dict[str, Any]:
        shape = {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
            "image": self.image,
        }
        return shape | {"data": self.data} if self.data else shape


class RasaClient:
    """Async client for POST /webhooks/rest/webhook."""

    def __init__(self, webhook_url: str, timeout_s: float = 30.0) -> None:
        self._url = webhook_url
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[BotMessage]:
        """Send one user message and return the bot's replies, in order."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        try:
            response = await self._client.post(self._url, json=body)
            response.raise_for_status()
            payload = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(str(error)) from error
        if not isinstance(payload, list):
            raise RasaUnavailable("unexpected reply shape from Rasa")
        return [BotMessage.from_rest(m) for m in payload if isinstance(m, dict)]

    async def aclose(self) -> None:
        await self._client.aclose()
