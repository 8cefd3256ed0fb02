"""Get Native routes: registration, login and the authenticated member's account.

Register, login and `GET /account` answer one account object carrying both the register
response's fields (`profile_image_url`, `default_profile_image`, `notifications` ...) and the
`/account` fields (`picture_url`, `is_silhouette_picture` ...), so a client may read either.
"""

from __future__ import annotations

import binascii
import re
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from sqlalchemy.orm import Session

from getnative.accounts import oauth_service, service
from getnative.accounts.models import User
from getnative.api.getnative.deps import (
    AUTH_TOKEN_STATE,
    AppContainer,
    CurrentUser,
    DbSession,
    issue_session_token,
)
from getnative.api.getnative.notifications import render_notifications
from getnative.api.getnative.render import gn_date
from getnative.api.getnative.schemas_accounts import (
    AccountPatch,
    Credentials,
    EmailChange,
    PasswordChange,
    PasswordResetConfirm,
    ProfileImage,
)
from getnative.errors import InvalidGrant, InvalidInput

router = APIRouter()

DATA_URL_PREFIX = re.compile(r"^data:[\w.+-]+/[\w.+-]+;base64,", re.IGNORECASE)
WHITESPACE = re.compile(r"\s+")
# Canonical base64: whole 4-character groups, padding only at the very end (binascii alone
# accepts excess padding such as `QUJD=`).
BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


def render_account(session: Session, user: User) -> dict[str, Any]:
    picture = user.picture_url or ""
    return {
        "id": user.id,
        "name": user.name or "",
        "created_at": gn_date(user.created_at),
        "utc_offset": user.utc_offset,
        "lang": user.lang,
        "email": user.email,
        "email_verified": user.email_verified,
        "browser_notifications_enabled": user.browser_notifications_enabled,
        "email_notifications_enabled": user.email_notifications_enabled,
        "default_study_language_code": user.default_study_language_code,
        "picture_url": picture,
        "is_silhouette_picture": not user.picture_url,
        "profile_image_url": picture,
        "default_profile_image": not user.picture_url,
        "notifications": render_notifications(session, user.id),
    }


def _no_content() -> Response:
    return Response(status_code=204)


@router.post("/register")
def register(body: Credentials, request: Request, session: DbSession) -> dict[str, Any]:
    user = service.register_member(session, email=body.email, password=body.password)
    issue_session_token(request, user)
    return render_account(session, user)


@router.post("/login")
def login(
    body: Credentials, request: Request, session: DbSession, container: AppContainer
) -> dict[str, Any]:
    user = service.authenticate_throttled(
        session,
        container.login_throttle(),
        login=body.email,
        password=body.password,
        client_ip=container.client_key(request.scope),
    )
    issue_session_token(request, user)
    return render_account(session, user)


@router.get("/account")
def get_account(user: CurrentUser, session: DbSession) -> dict[str, Any]:
    return render_account(session, user)


@router.patch("/account", status_code=204)
def patch_account(body: AccountPatch, user: CurrentUser, session: DbSession) -> Response:
    changes = service.ProfileChanges(
        given=frozenset(body.model_fields_set), **body.model_dump(include=body.model_fields_set)
    )
    service.update_profile(session, user, changes)
    return _no_content()


@router.delete("/account", status_code=204)
def delete_account(request: Request, user: CurrentUser, session: DbSession) -> Response:
    service.deactivate(session, user)
    # The token issued on the way in is already revoked; do not hand it back.
    setattr(request.state, AUTH_TOKEN_STATE, None)
    return _no_content()


@router.post("/account/email", status_code=204)
def change_email(body: EmailChange, user: CurrentUser, session: DbSession) -> Response:
    service.change_email(session, user, body.email)
    return _no_content()


@router.post("/account/password", status_code=204)
def change_password(
    body: PasswordChange,
    request: Request,
    user: CurrentUser,
    session: DbSession,
    container: AppContainer,
) -> Response:
    """Wrong current passwords count against the `password-change` budget of both dialects."""
    service.change_password_throttled(
        session,
        container.login_throttle("password-change"),
        user,
        current=body.current_password,
        new=body.new_password,
        client_ip=container.client_key(request.scope),
    )
    # Every earlier token is revoked; this session continues with a token of the new version.
    issue_session_token(request, user)
    return _no_content()


@router.post("/password_reset/confirm", status_code=204)
def confirm_password_reset(
    body: PasswordResetConfirm, session: DbSession, container: AppContainer
) -> Response:
    """Set a new password with the token of a reset mail (the page at `/app/#/reset` posts here).

    No bearer token: the reset token is the credential. Every earlier token of the account is
    revoked, as for a password change; the person then logs in with the new password.
    """
    try:
        oauth_service.reset_password(session, body.token, body.new_password, container.settings)
    except InvalidGrant as exc:
        raise InvalidInput(exc.message, code="reset_token_invalid", field="token") from exc
    return _no_content()


def decode_base64_image(text: str) -> bytes:
    """Strict base64 (whitespace such as MIME line breaks allowed), optionally as a data URL."""
    text = WHITESPACE.sub("", DATA_URL_PREFIX.sub("", text.strip(), count=1))
    invalid = InvalidInput(
        "The image is not valid base64.", code="image_base64_invalid", field="image"
    )
    if not BASE64.fullmatch(text):
        raise invalid
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid from exc


@router.post("/account/profile_image", status_code=204)
def upload_profile_image(
    body: ProfileImage,
    user: CurrentUser,
    session: DbSession,
    container: AppContainer,
    background: BackgroundTasks,
) -> Response:
    """The previous picture, if we stored it, is deleted once the new URL is committed."""
    data = decode_base64_image(body.image)
    previous = container.media.key_for_url(user.picture_url)
    service.replace_profile_image(
        session, user, data, media=container.media, limits=container.image_limits
    )
    if previous is not None:
        background.add_task(container.media.delete, previous)
    return _no_content()
