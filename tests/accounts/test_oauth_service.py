"""OAuth rules called directly: client authentication and the login budget."""

from __future__ import annotations

import pytest

from getnative.accounts import oauth_service
from getnative.errors import RateLimited
from getnative.ratelimit import MemoryRateLimiter
from tests.clients import FrozenClock


def test_verify_client() -> None:
    clients = {"ios": "s3cret", "web": "other"}
    assert oauth_service.verify_client(clients, "ios", "s3cret")
    assert not oauth_service.verify_client(clients, "ios", "other")
    assert not oauth_service.verify_client(clients, "nobody", "s3cret")
    assert not oauth_service.verify_client(clients, "ios", "s3crét")


def test_login_budget_counts_per_login_and_per_ip() -> None:
    limiter = MemoryRateLimiter(clock=FrozenClock())

    def attempt(login: str, ip: str) -> None:
        oauth_service.check_login_budget(limiter, login=login, client_ip=ip, limit=2)

    attempt("alice", "10.0.0.1")
    attempt("ALICE ", "10.0.0.2")
    with pytest.raises(RateLimited):
        attempt("alice", "10.0.0.3")
    attempt("bob", "10.0.0.4")
    attempt("carol", "10.0.0.4")
    with pytest.raises(RateLimited):
        attempt("dave", "10.0.0.4")
