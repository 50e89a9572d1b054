"""The inbound rate limit, shared by every worker process and host when Redis is configured.

``ratelimit.InboundLimiter`` counts a citizen's messages in this process's memory: with several
web workers, or several hosts behind a load balancer, each would allow the limit again. With
``MOTCUA_REDIS_URL`` the count lives in Redis instead — the same sliding window, computed by one
Lua script on Redis's clock, so every worker sees the same count. Keys are hashed: Redis never
holds a chat id or a phone number in the clear.

If Redis does not answer, a message is allowed (and logged once): a limit is never worth losing
a citizen's message.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading

import redis

from bot.channels.ratelimit import InboundLimiter, Verdict

log = logging.getLogger(__name__)

# KEYS: the window's sorted set, the "already told" flag. ARGV: limit, window in ms, a unique id.
# Returns 0 allow, 1 refuse and tell, 2 refuse quietly (as InboundLimiter.check).
_SLIDING_WINDOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', window) then
  return 1
end
return 2
"""
_VERDICTS = (Verdict.ALLOW, Verdict.REFUSE_AND_TELL, Verdict.REFUSE_QUIETLY)

# KEYS: the window's sorted set. ARGV: limit, window in ms. Returns the milliseconds until the
# next message fits: when the oldest entry still counted leaves the window (0 when one fits now).
_WAIT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf', 'WITHSCORES')
local count = #live / 2
if count < limit then
  return 0
end
return math.max(tonumber(live[2 * (count - limit) + 2]) + window - now, 0)
"""

_client: redis.Redis | None = None
_client_lock = threading.Lock()


def use_redis(url: str | None) -> None:
    """Share the limits of this process through the Redis at ``url`` (None: keep them in memory).
    Called once per process by the shell (``motcua.services``), before any channel starts."""
    global _client
    with _client_lock:
        _client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0) if url else None


def inbound_limiter(limit: int, window_s: float) -> InboundLimiter | RedisInboundLimiter:
    """At most ``limit`` messages per ``window_s`` from one user: in Redis when configured."""
    if _client is None:
        return InboundLimiter(limit, window_s)
    return RedisInboundLimiter(_client, limit, window_s)


class RedisInboundLimiter:
    """``InboundLimiter``'s contract, counted in Redis. Safe to call from several threads."""

    def __init__(self, client: redis.Redis, limit: int = 20, window_s: float = 60.0,
                 prefix: str = "motcua:inbound") -> None:
        self.limit = limit
        self.window_s = window_s
        self.prefix = prefix
        self._script = client.register_script(_SLIDING_WINDOW)
        self._wait = client.register_script(_WAIT)
        self._warned = False

    def _keys(self, key: str) -> list[str]:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return [f"{self.prefix}:{digest}", f"{self.prefix}:told:{digest}"]

    def check(self, key: str) -> Verdict:
        keys = self._keys(key)
        try:
            code = int(self._script(keys=keys, args=[self.limit, int(self.window_s * 1000),
                                                     secrets.token_hex(8)]))
        except redis.RedisError as error:
            if not self._warned:
                log.warning("rate limit not counted: Redis did not answer (%s)", type(error).__name__)
                self._warned = True
            return Verdict.ALLOW
        self._warned = False
        return _VERDICTS[code]

    def wait_s(self, key: str) -> float:
        """``InboundLimiter.wait_s`` on Redis's clock; 0 when Redis does not answer (as ``check``
        then lets the message through)."""
        try:
            wait_ms = int(self._wait(keys=self._keys(key)[:1],
                                     args=[self.limit, int(self.window_s * 1000)]))
        except redis.RedisError:
            return 0.0
        return wait_ms / 1000
