"""What every webhook receiver does before trusting a request: cap the body, parse the JSON."""

from __future__ import annotations

import json
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
