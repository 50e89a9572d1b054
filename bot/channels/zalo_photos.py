"""Photos citizens send on Zalo, downloaded into the uploads folder as Telegram's are.

Zalo's webhook names a photo by a URL on Zalo's CDN. The petition actions only read files under
the uploads folder (``bot.actions.petition_info.photo_from``), so the photo is fetched before the
message is stored, and the message then carries its path like a Telegram photo. The fetch is
bounded: only from the configured sources (``ZALO_PHOTO_SOURCES``: https on Zalo's CDN; a test
names its loopback fake), redirects re-checked, timeouts, at most ``MAX_PHOTO_BYTES`` read
whatever the server claims, and JPEG, PNG or WebP by both content type and first bytes.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx

from bot.channels import texts

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # as Telegram's (texts.PHOTO_TOO_BIG says so)
MAX_REDIRECTS = 3
TIMEOUT = httpx.Timeout(10.0, connect=5.0)  # each step
DEADLINE_S = 20.0  # the whole download: Zalo waits for the webhook's answer meanwhile
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


class PhotoRefused(Exception):
    """The photo could not be kept; the message (Vietnamese) says what the citizen can do."""


class PhotoSources:
    """Where photos may come from: ``scheme://host[:port]`` entries, ``*.`` for any subdomain.

    A URL without a port matches only an entry without one (the scheme's default port)."""

    def __init__(self, spec: str) -> None:
        self._entries = [httpx.URL(part.strip()) for part in spec.split(",") if part.strip()]

    def allow(self, url: httpx.URL) -> bool:
        host = url.host.lower()
        for entry in self._entries:
            pattern = entry.host.lower()
            if entry.scheme != url.scheme or entry.port != url.port:
                continue
            if host == pattern.removeprefix("*.") or (
                    pattern.startswith("*.") and host.endswith(pattern[1:])):
                return True
        return False


def image_type(head: bytes) -> str | None:
    """The photo's type by its first bytes, or None when it is not a JPEG, PNG or WebP."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


async def download(client: httpx.AsyncClient, url: str, sources: PhotoSources,
                   folder: Path) -> dict[str, Any]:
    """Fetch the photo at ``url`` into ``folder``; returns the message's ``image`` metadata (as
    Telegram's). Raises ``PhotoRefused`` with what to tell the citizen; never anything else."""
    try:
        async with asyncio.timeout(DEADLINE_S):
            data, content_type = await _fetch(client, httpx.URL(url), sources)
    except PhotoRefused:
        raise
    except (httpx.HTTPError, httpx.InvalidURL, TimeoutError, ValueError) as error:
        log.warning("Zalo photo not downloaded: %s", type(error).__name__)
        raise PhotoRefused(texts.PHOTO_NOT_DOWNLOADED) from None
    path = folder / f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}"
    try:
        await asyncio.to_thread(_save, path, data)
    except OSError as error:  # a full disk, a folder we may not write: the citizen resends later
        log.error("Zalo photo not saved in the uploads folder: %s (errno %s)",
                  type(error).__name__, error.errno)
        raise PhotoRefused(texts.PHOTO_NOT_DOWNLOADED) from None
    return {"source": "zalo", "path": str(path), "content_type": content_type, "size": len(data)}


def _save(path: Path, data: bytes) -> None:
    """Write the photo, leaving no partial file behind when the disk fills up."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.write_bytes(data)
    except OSError:
        path.unlink(missing_ok=True)
        raise


async def _fetch(client: httpx.AsyncClient, url: httpx.URL,
                 sources: PhotoSources) -> tuple[bytes, str]:
    """The photo's bytes and type, following at most ``MAX_REDIRECTS`` allowed redirects."""
    for _ in range(MAX_REDIRECTS + 1):
        if not sources.allow(url):
            log.warning("Zalo photo refused: %s://%s is not a configured photo source",
                        url.scheme, url.host)
            raise PhotoRefused(texts.PHOTO_NOT_DOWNLOADED)
        async with client.stream("GET", url, timeout=TIMEOUT, follow_redirects=False) as response:
            if response.is_redirect and "location" in response.headers:
                url = url.join(response.headers["location"])
                continue
            if response.status_code != 200:
                log.warning("Zalo photo not downloaded: HTTP %s", response.status_code)
                raise PhotoRefused(texts.PHOTO_NOT_DOWNLOADED)
            declared = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if declared not in EXTENSIONS:
                raise PhotoRefused(texts.PHOTO_NOT_IMAGE)
            if int(response.headers.get("content-length") or 0) > MAX_PHOTO_BYTES:
                raise PhotoRefused(texts.PHOTO_TOO_BIG)
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > MAX_PHOTO_BYTES:  # a server that says less than it sends
                    raise PhotoRefused(texts.PHOTO_TOO_BIG)
        sniffed = image_type(bytes(data[:16]))
        if sniffed is None:
            raise PhotoRefused(texts.PHOTO_NOT_IMAGE)
        return bytes(data), sniffed
    log.warning("Zalo photo not downloaded: more than %s redirects", MAX_REDIRECTS)
    raise PhotoRefused(texts.PHOTO_NOT_DOWNLOADED)
