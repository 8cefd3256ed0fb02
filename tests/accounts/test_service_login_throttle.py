"""Login throttling: failed logins per account and per client IP, 15-minute window."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.accounts import service
from getnative.db import Database
from getnative.errors import RateLimited
from getnative.ratelimit import MemoryRateLimiter
from getnative.web.container import Container
from tests.clients import FrozenClock, client_on, custom_app, error_code
from tests.factories import DEFAULT_PASSWORD, make_user

LIMIT = 3


def good(email: str) -> dict[str, str]:
    return {"email": email, "password": DEFAULT_PASSWORD}


def bad(email: str) -> dict[str, str]:
    return {"email": email, "password": "wrong-password"}


def throttled_app(tmp_path: Path, db: Database, **settings: Any) -> tuple[TestClient, Container]:
    """The whole app allowing `LIMIT` failed logins per account and per client IP."""
    return custom_app(tmp_path, db, login_attempts_per_15_minutes=LIMIT, **settings)


def fail_logins(client: TestClient, emails: Iterable[str], **request: Any) -> None:
    """One failed login (401) for each of `emails`."""
    for email in emails:
        assert client.post("/login", json=bad(email), **request).status_code == 401


def test_too_many_failures_for_an_account_throttle_it_from_any_ip(
    tmp_path: Path, db: Database
) -> None:
    make_user(db, email="victim@example.com")
    attacker, container = throttled_app(tmp_path, db, peer="203.0.113.1")
    fail_logins(attacker, ["victim@example.com"] * LIMIT)
    throttled = attacker.post("/login", json=good("Victim@Example.com"))
    assert (throttled.status_code, error_code(throttled)) == (429, 221)
    assert 1 <= int(throttled.headers["retry-after"]) <= 15 * 60
    assert "x-gn-auth-token" not in throttled.headers
    elsewhere = client_on(container, "198.51.100.7").post("/login", json=good("victim@example.com"))
    assert elsewhere.status_code == 429


def test_too_many_failures_from_an_ip_throttle_it_for_every_account(
    tmp_path: Path, db: Database
) -> None:
    make_user(db, email="member@example.com")
    sprayer, container = throttled_app(tmp_path, db, peer="203.0.113.2")
    fail_logins(sprayer, [f"guess{n}@example.com" for n in range(LIMIT)])
    response = sprayer.post("/login", json=good("member@example.com"))
    assert (response.status_code, error_code(response)) == (429, 221)
    member = client_on(container, "198.51.100.8")
    assert member.post("/login", json=good("member@example.com")).status_code == 200


def test_successful_logins_do_not_count(tmp_path: Path, db: Database) -> None:
    make_user(db, email="regular@example.com")
    client, _ = throttled_app(tmp_path, db)
    for _ in range(LIMIT + 1):
        assert client.post("/login", json=good("regular@example.com")).status_code == 200
    fail_logins(client, ["regular@example.com"] * (LIMIT - 1))
    assert client.post("/login", json=good("regular@example.com")).status_code == 200


def test_forwarded_for_counts_only_behind_a_trusted_proxy(tmp_path: Path, db: Database) -> None:
    make_user(db, email="member@example.com")
    proxied, container = throttled_app(
        tmp_path, db, peer="10.0.0.5", trusted_proxies=["10.0.0.0/8"]
    )
    fail_logins(
        proxied,
        [f"g{n}@example.com" for n in range(LIMIT)],
        headers={"X-Forwarded-For": "203.0.113.50"},
    )
    blocked = proxied.post(
        "/login", json=good("member@example.com"), headers={"X-Forwarded-For": "203.0.113.50"}
    )
    assert blocked.status_code == 429
    other_client = proxied.post(
        "/login", json=good("member@example.com"), headers={"X-Forwarded-For": "203.0.113.51"}
    )
    assert other_client.status_code == 200
    # A direct (untrusted) client cannot dodge its own IP's count by sending the header.
    direct = client_on(container, "203.0.113.50")
    spoofed = direct.post(
        "/login", json=good("member@example.com"), headers={"X-Forwarded-For": "192.0.2.1"}
    )
    assert spoofed.status_code == 429


def test_throttle_rule_counts_failures_only() -> None:
    limiter = MemoryRateLimiter(clock=FrozenClock())
    throttle = service.LoginThrottle(limiter, limit=2)
    throttle.check("a@example.com", "1.1.1.1")
    throttle.check("a@example.com", "1.1.1.1")  # checking never counts
    throttle.record_failure("a@example.com", "1.1.1.1")
    throttle.check("A@EXAMPLE.COM ", "2.2.2.2")
    throttle.record_failure("a@example.com", "2.2.2.2")
    with pytest.raises(RateLimited) as raised:
        throttle.check("a@example.com", "3.3.3.3")
    assert raised.value.code == "login_throttled"
    assert 1 <= raised.value.retry_after <= 900
    throttle.check("b@example.com", "3.3.3.3")  # another account from a clean IP is fine


def test_peek_reads_without_counting() -> None:
    limiter = MemoryRateLimiter(clock=FrozenClock())
    assert limiter.peek("k", window_seconds=60)[0] == 0
    limiter.hit("k", limit=5, window_seconds=60)
    count, reset = limiter.peek("k", window_seconds=60)
    assert count == 1
    assert 1 <= reset <= 60
    assert limiter.peek("k", window_seconds=60)[0] == 1


def test_a_limit_of_zero_switches_throttling_off() -> None:
    throttle = service.LoginThrottle(MemoryRateLimiter(clock=FrozenClock()), limit=0)
    for _ in range(3):
        throttle.record_failure("a@example.com", "1.1.1.1")
        throttle.check("a@example.com", "1.1.1.1")


def test_failures_of_an_earlier_window_no_longer_throttle() -> None:
    clock = FrozenClock()
    throttle = service.LoginThrottle(MemoryRateLimiter(clock=clock), limit=1)
    throttle.record_failure("a@example.com", "1.1.1.1")
    with pytest.raises(RateLimited) as raised:
        throttle.check("a@example.com", "1.1.1.1")
    clock.advance(raised.value.retry_after)
    throttle.check("a@example.com", "1.1.1.1")
