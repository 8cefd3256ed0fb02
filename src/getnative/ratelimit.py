"""Fixed-window rate limiting, in-process by default or shared through Redis.

With several server processes (or machines) the in-process limiter counts per process; set
`GETNATIVE_REDIS_URL` so they share one counter.

It lives beside the domains rather than in `getnative.web` because both use it: the edge
(`getnative.web.middleware`) limits requests per client and `accounts` throttles logins, and a
domain never imports the web layer (tests/system/test_layers.py).

A limiter whose `blocking` attribute is true does network I/O in `hit`; the edge then calls it
in the thread pool so a slow Redis never stalls the event loop (and with it every other request
of the process).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

logger = logging.getLogger("getnative.ratelimit")


class RateLimiter(Protocol):
    """May also set `blocking = True` (see the module docstring)."""

    def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        """Count one request under `key`; None if allowed, else seconds until the window resets."""
        ...

    def peek(self, key: str, *, window_seconds: int) -> tuple[int, int]:
        """Read without counting: (hits so far in this window, seconds until it resets)."""
        ...

    def release(self, key: str, *, window_seconds: int) -> None:
        """Take back one hit of the current window (never below zero): an attempt reserved with
        `hit` that turned out not to count (see accounts.service.LoginThrottle)."""
        ...


def _retry_after(window: int, window_seconds: int, now: float) -> int:
    return max(1, int((window + 1) * window_seconds - now))


class MemoryRateLimiter:
    """Counts in this process. `clock` (seconds since the epoch) is injectable so tests can pin
    the time: fixed windows of the real clock make a test running across a boundary flaky."""

    blocking = False

    def __init__(self, max_keys: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys
        self._clock = clock

    def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        now = self._clock()
        window = int(now // window_seconds)
        with self._lock:
            if len(self._counts) > self._max_keys:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        if count > limit:
            return _retry_after(window, window_seconds, now)
        return None

    def peek(self, key: str, *, window_seconds: int) -> tuple[int, int]:
        now = self._clock()
        window = int(now // window_seconds)
        with self._lock:
            count = self._counts.get((key, window), 0)
        return count, _retry_after(window, window_seconds, now)

    def release(self, key: str, *, window_seconds: int) -> None:
        window = int(self._clock() // window_seconds)
        with self._lock:
            count = self._counts.get((key, window), 0)
            if count > 0:
                self._counts[(key, window)] = count - 1


# Decrement only an existing, positive counter, atomically (a plain DECR could go below zero or
# create a key without an expiry).
_RELEASE_SCRIPT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisRateLimiter:
    """INCR + EXPIRE on a per-window key in one MULTI/EXEC; atomic across processes.

    If Redis cannot be reached the request is allowed (fail open) and a warning is logged: the
    limit protects against abuse, and losing it briefly is better than refusing every request.
    `clock` picks the window, as for `MemoryRateLimiter` (tests pin it).
    """

    blocking = True

    def __init__(
        self, url: str, prefix: str = "getnative:rl:", clock: Callable[[], float] = time.time
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._prefix = prefix
        self._clock = clock

    def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        now = self._clock()
        window = int(now // window_seconds)
        redis_key = f"{self._prefix}{key}:{window}"
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds + 1)
            count, _ = pipe.execute()
        except self._errors as exc:
            logger.warning("rate limiter: Redis unavailable, allowing request: %s", exc)
            return None
        if int(count) > limit:
            return _retry_after(window, window_seconds, now)
        return None

    def peek(self, key: str, *, window_seconds: int) -> tuple[int, int]:
        now = self._clock()
        window = int(now // window_seconds)
        try:
            value = self._redis.get(f"{self._prefix}{key}:{window}")
        except self._errors as exc:
            logger.warning("rate limiter: Redis unavailable, treating count as 0: %s", exc)
            value = None
        return int(value or 0), _retry_after(window, window_seconds, now)

    def ping(self) -> None:
        """Raises when Redis does not answer (the readiness check)."""
        self._redis.ping()

    def release(self, key: str, *, window_seconds: int) -> None:
        window = int(self._clock() // window_seconds)
        try:
            self._redis.eval(_RELEASE_SCRIPT, 1, f"{self._prefix}{key}:{window}")
        except self._errors as exc:
            logger.warning("rate limiter: Redis unavailable, attempt not released: %s", exc)

    def close(self) -> None:
        self._redis.close()


def make_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
