"""Account rules shared by every dialect: registration, credentials, tokens, deactivation."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from getnative import metrics
from getnative.accounts.models import USER_KIND_MEMBER, RefreshToken, User
from getnative.accounts.passwords import hash_password, needs_rehash, verify_password
from getnative.accounts.revocation import token_is_current, token_revoked
from getnative.channels.social_service import leave_all_channels
from getnative.db import utcnow
from getnative.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    LoginThrottled,
)
from getnative.likes.service import lock_user_for_deactivation, remove_all_likes_of_user
from getnative.media.images import ImageLimits, reencode
from getnative.media.storage import MediaStorage
from getnative.notifications.service import create_welcome
from getnative.text import require_storable_text

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
# Control characters (NUL above all: PostgreSQL text cannot hold it) never belong in a login,
# an email or a name.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MIN_PASSWORD_LENGTH = 6
MAX_PASSWORD_LENGTH = 128
# A BCP 47 subset: language (2-3 letters), optional script (4 letters), optional region
# (2 letters or 3 digits): en, ja, en-US, zh-Hant-TW, es-419.
LANGUAGE_TAG_PATTERN = re.compile(
    r"^(?P<language>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|\d{3}))?$"
)
MAX_UTC_OFFSET_SECONDS = 14 * 60 * 60
MAX_NAME_LENGTH = 200
LOGIN_WINDOW_SECONDS = 15 * 60


def normalize_email(email: str) -> str:
    """Trim and lower-case; refuse anything that is not shaped like an address."""
    normalized = email.strip().lower()
    if (
        len(normalized) > 254
        or not EMAIL_PATTERN.fullmatch(normalized)
        or CONTROL_CHARACTERS.search(normalized)
    ):
        raise InvalidInput("The email address is invalid.", code="email_invalid", field="email")
    return normalized


def validate_password(password: str, *, field: str = "password") -> str:
    require_storable_text(password, field=field)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Field must be at least {MIN_PASSWORD_LENGTH} characters long.",
            code="password_too_short",
            field=field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Field must be at most {MAX_PASSWORD_LENGTH} characters long.",
            code="password_too_long",
            field=field,
        )
    return password


def email_in_use(session: Session, email: str, *, except_user_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == email, User.is_active.is_(True))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return session.scalar(query) is not None


def end_read_transaction(session: Session) -> None:
    """End the request's transaction before an argon2 hash or check (tens of milliseconds).

    On SQLite the request's writing transaction is `BEGIN IMMEDIATE`, the database's one write
    lock: hashing inside it stalls every other writer (a login burst made a like wait 15 s).
    The login, registration and password routes therefore finish their reads, end the
    transaction here, hash with no transaction open, and write in a second short transaction,
    where they re-check what they read (`_reload_unchanged`). Only reads may precede this: a
    pending change would be committed half-done, so it is a programming error.
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_read_transaction called with pending changes")
    session.commit()


def _reload_unchanged(session: Session, user: User) -> bool:
    """Re-read the user in the write transaction; False if a password change, a revocation or
    a deactivation committed while the hash ran (the check that was made is then stale)."""
    seen = (user.password_hash, user.token_version, user.is_active)
    session.refresh(user)
    return (user.password_hash, user.token_version, user.is_active) == seen


def register_member(session: Session, *, email: str, password: str, **profile: object) -> User:
    """Create an active member with a welcome notification.

    The password is hashed before the write transaction (`end_read_transaction`). A concurrent
    registration of the same email loses on the partial unique index and gets the same
    `email_in_use` error as a sequential one.
    """
    email = normalize_email(email)
    validate_password(password)
    end_read_transaction(session)
    password_hash = hash_password(password)
    if email_in_use(session, email):
        raise Conflict("This email address is already in use.", code="email_in_use", field="email")
    user = User(kind=USER_KIND_MEMBER, email=email, password_hash=password_hash, **profile)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "This email address is already in use.", code="email_in_use", field="email"
        ) from exc
    create_welcome(session, user.id)
    return user


