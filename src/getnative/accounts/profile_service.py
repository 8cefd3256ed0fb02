"""Profile attribute rules: usernames, names, birth dates, locales, gender; and registration.

Shared by Rockpack registration (all fields at once, every problem reported together) and the
per-attribute `PUT /ws/USERID/ATTRIBUTE/` updates (one field at a time). The rules live here so
both paths accept exactly the same values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from getnative.accounts.models import USER_KIND_MEMBER, User
from getnative.accounts.service import (
    change_email,
    email_in_use,
    normalize_email,
    register_member,
    validate_password,
)
from getnative.errors import Conflict, DomainError, FormInvalid, InvalidInput, UsernameTaken

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9]+$")
MIN_USERNAME_LENGTH = 3
MAX_USERNAME_LENGTH = 30
MAX_NAME_LENGTH = 100
MIN_BIRTH_YEAR = 1900
# BCP 47 / IETF language tag, the common shape: language, then subtags (script, region, variant).
LOCALE_PATTERN = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")
MAX_LOCALE_LENGTH = 35
GENDERS = ("m", "f")
USERNAME_TAKEN = UsernameTaken.MESSAGE


def validate_username(value: str) -> str:
    value = value.strip()
    if len(value) < MIN_USERNAME_LENGTH:
        raise InvalidInput(
            f"Username must be at least {MIN_USERNAME_LENGTH} characters long.",
            code="username_too_short",
            field="username",
        )
    if len(value) > MAX_USERNAME_LENGTH:
        raise InvalidInput(
            f"Username must be at most {MAX_USERNAME_LENGTH} characters long.",
            code="username_too_long",
            field="username",
        )
    if not USERNAME_PATTERN.fullmatch(value):
        raise InvalidInput(
            "Username may contain only letters and digits.",
            code="username_invalid",
            field="username",
        )
    return value


def username_in_use(session: Session, username: str, *, except_user_id: int | None = None) -> bool:
    """Usernames are unique case-insensitively among active accounts (index in migration 0002)."""
    query = select(User.id).where(
        func.lower(User.username) == username.lower(), User.is_active.is_(True)
    )
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return session.scalar(query) is not None


def suggest_username(session: Session, username: str) -> str:
    """A free variant of `username`: the base followed by the smallest free number (2, 3, ...).

    One query reads every active username sharing the base's prefix; the base is alphanumeric,
    so it carries no LIKE wildcards.
    """
    base = username[: MAX_USERNAME_LENGTH - 4] or "user"
    taken = set(
        session.scalars(
            select(func.lower(User.username)).where(
                func.lower(User.username).like(base.lower() + "%"), User.is_active.is_(True)
            )
        )
    )
    number = 2
    while f"{base}{number}".lower() in taken:
        number += 1
    return f"{base}{number}"


def validate_name(value: str, *, field: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("This field is required.", code="name_required", field=field)
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"Field must be at most {MAX_NAME_LENGTH} characters long.",
            code="name_too_long",
            field=field,
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise InvalidInput("Field contains control characters.", code="name_invalid", field=field)
    return value


def parse_date_of_birth(value: str, *, today: date | None = None) -> date:
    """A real calendar date, `YYYY-MM-DD`, in the past and not before 1900."""
    today = today or date.today()
    value = value.strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        born = date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            "Not a valid date value, expected YYYY-MM-DD.",
            code="date_of_birth_invalid",
            field="date_of_birth",
        ) from exc
    if born >= today or born.year < MIN_BIRTH_YEAR:
        raise InvalidInput(
            "Date of birth must be a past date.",
            code="date_of_birth_out_of_range",
            field="date_of_birth",
        )
    return born


def validate_locale(value: str) -> str:
    """An IETF language tag such as `en-us` or `en-GB`; `_` is accepted and written as `-`."""
    value = value.strip()
    if len(value) > MAX_LOCALE_LENGTH or not LOCALE_PATTERN.fullmatch(value):
        raise InvalidInput("Not a valid IETF language tag.", code="locale_invalid", field="locale")
    return value.replace("_", "-")


def validate_gender(value: str) -> str:
    value = value.strip().lower()
    if value not in GENDERS:
        raise InvalidInput("Gender must be m or f.", code="gender_invalid", field="gender")
    return value


def check_username_free(
    session: Session, username: str, *, except_user_id: int | None = None
) -> None:
    if username_in_use(session, username, except_user_id=except_user_id):
        raise UsernameTaken(suggest_username(session, username))


# --- registration -------------------------------------------------------------------------------

REQUIRED_REGISTRATION_FIELDS = ("username", "password", "date_of_birth", "locale", "email")
# The oauth document does not require names, and the iOS app sends neither.
OPTIONAL_REGISTRATION_FIELDS = ("first_name", "last_name", "gender")

_FIELD_RULES: dict[str, Callable[[str], Any]] = {
    "username": validate_username,
    "password": validate_password,
    "first_name": lambda v: validate_name(v, field="first_name"),
    "last_name": lambda v: validate_name(v, field="last_name"),
    "date_of_birth": parse_date_of_birth,
    "locale": validate_locale,
    "email": normalize_email,
    "gender": validate_gender,
}


def _validate_form(session: Session, form: Mapping[str, str]) -> tuple[dict[str, Any], FormInvalid]:
    """Every field's rule, collecting all problems instead of stopping at the first."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    problem = FormInvalid(errors)
    for name, rule in _FIELD_RULES.items():
        raw = form.get(name, "")
        if not raw.strip():
            if name in REQUIRED_REGISTRATION_FIELDS:
                errors[name] = ["This field is required."]
            continue
        try:
            values[name] = rule(raw)
        except DomainError as exc:
            errors[name] = [exc.message]
    if "username" in values and username_in_use(session, values["username"]):
        errors["username"] = [USERNAME_TAKEN]
        problem.suggested_username = suggest_username(session, values["username"])
    if "email" in values and email_in_use(session, values["email"]):
        errors["email"] = ["This email address is already in use."]
    return values, problem


