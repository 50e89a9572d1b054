"""Rasa's REST channel (POST /webhooks/rest/webhook) faked on loopback, for channel tests that need
no trained model: it answers by rule, records what it was sent, and can be switched down (HTTP 503)
or held (answers wait until released) to show outages and slowness.

Replies: a message with "khai sinh" gets the birth-registration card line (procedure 1.001193);
"nút" gets two buttons; "ảnh" an image served by this fake; "phản ánh" a tracking code; anything
else "Trả lời: <message>".
"""

from __future__ import annotations

import asyncio
import struct
import threading
import zlib
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from feedback.codes import new_code
from tests.support.served import ServedApp



def _pixel_png() -> bytes:
    """A 1×1 white PNG: the image the fake's "ảnh" reply points at."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


PIXEL = _pixel_png()
CARD = "Thủ tục đăng ký khai sinh (mã 1.001193)\nGiấy tờ cần chuẩn bị: giấy chứng sinh."


class FakeRasa:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # request bodies answered or held, in order
        self.down = False
        self.tracking_code = new_code()
        self._open = threading.Event()
        self._open.set()
        app = Starlette(routes=[
            Route("/webhooks/rest/webhook", self._webhook, methods=["POST"]),
            Route("/anh.png", self._pixel),
        ])
        self._served = ServedApp(app, "fake-rasa")

    @property
    def port(self) -> int:
        return self._served.port

    @property
    def image_url(self) -> str:
        return f"{self._served.base_url}/anh.png"

    def start(self) -> FakeRasa:
        self._served.start()
        return self

    def stop(self) -> None:
        self._open.set()
        self._served.stop()

    def hold(self) -> None:
        """Answers wait from now on (Rasa is slow) until ``release``."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def messages(self, sender_prefix: str = "") -> list[str]:
        return [b["message"] for b in self.received if b["sender"].startswith(sender_prefix)]

    async def _webhook(self, request: Request) -> Response:
        if self.down:
            return JSONResponse({"error": "Rasa is down"}, status_code=503)
        body = await request.json()
        self.received.append(body)
        while not self._open.is_set():
            await asyncio.sleep(0.02)
        return JSONResponse(self.reply(str(body.get("message", ""))))

    async def _pixel(self, request: Request) -> Response:
        return Response(PIXEL, media_type="image/png")

    def reply(self, text: str) -> list[dict[str, Any]]:
        if "khai sinh" in text:
            return [{"text": CARD}]
        if "nút" in text:
            return [{"text": "Bạn muốn xem gì?", "buttons": [
                {"title": "Giấy tờ", "payload": "/ask_papers"},
                {"title": "Lệ phí", "payload": "/ask_fee"},
            ]}]
        if "ảnh" in text:
            return [{"text": "Mẫu tờ khai đây.", "image": self.image_url}]
        if "phản ánh" in text:
            return [{"text": f"Đã nhận phản ánh, mã {self.tracking_code}."}]
        return [{"text": f"Trả lời: {text}"}]
