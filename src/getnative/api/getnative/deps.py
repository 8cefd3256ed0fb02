"""Request-scoped dependencies of the Get Native dialect: the transaction and the current user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from getnative.accounts.models import User
from getnative.accounts.service import get_user_for_token
from getnative.accounts.tokens import IssuedToken, decode_token, issue_token
from getnative.errors import AuthenticationFailed
from getnative.web.deps import AppContainer as AppContainer  # re-exported for the routes
from getnative.web.deps import DbSession as DbSession
from getnative.web.deps import container_of

AUDIENCE = "getnative"
AUTH_TOKEN_STATE = "gn_auth_token"


def issue_session_token(request: Request, user: User) -> IssuedToken:
    """Issue a fresh token and remember it for the `X-GN-Auth-*` response headers."""
    settings = container_of(request).settings
    issued = issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=settings.jwt_secret,
        ttl_seconds=settings.jwt_ttl_seconds,
        audience=AUDIENCE,
    )
    setattr(request.state, AUTH_TOKEN_STATE, issued)
    return issued


def _bearer_token(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def optional_user(request: Request, session: Session) -> User | None:
    """The token's user (None without one), its token slid; routes that open their own session
    call it directly, the others get it as the `OptionalUser` dependency."""
    token = _bearer_token(request)
    if token is None:
        if request.headers.get("authorization"):
            raise AuthenticationFailed("The token is invalid.", code="token_invalid")
        return None
    settings = container_of(request).settings
    claims = decode_token(token, secret=settings.jwt_secret, audience=AUDIENCE)
    user = get_user_for_token(session, user_id=claims.user_id, token_version=claims.token_version)
    issue_session_token(request, user)  # sliding session
    return user


def _optional_user(request: Request, session: DbSession) -> User | None:
    return optional_user(request, session)


def _required_user(user: Annotated[User | None, Depends(_optional_user)]) -> User:
    if user is None:
        raise AuthenticationFailed("Authentication is required.", code="authentication_required")
    return user


OptionalUser = Annotated[User | None, Depends(_optional_user)]
CurrentUser = Annotated[User, Depends(_required_user)]
