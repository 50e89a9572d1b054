"""The Zalo OA access token: kept fresh on a schedule, refreshed by one process at a time.

Zalo's access token lives about 25 hours and its refresh token about three months, and a refresh
token works once: each refresh returns a new pair, which is stored at once in the channels
database (the environment only seeds the chain). Two refreshes of the same refresh token would
leave one process with a spent token, so a refresh first takes a lease on the token row with a
compare-and-set (``UPDATE … WHERE lease_until IS NULL OR lease_until < now``, atomic on SQLite and
PostgreSQL alike); whoever does not get it waits for the new token instead. The new pair and the
lease release are one UPDATE. A failed refresh is logged (never with a token) and raised as an
alert officers see in the console; the next success clears it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import time
import uuid
from datetime import timedelta
from typing import Any, NoReturn

import httpx
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.channels.alerts import clear_alert, raise_alert
from bot.channels.records import ZaloToken, utcnow
from bot.channels.zalo_config import ZaloConfig
from feedback.db import session_scope

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)  # a send refreshes a token this close to expiry
REFRESH_AHEAD = timedelta(hours=2)  # the schedule refreshes this long before expiry
LEASE = timedelta(seconds=60)  # longer than one refresh call can take
SEEDED_LIFETIME = timedelta(hours=1)  # an env token's expiry is unknown: treat it as short
ALERT_KEY = "zalo-token"
CHANNEL = "zalo"


class TokenRefreshFailed(RuntimeError):
    """Zalo did not give a new pair; the message says why, without any token."""


class ZaloTokens:
    """The current access token of one OA, shared by every sender that uses it (OA, ZNS)."""

    def __init__(self, config: ZaloConfig, engine: Engine, client: httpx.AsyncClient) -> None:
        self.config = config
        self.engine = engine
        self.client = client
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = asyncio.Lock()
        self._seeded = False

    async def current(self) -> str:
        """A token that is not about to expire (refreshed first when it is)."""
        row = await self._load()
        if row.expires_at - utcnow() > REFRESH_MARGIN:
            return row.access_token
        return await self.refresh(row.access_token)

    async def refresh(self, stale: str) -> str:
        """A new access token instead of ``stale``; callers holding the same stale token, in this
        process or another, share one refresh. Raises ``TokenRefreshFailed``."""
        async with self._lock:
            deadline = time.monotonic() + 2 * LEASE.total_seconds()
            while True:
                row = await self._load()
                if row.access_token != stale and row.expires_at - utcnow() > REFRESH_MARGIN:
                    return row.access_token  # refreshed meanwhile, here or by another process
                if await asyncio.to_thread(self._take_lease):
                    break
                if time.monotonic() > deadline:
                    raise TokenRefreshFailed("another process held the refresh lease too long")
                await asyncio.sleep(0.2)  # another process is refreshing: wait for its token
            try:
                row = await self._load()
                if row.access_token != stale and row.expires_at - utcnow() > REFRESH_MARGIN:
                    return row.access_token  # refreshed between our look and our lease
                return await self._refresh(row.refresh_token)
            finally:
                await asyncio.to_thread(self._drop_lease)

    async def keep_fresh(self, check_every_s: float = 300.0) -> None:
        """Refresh ahead of expiry, forever: run as a background task while the channel runs."""
        failures = 0
        while True:
            wait = check_every_s
            try:
                row = await self._load()
                if row.expires_at - utcnow() <= REFRESH_AHEAD:
                    await self.refresh(row.access_token)
                failures = 0
            except TokenRefreshFailed:
                failures += 1
                wait = min(check_every_s, 60.0 * 2 ** (failures - 1))
            except Exception:  # a database hiccup must not end the schedule
                log.exception("Zalo token check failed")
            await asyncio.sleep(wait)

    async def credentials_refused(self, reason: str) -> None:
        """Zalo refused even a freshly refreshed token: only an officer can fix that."""
        log.error("Zalo refuses a freshly refreshed access token (%s): grant the app access again", reason)
        await asyncio.to_thread(raise_alert, self.engine, ALERT_KEY, CHANNEL, REFUSED_ALERT)

    # ---- the refresh call ------------------------------------------------------------------------

    async def _refresh(self, refresh_token: str) -> str:
        try:
            response = await self.client.post(
                self.config.token_url,
                data={"app_id": self.config.app_id, "refresh_token": refresh_token,
                      "grant_type": "refresh_token"},
                headers={"secret_key": self.config.app_secret.get_secret_value()},
            )
            data: Any = response.json()
        except (httpx.HTTPError, ValueError) as error:
            await self._failed(f"no usable answer ({type(error).__name__})")
        if not isinstance(data, dict) or not data.get("access_token") or not data.get("refresh_token"):
            problem = data if isinstance(data, dict) else {}
            name = problem.get("error_name") or problem.get("error_description") or "no reason"
            await self._failed(f"refused, error {problem.get('error', '?')}: {str(name)[:100]}")
        try:
            lifetime = timedelta(seconds=int(data.get("expires_in") or 3600))
        except (TypeError, ValueError):
            lifetime = timedelta(hours=1)
        await asyncio.to_thread(self._store, data["access_token"], data["refresh_token"], lifetime)
        await asyncio.to_thread(clear_alert, self.engine, ALERT_KEY)
        log.info("Zalo access token refreshed (valid %.1f hours)", lifetime.total_seconds() / 3600)
        return data["access_token"]

    async def _failed(self, reason: str) -> NoReturn:
        log.error("Zalo token refresh failed: %s", reason)
        await asyncio.to_thread(raise_alert, self.engine, ALERT_KEY, CHANNEL,
                                REFRESH_FAILED_ALERT.format(reason=reason))
        raise TokenRefreshFailed(reason)

    # ---- the token row (worker threads) ----------------------------------------------------------

    async def _load(self) -> ZaloToken:
        if not self._seeded:
            await asyncio.to_thread(self._seed)
            self._seeded = True
        return await asyncio.to_thread(self._read)

    def _read(self) -> ZaloToken:
        with Session(self.engine) as session:
            row = session.get(ZaloToken, 1)
        assert row is not None, "seeded before reading"
        return row

    def _seed(self) -> None:
        """Start from the env tokens the first time, or when the operator put new ones there."""
        digest = hashlib.sha256(self.config.refresh_token.get_secret_value().encode()).hexdigest()
        try:
            with session_scope(self.engine) as session:
                row = session.get(ZaloToken, 1)
                if row is not None and row.seed_digest == digest:
                    return
                row = row or ZaloToken(access_token="", refresh_token="", expires_at=utcnow())
                row.access_token = self.config.access_token.get_secret_value()
                row.refresh_token = self.config.refresh_token.get_secret_value()
                row.expires_at = utcnow() + SEEDED_LIFETIME
                row.seed_digest = digest
                session.add(row)
        except IntegrityError:
            pass  # another process seeded the same row first

    def _take_lease(self) -> bool:
        now = utcnow()
        with session_scope(self.engine) as session:
            result = session.exec(  # type: ignore[call-overload]
                update(ZaloToken)
                .where(col(ZaloToken.id) == 1,
                       or_(col(ZaloToken.lease_until).is_(None), col(ZaloToken.lease_until) < now))
                .values(lease_owner=self.owner, lease_until=now + LEASE)
            )
            return result.rowcount == 1

    def _drop_lease(self) -> None:
        with session_scope(self.engine) as session:
            session.exec(  # type: ignore[call-overload]
                update(ZaloToken).where(col(ZaloToken.id) == 1, col(ZaloToken.lease_owner) == self.owner)
                .values(lease_owner=None, lease_until=None)
            )

    def _store(self, access_token: str, refresh_token: str, lifetime: timedelta) -> None:
        """The new pair, stored even if our lease lapsed: the old refresh token is spent now."""
        now = utcnow()
        with session_scope(self.engine) as session:
            session.exec(  # type: ignore[call-overload]
                update(ZaloToken).where(col(ZaloToken.id) == 1)
                .values(access_token=access_token, refresh_token=refresh_token,
                        expires_at=now + lifetime, refreshed_at=now, lease_owner=None, lease_until=None)
            )


REFRESH_FAILED_ALERT = (
    "Không làm mới được mã truy cập Zalo OA ({reason}). Tin nhắn Zalo được giữ lại, chưa gửi đi. "
    "Quản trị viên OA cần cấp lại quyền cho ứng dụng, đặt ZALO_ACCESS_TOKEN và ZALO_REFRESH_TOKEN "
    "mới rồi khởi động lại dịch vụ web."
)
REFUSED_ALERT = (
    "Zalo từ chối cả mã truy cập vừa làm mới. Tin nhắn Zalo được giữ lại, chưa gửi đi. Quản trị viên "
    "OA cần cấp lại quyền gửi tin cho ứng dụng, đặt ZALO_ACCESS_TOKEN và ZALO_REFRESH_TOKEN mới rồi "
    "khởi động lại dịch vụ web."
)
