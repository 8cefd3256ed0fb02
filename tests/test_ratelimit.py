"""Rate limiting of /api: the 429 body of this dialect, in-process and Redis-shared counters."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from getnative.catalog.models import Video
from getnative.db import Database
from getnative.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter, make_rate_limiter
from tests.clients import FrozenClock, build_container, client_on
from tests.conftest import ClientFactory
from tests.factories import make_video
from tests.servers import free_port

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_reachable(), reason="local Redis unreachable")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    import redis

    prefix = f"getnative:test:{uuid.uuid4().hex}:"
    yield prefix
    connection = redis.Redis.from_url(REDIS_URL)
    keys = list(connection.scan_iter(f"{prefix}*"))
    if keys:
        connection.delete(*keys)
    connection.close()


def test_too_many_requests_in_this_dialect(db: Database, make_client: ClientFactory) -> None:
    video = make_video(db)
    client = make_client(likes_rate_limit_per_minute=2)
    assert client.post(f"/api/videos/{video.id}/like").status_code == 200
    assert client.get(f"/api/videos/{video.id}/like").status_code == 200

    refused = client.post(f"/api/videos/{video.id}/like")

    assert refused.status_code == 429
    assert refused.json() == {"error": "Too many requests"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    with db.session(write=False) as session:  # the refused toggle did not run
        assert session.get(Video, video.id).like_count == 1  # type: ignore[union-attr]


def test_limit_is_per_client_ip(make_client: ClientFactory) -> None:
    first = make_client(ip="198.51.100.1", likes_rate_limit_per_minute=1)
    assert first.get("/api/me").status_code == 200
    assert first.get("/api/me").status_code == 429


def assert_budget_of(limiters: list[RateLimiter], key: str, limit: int) -> None:
    """`limit` hits of `key` pass, taken in turn from `limiters`; the next one is refused with a
    wait within the 60-second window."""
    for n in range(limit):
        assert limiters[n % len(limiters)].hit(key, limit=limit, window_seconds=60) is None
    retry_after = limiters[limit % len(limiters)].hit(key, limit=limit, window_seconds=60)
    assert retry_after is not None
    assert 1 <= retry_after <= 60


def test_memory_limiter_counts_per_key_and_window() -> None:
    limiter = MemoryRateLimiter(clock=FrozenClock())
    assert_budget_of([limiter], "a", limit=2)
    assert limiter.hit("b", limit=2, window_seconds=60) is None
    assert limiter.blocking is False


def test_make_rate_limiter_picks_redis_only_with_a_url() -> None:
    assert isinstance(make_rate_limiter(""), MemoryRateLimiter)
    assert isinstance(make_rate_limiter(REDIS_URL), RedisRateLimiter)


@needs_redis
def test_redis_limiters_share_one_count(redis_prefix: str) -> None:
    """Two server processes (two limiter instances) draw on one budget."""
    clock = FrozenClock()  # both processes in one window, wherever the real minute turns
    first = RedisRateLimiter(REDIS_URL, prefix=redis_prefix, clock=clock)
    second = RedisRateLimiter(REDIS_URL, prefix=redis_prefix, clock=clock)
    assert_budget_of([first, second], "ip", limit=3)
    assert first.hit("other-ip", limit=3, window_seconds=60) is None
    first.close()
    second.close()


@needs_redis
def test_redis_keys_expire(redis_prefix: str) -> None:
    import redis

    limiter = RedisRateLimiter(REDIS_URL, prefix=redis_prefix)
    limiter.hit("ip", limit=3, window_seconds=60)
    connection = redis.Redis.from_url(REDIS_URL)
    (key,) = list(connection.scan_iter(f"{redis_prefix}*"))
    assert 0 < connection.ttl(key) <= 61
    connection.close()
    limiter.close()


def test_redis_unreachable_fails_open() -> None:
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0")
    assert limiter.hit("ip", limit=0, window_seconds=60) is None


@needs_redis
def test_two_app_instances_share_the_redis_budget(
    db: Database, settings, redis_prefix: str
) -> None:
    """Over HTTP: two apps (as two processes would be) with one Redis refuse the third call."""
    limited = settings.model_copy(update={"likes_rate_limit_per_minute": 2})
    clock = FrozenClock()  # the three calls in one window, wherever the real minute turns
    clients = []
    for _ in range(2):
        container = build_container(limited, db)
        container.rate_limiter = RedisRateLimiter(REDIS_URL, prefix=redis_prefix, clock=clock)
        clients.append(client_on(container, "198.51.100.9"))
    assert clients[0].get("/api/me").status_code == 200
    assert clients[1].get("/api/me").status_code == 200
    refused = clients[0].get("/api/me")
    assert refused.status_code == 429
    assert refused.json() == {"error": "Too many requests"}
    assert "Retry-After" in refused.headers
