"""Fixed-window rate limiting, in-process by default or shared through Redis.

With several server processes (or machines) the in-process limiter counts per process; set
`GETNATIVE_REDIS_URL` so they share one counter.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class RateLimiter(Protocol):
    def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        """Count one request under `key`; None if allowed, else seconds until the window resets."""
        ...

    def peek(self, key: str, *, window_seconds: int) -> tuple[int, int]:
        """Read without counting: (hits so far in this window, seconds until it resets)."""
        ...


def _seconds_left(now: float, window: int, window_seconds: int) -> int:
    return max(1, int((window + 1) * window_seconds - now))


class MemoryRateLimiter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        now = time.time()
        window = int(now // window_seconds)
        with self._lock:
            if len(self._counts) > self._max_keys:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        if count > limit:
            return max(1, int((window + 1) * window_seconds - now))
        return None

    def peek(self, key: str, *, window_seconds: int) -> tuple[int, int]:
        now = time.time()
        window = int(now // window_seconds)
        with self._lock:
            count = self._counts.get((key, window), 0)
        return count, _seconds_left(now, window, window_seconds)


class RedisRateLimiter:
    """INCR + EXPIRE on a per-window key; atomic across processes."""

    def __init__(self, url: str, prefix: str = "getnative:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._prefix = prefix

    def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None:
        now = time.time()
        window = int(now // window_seconds)
        redis_key = f"{self._prefix}{key}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(redis_key)
        pipe.expire(redis_key, window_seconds + 1)
        count, _ = pipe.execute()
        if int(count) > limit:
            return max(1, int((window + 1) * window_seconds - now))
        return None

    def peek(self, key: str, *, window_seconds: int) -> tuple[int, int]:
        now = time.time()
        window = int(now // window_seconds)
        value = self._redis.get(f"{self._prefix}{key}:{window}")
        return int(value or 0), _seconds_left(now, window, window_seconds)


def make_rate_limiter(redis_url: str) -> RateLimiter:
    return RedisRateLimiter(redis_url) if redis_url else MemoryRateLimiter()
