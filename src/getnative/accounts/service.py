"""Account rules shared by every dialect: registration, credentials, tokens, deactivation."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from getnative.accounts.models import USER_KIND_MEMBER, User
from getnative.accounts.passwords import hash_password, needs_rehash, verify_password
from getnative.channels.models import Channel, Subscription
from getnative.db import utcnow
from getnative.errors import AuthenticationFailed, Conflict, InvalidInput
from getnative.likes.service import remove_all_likes_of_user
from getnative.notifications.service import create_welcome

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD_LENGTH = 6
MAX_PASSWORD_LENGTH = 128


def normalize_email(email: str) -> str:
    """Trim and lower-case; refuse anything that is not shaped like an address."""
    normalized = email.strip().lower()
    if len(normalized) > 254 or not EMAIL_PATTERN.match(normalized):
        raise InvalidInput("The email address is invalid.", code="email_invalid", field="email")
    return normalized


def validate_password(password: str, *, field: str = "password") -> str:
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


def register_member(session: Session, *, email: str, password: str, **profile: object) -> User:
    """Create an active member with a welcome notification.

    A concurrent registration of the same email loses on the partial unique index and gets the
    same `email_in_use` error as a sequential one.
    """
    email = normalize_email(email)
    validate_password(password)
    if email_in_use(session, email):
        raise Conflict("This email address is already in use.", code="email_in_use", field="email")
    user = User(
        kind=USER_KIND_MEMBER, email=email, password_hash=hash_password(password), **profile
    )
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

    Unknown logins and wrong passwords are the same error and cost the same time.
    """
    login = login.strip()
    user = session.scalar(
        select(User).where(
            User.is_active.is_(True),
            User.password_hash.is_not(None),
            or_(User.email == login.lower(), func.lower(User.username) == login.lower()),
        )
    )
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise AuthenticationFailed(
            "The email or password is incorrect.", code="invalid_credentials"
        )
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def get_user_for_token(session: Session, *, user_id: int, token_version: int) -> User:
    """The token's user, if still active and the token not revoked by a newer version."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.token_version != token_version:
        raise AuthenticationFailed("The token has been revoked.", code="token_revoked")
    return user


def revoke_tokens(user: User) -> None:
    """Invalidate every token issued so far (they carry the old version)."""
    user.token_version += 1


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput(
            "Old password is incorrect.", code="password_incorrect", field="current_password"
        )
    validate_password(new, field="new_password")
    user.password_hash = hash_password(new)
    revoke_tokens(user)
    session.flush()


def change_email(session: Session, user: User, email: str) -> None:
    email = normalize_email(email)
    if email == user.email:
        return
    if email_in_use(session, email, except_user_id=user.id):
        raise Conflict("This email address is already in use.", code="email_in_use", field="email")
    user.email = email
    user.email_verified = False
    session.flush()


def deactivate(session: Session, user: User) -> None:
    """Deactivate: no more logins, every token dead, email free again, likes withdrawn.

    The row stays (study history, answers) but stops counting anywhere public.
    """
    remove_all_likes_of_user(session, user.id)
    _leave_all_channels(session, user.id)
    user.is_active = False
    user.deactivated_at = utcnow()
    revoke_tokens(user)
    session.flush()


def _leave_all_channels(session: Session, user_id: int) -> None:
    """Unsubscribe the user everywhere, keeping each channel's subscriber counter exact."""
    channel_ids = list(
        session.scalars(select(Subscription.channel_id).where(Subscription.user_id == user_id))
    )
    if not channel_ids:
        return
    session.execute(
        update(Channel)
        .where(Channel.id.in_(channel_ids))
        .values(subscriber_count=Channel.subscriber_count - 1)
    )
    for subscription in session.scalars(
        select(Subscription).where(Subscription.user_id == user_id)
    ):
        session.delete(subscription)