def register(session: Session, form: Mapping[str, str]) -> User:
    """Create a Rockpack user from the registration form, or raise `FormInvalid` listing all
    problems. The welcome notification comes with `register_member`."""
    values, problem = _validate_form(session, form)
    if problem.errors:
        raise problem
    names = (values.get("first_name"), values.get("last_name"))
    try:
        return register_member(
            session,
            email=values.pop("email"),
            password=values.pop("password"),
            name=" ".join(part for part in names if part),
            **values,
        )
    except Conflict as exc:
        # Lost a race on a unique index after the checks above passed: name the right field.
        if username_in_use(session, values["username"]):
            raise FormInvalid({"username": [USERNAME_TAKEN]}) from exc
        raise FormInvalid({exc.field or "email": [exc.message]}) from exc


# --- single attribute updates -------------------------------------------------------------------


def _set_username(session: Session, user: User, value: str) -> None:
    username = validate_username(value)
    check_username_free(session, username, except_user_id=user.id)
    try:
        with session.begin_nested():
            user.username = username
            session.flush()
    except IntegrityError as exc:
        raise UsernameTaken(suggest_username(session, username)) from exc


def _set_name(attribute: str) -> Callable[[Session, User, str], None]:
    def apply(_session: Session, user: User, value: str) -> None:
        setattr(user, attribute, validate_name(value, field=attribute))
        user.name = " ".join(part for part in (user.first_name, user.last_name) if part)

    return apply


def _set_date_of_birth(_session: Session, user: User, value: str) -> None:
    user.date_of_birth = parse_date_of_birth(value)


def _set_locale(_session: Session, user: User, value: str) -> None:
    user.locale = validate_locale(value)


def _set_gender(_session: Session, user: User, value: str) -> None:
    user.gender = validate_gender(value)


def _set_email(session: Session, user: User, value: str) -> None:
    """A concurrent change to the same address loses on the unique index, as a `Conflict`."""
    try:
        with session.begin_nested():
            change_email(session, user, value)
    except IntegrityError as exc:
        raise Conflict(
            "This email address is already in use.", code="email_in_use", field="email"
        ) from exc


ATTRIBUTE_SETTERS: dict[str, Callable[[Session, User, str], None]] = {
    "username": _set_username,
    "first_name": _set_name("first_name"),
    "last_name": _set_name("last_name"),
    "date_of_birth": _set_date_of_birth,
    "locale": _set_locale,
    "email": _set_email,
    "gender": _set_gender,
}


def update_attribute(session: Session, user: User, attribute: str, value: str) -> None:
    """Change one profile attribute; raises `InvalidInput`, `UsernameTaken` or `Conflict`."""
    ATTRIBUTE_SETTERS[attribute](session, user, value)
    session.flush()


def find_member_by_login(session: Session, login: str) -> User | None:
    """The active member whose email or username (case-insensitively) is `login`."""
    login = login.strip().lower()
    if not login:
        return None
    column = User.email if "@" in login else func.lower(User.username)
    return session.scalar(
        select(User).where(column == login, User.is_active.is_(True), User.kind == USER_KIND_MEMBER)
    )


def username_available(session: Session, username: str) -> bool:
    try:
        username = validate_username(username)
    except InvalidInput:
        return False
    return not username_in_use(session, username)


def email_available(session: Session, email: str) -> bool:
    try:
        email = normalize_email(email)
    except InvalidInput:
        return False
    return not email_in_use(session, email)
