"""Profile and OAuth rules called directly: the boundaries the HTTP tests do not spell out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from getnative.accounts import oauth_service, profile_service
from getnative.db import Database
from getnative.errors import InvalidInput, RateLimited
from getnative.web.ratelimit import MemoryRateLimiter
from tests.clients import FrozenClock
from tests.factories import make_member


def test_date_of_birth_must_be_a_real_past_date() -> None:
    today = date(2024, 3, 1)
    assert profile_service.parse_date_of_birth("2024-02-29", today=today) == date(2024, 2, 29)
    for value in (
        "2024-03-01",
        "2023-02-29",
        "1899-12-31",
        "24-01-01",
        "2024-1-1",
        "２０２０-01-01",
    ):
        with pytest.raises(InvalidInput):
            profile_service.parse_date_of_birth(value, today=today)
    assert profile_service.parse_date_of_birth("1900-01-01", today=today).year == 1900
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert profile_service.parse_date_of_birth(yesterday).isoformat() == yesterday


@pytest.mark.parametrize("tag", ["en", "en-US", "en-us", "zh-Hant-TW", "es-419", "de-CH-1901"])
def test_locales_accept_ietf_tags(tag: str) -> None:
    assert profile_service.validate_locale(tag) == tag


@pytest.mark.parametrize("tag", ["", "e", "english", "en--us", "en-", "-en", "en us", "日本"])
def test_locales_refuse_other_text(tag: str) -> None:
    with pytest.raises(InvalidInput):
        profile_service.validate_locale(tag)


def test_usernames_are_ascii_letters_and_digits() -> None:
    assert profile_service.validate_username(" Abc123 ") == "Abc123"
    for bad in ("ab", "a_b", "a-b", "ａｂｃ", "a\nbc", "x" * 31):
        with pytest.raises(InvalidInput):
            profile_service.validate_username(bad)


def test_suggestion_fits_the_length_limit(db: Database) -> None:
    long_name = "x" * profile_service.MAX_USERNAME_LENGTH
    make_member(db, username=long_name)
    with db.session(write=False) as session:
        suggestion = profile_service.suggest_username(session, long_name)
        assert len(suggestion) <= profile_service.MAX_USERNAME_LENGTH
        assert profile_service.username_available(session, suggestion)
        profile_service.validate_username(suggestion)


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
