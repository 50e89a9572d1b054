"""What every webhook receiver does before trusting a request: cap the body, parse the JSON, and
check the event's age and text."""

from __future__ import annotations

import json
import math
import time
import unicodedata
from typing import Any

from fastapi import HTTPException, Request

MAX_BODY_BYTES = 256 * 1024


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused with 413 past ``limit`` bytes (whatever Content-Length claims)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, "body too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, "body too large")
    return bytes(body)


def parse_object(body: bytes) -> dict[str, Any]:
    """The JSON object in ``body``, or 400."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HTTPException(400, "malformed JSON") from error
    if not isinstance(data, dict):
        raise HTTPException(400, "expected a JSON object")
    return data


def normalise_text(text: str) -> str:
    """NFC, so a Vietnamese letter typed as base + combining marks (as some keyboards send it)
    counts, compares and is stored like the precomposed one — before any length limit."""
    return unicodedata.normalize("NFC", text)


def event_age_s(timestamp_ms: object, now_s: float | None = None) -> float | None:
    """How old an event is, from its timestamp in milliseconds; None when it has no usable one.
    A timestamp in the future gives a negative age."""
    try:
        stamp = float(str(timestamp_ms)) / 1000.0
    except ValueError:
        return None
    if not math.isfinite(stamp):
        return None
    return (time.time() if now_s is None else now_s) - stamp
