"""Rockpack OAuth 2 routes: login, registration, token refresh, availability, password reset, and
the discovery document at `/ws/`.

Every route but discovery authenticates the calling application with HTTP Basic
`client_id:secret` (a configured client). Responses carrying credentials are never cached.

Public clients (`GETNATIVE_OAUTH_PUBLIC_CLIENTS`, e.g. the iOS app, which cannot keep a secret)
authenticate as `client_id:` with an empty secret. Their tokens come only from the password
grant (`/login/`, and `/register/`, which logs the new user in) and the refresh grant
(`/token/`, bound to the client that got the refresh token); they may also call the
availability and reset-password routes the app uses before anyone is logged in.
Request bodies are form-encoded (or multipart); registration also takes a flat JSON object.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, create_model
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from getnative.accounts import oauth_service, profile_service
from getnative.accounts.models import User
from getnative.accounts.service import authenticate_throttled, revoke_refresh_tokens
from getnative.api.rockpack import ids, render
from getnative.api.rockpack.deps import AppContainer, DbSession
from getnative.api.rockpack.errors import RockpackError, form_errors, invalid_request
from getnative.errors import (
    AuthenticationFailed,
    InvalidGrant,
    InvalidInput,
    RefreshTokenReused,
)
from getnative.mail import SmtpError
from getnative.web.container import Container

router = APIRouter()
logger = logging.getLogger("getnative.api.rockpack.oauth")

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="rockpack"'}
MAX_FIELD_LENGTH = 1000
MAX_FIELDS = 50


class LoginForm(BaseModel):
    grant_type: str
    username: str
    password: str


class RefreshForm(BaseModel):
    grant_type: str
    refresh_token: str


class LoginLookupForm(BaseModel):
    """Availability and reset request: a username, an email or both (empty means not given)."""

    username: str = ""
    email: str = ""


class ResetConfirmForm(BaseModel):
    token: str
    password: str


# Built from the service's field lists so that the documented fields cannot drift from the
# ones registration reads.
_REGISTER_FIELDS: dict[str, Any] = {
    **dict.fromkeys(profile_service.REQUIRED_REGISTRATION_FIELDS, (str, ...)),
    **dict.fromkeys(profile_service.OPTIONAL_REGISTRATION_FIELDS, (str, "")),
}
RegisterForm = create_model("RegisterForm", **_REGISTER_FIELDS)


def form_body(model: type[BaseModel], *, json_too: bool = False) -> dict[str, Any]:
    """OpenAPI description of a form-encoded body, from the model that names its fields.

    The model only documents: the fields are read by `_form` / `_form_or_json` and checked by
    each route, so that a missing or bad field is an OAuth `invalid_request` error as the spec
    words it, not FastAPI's validation error.
    """
    schema = model.model_json_schema()
    content = {"application/x-www-form-urlencoded": {"schema": schema}}
    if json_too:
        content["application/json"] = {"schema": schema}
    return {"requestBody": {"required": True, "content": content}}


def oauth_error(error: str, status: int = 400, message: str | None = None) -> RockpackError:
    headers = BASIC_CHALLENGE if status == 401 else None
    return RockpackError(status, error, message=message, headers=headers)


def _client_id(request: Request, container: AppContainer) -> str:
    """The authenticated OAuth client (HTTP Basic `client_id:secret`)."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise oauth_error("invalid_request", 401, "Client authentication is required.")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise oauth_error("invalid_request", 401, "Malformed client credentials.") from exc
    client_id, separator, secret = decoded.partition(":")
    settings = container.settings
    if separator and secret == "" and client_id in settings.oauth_public_client_ids():
        return client_id  # a public client: no secret to check, grants limited (module doc)
    if not separator or not oauth_service.verify_client(
        settings.oauth_client_secrets(), client_id, secret
    ):
        raise oauth_error("unauthorized_client", 401)
    return client_id


ClientId = Annotated[str, Depends(_client_id)]


async def _form(request: Request) -> dict[str, str]:
    """The form-encoded (or multipart) fields as strings; files and repeats are ignored."""
    try:
        form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    except Exception as exc:  # malformed multipart bodies raise parser-specific errors
        raise invalid_request("The request body is not a valid form.") from exc
    pairs = [(k, v) for k, v in form.multi_items() if not isinstance(v, UploadFile)]
    return _checked_fields(pairs)


