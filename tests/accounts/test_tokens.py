"""Signed access tokens (getnative.accounts.tokens): a verified token is remembered, its claims
are not: expiry, audience and the secret are checked on every use."""

from __future__ import annotations

import time

import pytest

from getnative.accounts import tokens
from getnative.errors import AuthenticationFailed, TokenExpired

SECRET = "test-secret-0123456789abcdef0123456789"


def _token(ttl_seconds: int = 60) -> str:
    issued = tokens.issue_token(
        user_id=7, token_version=2, secret=SECRET, ttl_seconds=ttl_seconds, audience="getnative"
    )
    return issued.token


def test_a_token_decodes_the_same_from_the_cache() -> None:
    token = _token()
    first = tokens.decode_token(token, secret=SECRET, audience="getnative")
    assert (token, SECRET) in tokens._VERIFIED
    again = tokens.decode_token(token, secret=SECRET, audience="getnative")
    assert first == again == tokens.TokenClaims(7, 2, "getnative")


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = _token(ttl_seconds=60)
    tokens.decode_token(token, secret=SECRET, audience="getnative")
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(TokenExpired):
        tokens.decode_token(token, secret=SECRET, audience="getnative")


def test_a_remembered_token_is_checked_against_the_secret_and_audience() -> None:
    token = _token()
    tokens.decode_token(token, secret=SECRET, audience="getnative")
    with pytest.raises(AuthenticationFailed):
        tokens.decode_token(
            token, secret="another-secret-0123456789abcdef0123", audience="getnative"
        )
    with pytest.raises(AuthenticationFailed):
        tokens.decode_token(token, secret=SECRET, audience="rockpack")


def test_a_forged_token_is_never_remembered() -> None:
    header, payload, signature = _token().split(".")
    forged = f"{header}.{payload}.{signature[:-2]}AA"
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            tokens.decode_token(forged, secret=SECRET, audience="getnative")
    assert (forged, SECRET) not in tokens._VERIFIED


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 3)
    tokens._VERIFIED.clear()
    for ttl in range(60, 66):
        tokens.decode_token(_token(ttl_seconds=ttl), secret=SECRET, audience="getnative")
        assert len(tokens._VERIFIED) <= 3