def authenticate(session: Session, *, login: str, password: str) -> User:
    """The active member whose email (or username) and password match.

    Unknown logins and wrong passwords are the same error and cost the same time. The check
    runs with no transaction open (`end_read_transaction`); the write transaction that follows
    re-reads the user and refuses a login whose account changed meanwhile.
    """
    login = login.strip()
    user = None
    if not CONTROL_CHARACTERS.search(login):
        user = session.scalar(
            select(User).where(
                User.is_active.is_(True),
                User.password_hash.is_not(None),
                or_(User.email == login.lower(), func.lower(User.username) == login.lower()),
            )
        )
    end_read_transaction(session)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise AuthenticationFailed(
            "The email or password is incorrect.", code="invalid_credentials"
        )
    stale = user.password_hash is not None and needs_rehash(user.password_hash)
    rehashed = hash_password(password) if stale else None
    if not _reload_unchanged(session, user):
        raise AuthenticationFailed(
            "The email or password is incorrect.", code="invalid_credentials"
        )
    if rehashed is not None:
        user.password_hash = rehashed
    return user


def get_user_for_token(session: Session, *, user_id: int, token_version: int) -> User:
    """The token's user, if still active and the token not revoked by a newer version."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.token_version != token_version:
        raise token_revoked()
    return user


async def check_token_current(
    connection: AsyncConnection, *, user_id: int, token_version: int
) -> None:
    """`get_user_for_token`'s rule on the async driver, for routes that need only the user's id
    (no ORM row, no thread-pool hop)."""
    current = token_is_current(user_id=user_id, token_version=token_version)
    if not await connection.scalar(select(current)):
        raise token_revoked()


def revoke_refresh_tokens(session: Session, user_id: int) -> int:
    """Delete every Rockpack refresh token of the user.

    The rows are deleted, not marked: a token revoked this way is then simply unknown when it
    comes back, so a stale device (or a replaying thief) gets `invalid_grant` without setting off
    reuse detection again and revoking the tokens of the user's next login.
    """
    result = session.execute(
        delete(RefreshToken)
        .where(RefreshToken.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


def revoke_tokens(session: Session, user: User) -> None:
    """Invalidate every token of the user in every dialect: the one revocation rule.

    Access tokens (Get Native and Rockpack JWTs, reset tokens) carry the user's `token_version`
    and `get_user_for_token` refuses an old one; Rockpack refresh tokens are rows, deleted here.
    Password changes, password resets and deactivations of either dialect all come through here.
    """
    user.token_version += 1
    session.flush()
    revoke_refresh_tokens(session, user.id)


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Check the current password and hash the new one with no transaction open, then write."""
    end_read_transaction(session)
    if not verify_password(user.password_hash, current):
        raise InvalidInput(
            "Old password is incorrect.", code="password_incorrect", field="current_password"
        )
    validate_password(new, field="new_password")
    password_hash = hash_password(new)
    if not _reload_unchanged(session, user):
        raise AuthenticationFailed("The token has been revoked.", code="token_revoked")
    user.password_hash = password_hash
    revoke_tokens(session, user)
    session.flush()


def change_email(session: Session, user: User, email: str) -> None:
    email = normalize_email(email)
    if email == user.email:
        return
    if email_in_use(session, email, except_user_id=user.id):
        raise Conflict("This email address is already in use.", code="email_in_use", field="email")
    try:
        # A concurrent change to the same address loses on the partial unique index.
        with session.begin_nested():
            user.email = email
            user.email_verified = False
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "This email address is already in use.", code="email_in_use", field="email"
        ) from exc


def deactivate(session: Session, user: User) -> None:
    """Deactivate: no more logins, every token dead, email free again, likes withdrawn.

    The row stays (study history, answers) but stops counting anywhere public. The user row is
    locked first, so likes in flight cannot slip in after the withdrawal (`likes.service`).
    """
    lock_user_for_deactivation(session, user.id)
    remove_all_likes_of_user(session, user.id)
    leave_all_channels(session, user.id)
    user.is_active = False
    user.deactivated_at = utcnow()
    revoke_tokens(session, user)
    session.flush()