def _json_fields(body: bytes) -> list[tuple[str, str]]:
    """A flat JSON object as form fields: strings as they are, numbers and booleans written out,
    nulls left out; nested values are not form fields."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_request("The request body is not valid JSON.") from exc
    if not isinstance(data, dict) or len(data) > MAX_FIELDS:
        raise invalid_request("The request body must be a JSON object of fields.")
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, dict | list):
            raise invalid_request(f"{key}: must be a string.")
        if value is not None:
            pairs.append((key, json.dumps(value) if isinstance(value, bool) else str(value)))
    return pairs


def _checked_fields(pairs: list[tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            continue
        if len(value) > MAX_FIELD_LENGTH or "\x00" in value:
            raise invalid_request(f"{key}: the value is too long or contains NUL characters.")
        fields[key] = value
    return fields


Form = Annotated[dict[str, str], Depends(_form)]


async def _form_or_json(request: Request) -> dict[str, str]:
    """Registration also takes a flat JSON object: the oauth document shows one and the iOS app
    sends it. (The token routes stay form-encoded, as OAuth 2 wants.)"""
    if request.headers.get("content-type", "").split(";")[0].strip().endswith("json"):
        return _checked_fields(_json_fields(await request.body()))
    return await _form(request)


FormOrJson = Annotated[dict[str, str], Depends(_form_or_json)]


def credentials_body(container: Container, credentials: oauth_service.Credentials) -> JSONResponse:
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "access_token": credentials.access_token,
        "expires_in": str(credentials.expires_in),
        "refresh_token": credentials.refresh_token,
        "user_id": ids.encode(ids.USER, credentials.user_id),
        "resource_url": render.user_url(container, credentials.user_id),
    }
    return JSONResponse(body, headers=NO_STORE)


def _require_grant(form: dict[str, str], grant_type: str) -> None:
    given = form.get("grant_type", "")
    if not given:
        raise oauth_error("invalid_request", message="grant_type is required.")
    if given != grant_type:
        raise oauth_error("unsupported_grant_type")


@router.get("/")
def discovery(container: AppContainer, response: Response) -> dict[str, str]:
    """Absolute URLs of the entry points, so clients need to hard-code only `/ws/`."""
    url = container.settings.public_url
    response.headers["Cache-Control"] = "public, max-age=300"
    return {
        "login_url": url("/ws/login/"),
        "register_url": url("/ws/register/"),
        "refresh_token_url": url("/ws/token/"),
        "username_availability_url": url("/ws/register/availability/"),
        "reset_password_url": url("/ws/reset-password/"),
        "categories_url": url("/ws/categories/"),
        "popular_channels_url": url("/ws/channels/"),
        "popular_videos_url": url("/ws/videos/"),
    }


@router.post("/login/", openapi_extra=form_body(LoginForm))
def login(
    request: Request, client_id: ClientId, form: Form, session: DbSession, container: AppContainer
) -> JSONResponse:
    _require_grant(form, "password")
    username, password = form.get("username", ""), form.get("password", "")
    if not username.strip() or not password:
        raise oauth_error("invalid_request", message="username and password are required.")
    # The same brute-force rule as Get Native's /login: failures per account and per IP.
    try:
        user = authenticate_throttled(
            session,
            container.login_throttle(),
            login=username,
            password=password,
            client_ip=container.client_key(request.scope),
        )
    except AuthenticationFailed as exc:
        raise oauth_error("invalid_grant", message="Invalid username or password.") from exc
    return credentials_body(container, _issue(session, user, client_id, container))


@router.post(
    "/register/",
    openapi_extra=form_body(RegisterForm, json_too=True),
)
def register(
    client_id: ClientId, form: FormOrJson, session: DbSession, container: AppContainer
) -> JSONResponse:
    user = profile_service.register(session, form)  # FormInvalid: `form_errors` (errors.py)
    return credentials_body(container, _issue(session, user, client_id, container))


@router.post("/token/", openapi_extra=form_body(RefreshForm))
def refresh(client_id: ClientId, form: Form, container: AppContainer) -> JSONResponse:
    """Exchange a refresh token for a new pair; a reused token revokes all of the user's.

    Runs its own transactions (not the request's) so that the revocation on reuse is committed
    even though the request fails.
    """
    _require_grant(form, "refresh_token")
    raw = form.get("refresh_token", "")
    if not raw:
        raise oauth_error("invalid_request", message="refresh_token is required.")
    try:
        with container.db.session() as session:
            user = oauth_service.redeem_refresh_token(session, raw, client_id=client_id)
            credentials = _issue(session, user, client_id, container)
    except RefreshTokenReused as exc:
        with container.db.session() as session:
            revoke_refresh_tokens(session, exc.user_id)
        raise oauth_error("invalid_grant", message=exc.message) from exc
    except InvalidGrant as exc:
        raise oauth_error("invalid_grant", message=exc.message) from exc
    return credentials_body(container, credentials)


@router.post("/register/availability/", openapi_extra=form_body(LoginLookupForm))
def availability(_client: ClientId, form: Form, session: DbSession) -> dict[str, bool]:
    """Whether the given username and/or email could be registered now."""
    username, email = form.get("username", ""), form.get("email", "")
    if not username and not email:
        raise invalid_request("Give a username or an email.")
    available = True
    if username:
        available = profile_service.username_available(session, username)
    if email and available:
        available = profile_service.email_available(session, email)
    return {"available": available}


@router.post(
    "/reset-password/",
    status_code=204,
    openapi_extra=form_body(LoginLookupForm),
)
def request_password_reset(
    request: Request, _client: ClientId, form: Form, session: DbSession, container: AppContainer
) -> Response:
    """Mail a reset link to the account's address; always 204, so accounts cannot be probed."""
    login = form.get("username", "") or form.get("email", "")
    if not login.strip():
        raise invalid_request("Give a username or an email.")
    oauth_service.check_login_budget(
        container.rate_limiter,
        login=login,
        client_ip=container.client_key(request.scope),
        limit=container.settings.login_attempts_per_15_minutes,
        purpose="reset",
    )
    user = profile_service.find_member_by_login(session, login)
    if user is not None and user.email:
        _send_reset_mail(container, user)
    return Response(status_code=204)


@router.post("/reset-password/confirm/", status_code=204, openapi_extra=form_body(ResetConfirmForm))
def confirm_password_reset(
    _client: ClientId, form: Form, session: DbSession, container: AppContainer
) -> Response:
    """Set a new password with the token from the reset mail (form `token`, `password`)."""
    token, password = form.get("token", ""), form.get("password", "")
    if not token or not password:
        raise invalid_request("token and password are required.")
    try:
        oauth_service.reset_password(session, token, password, container.settings)
    except InvalidGrant as exc:
        raise oauth_error("invalid_grant", message=exc.message) from exc
    except InvalidInput as exc:
        raise form_errors({"password": [exc.message]}) from exc
    return Response(status_code=204)


def _issue(
    session: Session, user: User, client_id: str, container: Container
) -> oauth_service.Credentials:
    return oauth_service.issue_credentials(
        session, user, client_id=client_id, settings=container.settings
    )


def _send_reset_mail(container: Container, user: User) -> None:
    token = oauth_service.issue_reset_token(user, container.settings)
    # The learner page (docs/webapp.md "Password reset"): the token rides in the fragment, so it
    # never reaches an access log or a Referer header.
    link = container.settings.public_url(f"/app/#/reset?token={quote(token, safe='')}")
    body = (
        f"Hello {user.first_name or user.username or ''},\n\n"
        f"Use this link within an hour to choose a new password:\n{link}\n\n"
        "If you did not ask for this, ignore this message; your password stays the same.\n"
    )
    try:
        container.mailer.send(user.email or "", "Reset your password", body)
    except Exception as exc:  # a failing mail transport must not reveal that the account exists
        # No traceback or exception text: a transport's message may quote the recipient.
        reason = str(exc) if isinstance(exc, SmtpError) else type(exc).__name__
        logger.error("could not send the password reset mail to user %s: %s", user.id, reason)
