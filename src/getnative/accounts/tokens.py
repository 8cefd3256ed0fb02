"""Signed access tokens (JWT, HS256) shared by the Get Native and Rockpack dialects.

A token carries the user's `token_version`; bumping the version (password change, deactivation)
revokes every token issued before, without a token table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from getnative.errors import AuthenticationFailed, TokenExpired

ALGORITHM = "HS256"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime

    @property
    def expires_at_ms(self) -> int:
        return int(self.expires_at.timestamp() * 1000)


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_version: int
    audience: str


def issue_token(
    *, user_id: int, token_version: int, secret: str, ttl_seconds: int, audience: str
) -> IssuedToken:
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=ttl_seconds)
    payload = {
        "sub": str(user_id),
        "ver": token_version,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return IssuedToken(jwt.encode(payload, secret, algorithm=ALGORITHM), expires_at)


def decode_token(token: str, *, secret: str, audience: str) -> TokenClaims:
    """Verify signature, expiry and audience; raise `AuthenticationFailed` otherwise."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            options={"require": ["sub", "exp", "aud", "ver"]},
        )
        return TokenClaims(int(payload["sub"]), int(payload["ver"]), audience)
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired("The token has expired.") from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise AuthenticationFailed("The token is invalid.", code="token_invalid") from exc
