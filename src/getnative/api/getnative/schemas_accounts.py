"""Request bodies of the Get Native account endpoints.

Strict types: a JSON `"true"` is not a boolean and `"3600"` is not an integer; each mistake is a
400 (never a 422). Unknown fields are ignored so older and newer clients keep working.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Generous caps that keep pathological input (a megabyte "password") away from argon2 and the
# database; the real rules (email shape, password length) live in accounts.service.
Email = Annotated[str, Field(max_length=1000)]
Password = Annotated[str, Field(max_length=1000)]


class StrictBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class Credentials(StrictBody):
    """`POST /register` and `POST /login`."""

    email: Email
    password: Password


class AccountPatch(StrictBody):
    """`PATCH /account`: every field optional; only the fields sent are changed.

    `utc_offset` (seconds east of UTC, within ±14 hours) and `name` may be null to clear them;
    the other fields may not be null.
    """

    email_notifications_enabled: bool | None = None
    browser_notifications_enabled: bool | None = None
    default_study_language_code: Annotated[str, Field(max_length=100)] | None = None
    lang: Annotated[str, Field(max_length=100)] | None = None
    utc_offset: int | None = None
    name: Annotated[str, Field(max_length=1000)] | None = None


class EmailChange(StrictBody):
    """`POST /account/email`."""

    email: Email


class PasswordChange(StrictBody):
    """`POST /account/password`."""

    new_password: Password
    current_password: Password


class ProfileImage(StrictBody):
    """`POST /account/profile_image`: base64, optionally as a `data:image/...;base64,` URL."""

    image: str


class PasswordResetConfirm(StrictBody):
    """`POST /password_reset/confirm`: the token from the reset mail and the new password."""

    token: Annotated[str, Field(max_length=4000)]
    new_password: Password