# --- profile settings -------------------------------------------------------------------------


def normalize_language_tag(value: str, *, field: str) -> str:
    """Validate a BCP 47 tag and write it canonically (`en-us` -> `en-US`)."""
    match = LANGUAGE_TAG_PATTERN.fullmatch(value.strip())
    if match is None:
        raise InvalidInput(
            f"'{field}' must be a BCP 47 language code such as en, ja or en-US.",
            code="lang_invalid",
            field=field,
        )
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    return "-".join(parts)


def validate_utc_offset(value: int | None) -> int | None:
    """Seconds east of UTC, at most 14 hours either way (the widest real offsets)."""
    if value is not None and abs(value) > MAX_UTC_OFFSET_SECONDS:
        raise InvalidInput(
            f"'utc_offset' must be between -{MAX_UTC_OFFSET_SECONDS} and "
            f"{MAX_UTC_OFFSET_SECONDS} seconds.",
            code="utc_offset_invalid",
            field="utc_offset",
        )
    return value


def normalize_name(value: str | None) -> str | None:
    """Trimmed; empty clears the name."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > MAX_NAME_LENGTH or CONTROL_CHARACTERS.search(value):
        raise InvalidInput(
            f"'name' must be at most {MAX_NAME_LENGTH} characters, without control characters.",
            code="name_invalid",
            field="name",
        )
    return value


@dataclass(frozen=True)
class ProfileChanges:
    """Settings a member may change; only fields listed in `given` are applied."""

    given: frozenset[str]
    email_notifications_enabled: bool | None = None
    browser_notifications_enabled: bool | None = None
    default_study_language_code: str | None = None
    lang: str | None = None
    utc_offset: int | None = None
    name: str | None = None


NON_NULLABLE_SETTINGS = (
    "email_notifications_enabled",
    "browser_notifications_enabled",
    "default_study_language_code",
    "lang",
)


def update_profile(session: Session, user: User, changes: ProfileChanges) -> None:
    """Validate every given field first, then apply them all (all or nothing)."""
    values: dict[str, object] = {}
    for field in changes.given:
        value = getattr(changes, field)
        if value is None and field in NON_NULLABLE_SETTINGS:
            raise InvalidInput(f"'{field}' cannot be null.", code="field_invalid", field=field)
        if field in ("default_study_language_code", "lang"):
            value = normalize_language_tag(value, field=field)
        elif field == "utc_offset":
            value = validate_utc_offset(value)
        elif field == "name":
            value = normalize_name(value)
        values[field] = value
    for field, value in values.items():
        setattr(user, field, value)
    session.flush()


PROFILE_IMAGE_SIDE = 512


def replace_profile_image(
    session: Session, user: User, data: bytes, *, media: MediaStorage, limits: ImageLimits
) -> str:
    """Check and re-encode the upload, store it under a fresh key and point the user at it.

    The file is written (atomically) before the row changes, and under a new random key, so a
    failure at any step leaves the previous picture in place and never a half-written one.
    Returns the new public URL. The decode (which may wait for a decode slot) runs with no
    transaction open, like argon2 (`end_read_transaction`).
    """
    end_read_transaction(session)
    image = reencode(data, limits, max_side=PROFILE_IMAGE_SIDE)
    key = f"avatars/{user.id}/{uuid.uuid4().hex}.{image.extension}"
    media.put(key, image.data, image.content_type)
    user.picture_url = media.url(key)
    session.flush()
    return user.picture_url


# --- login throttling ----------------------------------------------------------------------------


class AttemptCounter(Protocol):
    """What throttling needs of a rate limiter (see getnative.ratelimit)."""

    def hit(self, key: str, *, limit: int, window_seconds: int) -> int | None: ...

    def peek(self, key: str, *, window_seconds: int) -> tuple[int, int]: ...

    def release(self, key: str, *, window_seconds: int) -> None: ...


@dataclass(frozen=True)
class LoginThrottle:
    """Slows password guessing: at most `limit` failed attempts per account and per client IP in
    a 15-minute window; beyond that, attempts are refused before the password is even checked.

    `purpose` names the budget: logins of both dialects share `login`, the current-password
    checks of both dialects' password changes share `password-change` (keyed by user id).
    A limit of 0 or less switches throttling off.

    `attempt` reserves a slot atomically (an increment, in process memory or Redis) *before*
    the password is checked and gives it back if the attempt succeeds, so only failures count
    and a burst of parallel guesses cannot overshoot the limit: of N concurrent guesses at most
    `limit` reach the password check. `check` and `record_failure` are the read-only look and the
    plain count, for callers that do not check a password themselves.
    """

    counter: AttemptCounter
    limit: int
    window_seconds: int = LOGIN_WINDOW_SECONDS
    purpose: str = "login"

    def _keys(self, login: str, client_ip: str) -> tuple[str, str]:
        # The account key is hashed so emails never sit in the limiter's store (Redis) in clear.
        account = hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]
        return f"{self.purpose}-fail:account:{account}", f"{self.purpose}-fail:ip:{client_ip}"

    def _refused(self, retry_after: int) -> LoginThrottled:
        return LoginThrottled(
            "Too many failed login attempts. Try again later.", retry_after=retry_after
        )

    def check(self, login: str, client_ip: str) -> None:
        if self.limit <= 0:  # throttling switched off
            return
        for key in self._keys(login, client_ip):
            count, retry_after = self.counter.peek(key, window_seconds=self.window_seconds)
            if count >= self.limit:
                raise self._refused(retry_after)

    def record_failure(self, login: str, client_ip: str) -> None:
        for key in self._keys(login, client_ip):
            self.counter.hit(key, limit=self.limit, window_seconds=self.window_seconds)

    def _release(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            self.counter.release(key, window_seconds=self.window_seconds)

    @contextmanager
    def attempt(self, login: str, client_ip: str) -> Iterator[None]:
        """Reserve one attempt on every key; kept if the block raises, given back otherwise."""
        if self.limit <= 0:
            yield
            return
        keys = self._keys(login, client_ip)
        waits = [
            self.counter.hit(key, limit=self.limit, window_seconds=self.window_seconds)
            for key in keys
        ]
        refused = [wait for wait in waits if wait is not None]
        if refused:
            self._release(keys)  # a refused attempt is no failure of its own
            raise self._refused(max(refused))
        yield
        self._release(keys)


def authenticate_throttled(
    session: Session, throttle: LoginThrottle, *, login: str, password: str, client_ip: str
) -> User:
    """`authenticate`, refused while the account or the IP has too many recent failures."""
    try:
        with throttle.attempt(login, client_ip):
            return authenticate(session, login=login, password=password)
    except LoginThrottled:
        metrics.count_failed_login("throttled")
        raise
    except AuthenticationFailed:
        metrics.count_failed_login("invalid_credentials")
        raise


PASSWORD_CHANGE_BUDGET = "password-change"


class LoginThrottles(Protocol):
    """Where the failed-password budgets come from (the app container), by purpose."""

    def login_throttle(self, purpose: str) -> LoginThrottle: ...


def change_password_throttled(
    session: Session,
    throttles: LoginThrottles,
    user: User,
    client_ip: str,
    *,
    current: str,
    new: str,
) -> None:
    """`change_password` under the `password-change` budget of the user and the client IP, so a
    stolen access token cannot be used to guess the current password at speed. The budget is
    chosen here, not per dialect, so that alternating dialects does not double the guesses."""
    with throttles.login_throttle(PASSWORD_CHANGE_BUDGET).attempt(str(user.id), client_ip):
        change_password(session, user, current=current, new=new)
