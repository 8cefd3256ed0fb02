"""Signed access tokens (JWT, HS256) shared by the Get Native and Rockpack dialects.

A token carries the user's `token_version`; bumping the version (password change, deactivation)
revokes every token issued before, without a token table.

Every signed-in Get Native request verifies one token and issues the next (sliding sessions),
so both are on the hot path. PyJWT's generic machinery (algorithm registry, key-format checks,
JSON via the standard library) cost about 20 % of a token `GET /videos`; this module does the
one thing used here, compact HS256, with `hmac` and orjson. The tokens are the same bytes PyJWT
writes (header `{"alg":"HS256","typ":"JWT"}`, compact JSON, unpadded base64url), and the checks
are PyJWT's for these options: signature (constant-time), `alg` exactly HS256 (no `none`, no
other algorithm), required `sub`/`exp`/`aud`/`ver`, `sub` a string, `exp`/`iat`/`nbf`
integers, not expired, not issued or valid in the future, audience matching.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from getnative.errors import AuthenticationFailed, TokenExpired

ALGORITHM = "HS256"
_REQUIRED = ("sub", "exp", "aud", "ver")
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
# Payloads whose signature was verified, by (token, secret): a client sends the same token with
# each request until it takes the next one, and verifying (two base64 decodes, a JSON header, an
# HMAC, the JSON claims) cost more than the rest of the token rule. The claims are still checked
# on every use (expiry, audience, times), and the token's revocation is the database's check.
# Bounded: emptied when full.
_VERIFIED: dict[tuple[str, str], dict[str, Any]] = {}
VERIFIED_CACHE_SIZE = 2048


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


def _encode_segment(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _decode_segment(segment: str) -> bytes:
    """Strict unpadded base64url (the standard decoder skips characters outside the alphabet)."""
    if not _SEGMENT.fullmatch(segment):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


_HEADER = _encode_segment(orjson.dumps({"alg": ALGORITHM, "typ": "JWT"}))


def _signature(secret: str, signing_input: bytes) -> bytes:
    return hmac.digest(secret.encode(), signing_input, hashlib.sha256)


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
    signing_input = _HEADER + b"." + _encode_segment(orjson.dumps(payload))
    signature = _encode_segment(_signature(secret, signing_input))
    return IssuedToken((signing_input + b"." + signature).decode("ascii"), expires_at)


def decode_token(token: str, *, secret: str, audience: str) -> TokenClaims:
    """Verify signature, expiry and audience; raise `AuthenticationFailed` otherwise."""
    try:
        payload = _verified_payload(token, secret)
        expired = _check_claims(payload, audience)
        if not expired:
            return TokenClaims(int(payload["sub"]), int(payload["ver"]), audience)
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        # orjson.JSONDecodeError and UnicodeError are ValueErrors
        raise AuthenticationFailed("The token is invalid.", code="token_invalid") from exc
    raise TokenExpired("The token has expired.")


def _verified_payload(token: str, secret: str) -> dict[str, Any]:
    known = _VERIFIED.get((token, secret))
    if known is not None:
        return known
    claims = _verify(token, secret)
    if len(_VERIFIED) >= VERIFIED_CACHE_SIZE:
        _VERIFIED.clear()
    _VERIFIED[(token, secret)] = claims
    return claims


def _verify(token: str, secret: str) -> dict[str, Any]:
    header, payload, signature = token.split(".")  # not three parts: ValueError
    fields = orjson.loads(_decode_segment(header))
    if not isinstance(fields, dict) or fields.get("alg") != ALGORITHM or "crit" in fields:
        raise ValueError("not an HS256 token")
    expected = _signature(secret, f"{header}.{payload}".encode("ascii"))
    if not hmac.compare_digest(expected, _decode_segment(signature)):
        raise ValueError("bad signature")
    claims = orjson.loads(_decode_segment(payload))
    if not isinstance(claims, dict):
        raise TypeError("claims are not an object")
    return claims


def _check_claims(claims: dict[str, Any], audience: str) -> bool:
    """Raise on a malformed or not-yet-valid token; True when it has expired."""
    if any(claims.get(name) is None for name in _REQUIRED):
        raise ValueError("a required claim is missing")
    if not isinstance(claims["sub"], str):
        raise TypeError("sub is not a string")
    audiences = claims["aud"]
    if isinstance(audiences, str):
        audiences = [audiences]
    if not isinstance(audiences, list) or audience not in audiences:
        raise ValueError("another audience")
    now = time.time()
    for name in ("iat", "nbf"):
        if name in claims and int(claims[name]) > now:
            raise ValueError(f"{name} is in the future")
    return int(claims["exp"]) <= now
