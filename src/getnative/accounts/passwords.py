"""Password hashing with argon2id (RFC 9106 parameters via argon2-cffi's defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A real hash of a random password: verifying against it when the account does not exist costs
# the same time as a real check, so response timing does not reveal which emails are registered.
_DUMMY_HASH = _hasher.hash("getnative-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends one argon2 verification."""
    try:
        # Bytes, with lone surrogates passed through: such a password cannot match (none could be
        # set), but must cost the same check and answer "wrong", never a UnicodeEncodeError.
        secret = password.encode("utf-8", "surrogatepass")
        return _hasher.verify(password_hash or _DUMMY_HASH, secret) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
