"""Rockpack OAuth 2 rules: client authentication, credentials, rotating refresh tokens, resets.

Refresh tokens are random strings of which only the SHA-256 is stored (a database leak does not
leak usable tokens). Each use rotates the token: the presented one is marked revoked and a new
one issued. Presenting a rotated-out token means a copy is in someone else's hands, so every
refresh token of that user, on every client, is revoked (RFC 6819 5.2.2.3, "refresh token
rotation"); the access tokens already issued live out their short lifetime (one hour by default).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from getnative.accounts.models import RefreshToken, User
from getnative.accounts.passwords import hash_password
from getnative.accounts.service import (
    end_read_transaction,
    get_user_for_token,
    revoke_tokens,
    validate_password,
)
from getnative.accounts.tokens import decode_token, issue_token
from getnative.config import Settings
from getnative.db import utcnow
from getnative.errors import AuthenticationFailed, InvalidGrant, RateLimited, RefreshTokenReused
from getnative.ratelimit import RateLimiter

ACCESS_AUDIENCE = "rockpack"
RESET_AUDIENCE = "rockpack-password-reset"
RESET_TTL_SECONDS = 60 * 60
LOGIN_WINDOW_SECONDS = 15 * 60
# Compared against when the client id is unknown, so the timing does not reveal valid client ids.
_DUMMY_SECRET = secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Credentials:
    user_id: int
    access_token: str
    expires_in: int
    refresh_token: str


def verify_client(clients: Mapping[str, str], client_id: str, secret: str) -> bool:
    """True when `client_id` is configured with `secret`; constant time in the secret."""
    expected = clients.get(client_id)
    matches = hmac.compare_digest(
        (expected if expected is not None else _DUMMY_SECRET).encode(), secret.encode()
    )
    return matches and expected is not None


def check_login_budget(
    limiter: RateLimiter, *, login: str, client_ip: str, limit: int, purpose: str = "login"
) -> None:
    """Count one password attempt against the login's and the IP's 15-minute budgets.

    Every attempt is counted before the password is checked: counting only failures would need a
    read-only look at the counter, or a correct guess would still get through once over the
    limit. Real clients log in rarely (refresh tokens do the rest), so the budget is ample.
    """
    if limit <= 0:  # throttling switched off (GETNATIVE_LOGIN_ATTEMPTS_PER_15_MINUTES=0)
        return
    # Hashed, as in LoginThrottle: logins (often emails) never sit in the limiter's store in clear.
    login_key = hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]
    keys = (f"{purpose}:user:{login_key}", f"{purpose}:ip:{client_ip}")
    waits = [limiter.hit(key, limit=limit, window_seconds=LOGIN_WINDOW_SECONDS) for key in keys]
    retry_after = max((wait for wait in waits if wait is not None), default=None)
    if retry_after is not None:
        raise RateLimited("Too many login attempts.", retry_after=retry_after)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_refresh_token(session: Session, *, user_id: int, client_id: str, ttl_seconds: int) -> str:
    """A new refresh token; the user's expired ones are purged on the way."""
    now = utcnow()
    session.execute(
        delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at <= now)
    )
    raw = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            user_id=user_id,
            client_id=client_id,
            token_hash=_digest(raw),
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    session.flush()
    return raw


def redeem_refresh_token(session: Session, raw: str, *, client_id: str) -> User:
    """Revoke the presented refresh token and return its user, for a new pair to be issued.

    The revocation is a conditional UPDATE, so of two concurrent uses of one token exactly one
    wins; the loser is treated as a reuse.
    """
    now = utcnow()
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _digest(raw)))
    if row is None or row.client_id != client_id:  # bound to the client it was issued to
        raise InvalidGrant("The refresh token is invalid.")
    if row.revoked_at is not None:
        raise RefreshTokenReused(row.user_id)
    if row.expires_at <= now:
        raise InvalidGrant("The refresh token has expired.")
    # The user row is locked before the token is claimed, as a revocation (which updates the
    # user row first, then deletes the refresh tokens) does: a refresh racing a password change
    # either finishes before it, and its new token is deleted with the others, or waits for it
    # and finds its token gone. The same lock order on both sides cannot deadlock.
    user = session.get(User, row.user_id, with_for_update=True, populate_existing=True)
    claimed = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise RefreshTokenReused(row.user_id)
    if user is None or not user.is_active:
        raise InvalidGrant("The account is no longer active.")
    return user


def latest_client_id(session: Session, user_id: int, default: str) -> str:
    """The client of the user's newest refresh token: the device most likely asking now."""
    client_id = session.scalar(
        select(RefreshToken.client_id)
        .where(RefreshToken.user_id == user_id)
        .order_by(RefreshToken.id.desc())
        .limit(1)
    )
    return client_id or default


def issue_credentials(
    session: Session, user: User, *, client_id: str, settings: Settings
) -> Credentials:
    """A fresh access token (JWT, one hour) and refresh token for `user` on `client_id`."""
    access = issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=settings.jwt_secret,
        ttl_seconds=settings.oauth_access_ttl_seconds,
        audience=ACCESS_AUDIENCE,
    )
    refresh = issue_refresh_token(
        session,
        user_id=user.id,
        client_id=client_id,
        ttl_seconds=settings.oauth_refresh_ttl_seconds,
    )
    return Credentials(user.id, access.token, settings.oauth_access_ttl_seconds, refresh)


# --- password reset -----------------------------------------------------------------------------


def issue_reset_token(user: User, settings: Settings) -> str:
    """A signed token, valid for an hour, that dies once the password (token version) changes."""
    return issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=settings.jwt_secret,
        ttl_seconds=RESET_TTL_SECONDS,
        audience=RESET_AUDIENCE,
    ).token


def reset_password(session: Session, token: str, new_password: str, settings: Settings) -> User:
    """Set a new password from a reset token; all access and refresh tokens are revoked.

    Raises `InvalidGrant` for a bad, expired or already used token, `InvalidInput` for a weak
    password.
    """
    try:
        claims = decode_token(token, secret=settings.jwt_secret, audience=RESET_AUDIENCE)
        user = get_user_for_token(
            session, user_id=claims.user_id, token_version=claims.token_version
        )
    except AuthenticationFailed as exc:
        raise InvalidGrant("The reset token is invalid or has expired.") from exc
    validate_password(new_password)
    end_read_transaction(session)  # hash with no write lock held
    password_hash = hash_password(new_password)
    session.refresh(user)
    if not user.is_active or user.token_version != claims.token_version:
        raise InvalidGrant("The reset token is invalid or has expired.")
    user.password_hash = password_hash
    revoke_tokens(session, user)
    session.flush()
    return user
