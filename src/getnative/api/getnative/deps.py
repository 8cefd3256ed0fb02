"""Request-scoped dependencies of the Get Native dialect: the transaction and the current user.

One token rule for every route: a valid token slides (fresh `X-GN-Auth-*` headers) even on
public routes; an invalid, expired or revoked one is a 401, as the client then logs out. It is
applied once per request, in the connection the request uses anyway (see `DbSession`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from getnative.accounts.models import User
from getnative.accounts.service import get_user_for_token
from getnative.accounts.tokens import IssuedToken, TokenClaims, decode_token, issue_token
from getnative.catalog.pages import Viewer, require_current_token
from getnative.errors import AuthenticationFailed
from getnative.web.deps import AppContainer as AppContainer  # re-exported for the routes
from getnative.web.deps import container_of, open_request_session

AUDIENCE = "getnative"
AUTH_TOKEN_STATE = "gn_auth_token"
USER_STATE = "gn_user"


def issue_session_token(request: Request, user: User) -> IssuedToken:
    """Issue a fresh token and remember it for the `X-GN-Auth-*` response headers."""
    return slide_session(request, user_id=user.id, token_version=user.token_version)


def _bearer_token(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_claims(request: Request) -> TokenClaims | None:
    """The first half of the token rule, without the database: the verified claims of the
    bearer token (None without one); a malformed, forged or expired token is a 401 here.

    The second half, "the token's user is active and the token not revoked", is a database
    read; it runs in the connection the request uses anyway: `optional_user` in the request's
    session, or inside the page query of the fast routes (`token_is_current` in their SQL).
    """
    token = _bearer_token(request)
    if token is None:
        if request.headers.get("authorization"):
            raise AuthenticationFailed("The token is invalid.", code="token_invalid")
        return None
    settings = container_of(request).settings
    return decode_token(token, secret=settings.jwt_secret, audience=AUDIENCE)


def slide_session(request: Request, *, user_id: int, token_version: int) -> IssuedToken:
    """A fresh token for the `X-GN-Auth-*` headers of a request whose token was accepted."""
    settings = container_of(request).settings
    issued = issue_token(
        user_id=user_id,
        token_version=token_version,
        secret=settings.jwt_secret,
        ttl_seconds=settings.jwt_ttl_seconds,
        audience=AUDIENCE,
    )
    setattr(request.state, AUTH_TOKEN_STATE, issued)
    return issued


def viewer_of(request: Request) -> Viewer | None:
    """The bearer token's claims for the fast routes (`GET /videos`, `/videos/:id`, `/clips`),
    whose page query checks them (`catalog.pages`); a malformed or expired token: 401 here."""
    claims = token_claims(request)
    return None if claims is None else Viewer(claims.user_id, claims.token_version)


async def accept_token(request: Request, viewer: Viewer | None) -> None:
    """The token rule for an answer of a fast route that has no page query to carry it (a 400):
    a revoked token is still a 401, a current one still slides."""
    if viewer is not None:
        await require_current_token(container_of(request).db, viewer)
        slide_viewer(request, viewer)


def slide_viewer(request: Request, viewer: Viewer | None) -> None:
    """The token was found current by the page query: slide it, as `optional_user` does."""
    if viewer is not None:
        slide_session(request, user_id=viewer.user_id, token_version=viewer.token_version)


def optional_user(request: Request, session: Session) -> User | None:
    """The token's user (None without one), its token slid: the whole token rule, in `session`."""
    claims = token_claims(request)
    if claims is None:
        return None
    user = get_user_for_token(session, user_id=claims.user_id, token_version=claims.token_version)
    slide_session(request, user_id=user.id, token_version=user.token_version)
    return user


def _session_with_token_rule(request: Request) -> Iterator[Session]:
    """The request's transaction (`web.deps.request_session`), with the token rule applied in
    it before the route runs: one thread-pool hop, one connection, one user lookup per request.

    Every Get Native route that opens a session goes through here, so a valid token slides and
    a revoked one is a 401 on public routes too (the client logs out on it); the fast routes,
    which take no session, apply the same rule in their own query (see `catalog.py`).
    """
    with open_request_session(request) as session:
        setattr(request.state, USER_STATE, optional_user(request, session))
        yield session


DbSession = Annotated[Session, Depends(_session_with_token_rule, scope="function")]


async def _optional_user(request: Request, _session: DbSession) -> User | None:
    """Async: it only reads what the session dependency found (a sync one would hop threads)."""
    user: User | None = getattr(request.state, USER_STATE)
    return user


async def _required_user(user: Annotated[User | None, Depends(_optional_user)]) -> User:
    if user is None:
        raise AuthenticationFailed("Authentication is required.", code="authentication_required")
    return user


OptionalUser = Annotated[User | None, Depends(_optional_user)]
CurrentUser = Annotated[User, Depends(_required_user)]
