"""Request-scoped dependencies of the Rockpack dialect: transaction, bearer user, owner scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from getnative.accounts.models import User
from getnative.accounts.service import get_user_for_token
from getnative.accounts.tokens import decode_token
from getnative.api.rockpack import ids
from getnative.api.rockpack.errors import insufficient_scope, invalid_token, not_found
from getnative.errors import AuthenticationFailed
from getnative.web.deps import AppContainer as AppContainer  # re-exported for the routes
from getnative.web.deps import DbSession as DbSession
from getnative.web.deps import container_of

AUDIENCE = "rockpack"


def _optional_user(request: Request, session: DbSession) -> User | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise invalid_token()
    settings = container_of(request).settings
    try:
        claims = decode_token(token.strip(), secret=settings.jwt_secret, audience=AUDIENCE)
        return get_user_for_token(
            session, user_id=claims.user_id, token_version=claims.token_version
        )
    except AuthenticationFailed as exc:
        raise invalid_token(expired=exc.code == "token_expired") from exc


def _required_user(user: Annotated[User | None, Depends(_optional_user)]) -> User:
    if user is None:
        raise invalid_token()
    return user


OptionalUser = Annotated[User | None, Depends(_optional_user)]
CurrentUser = Annotated[User, Depends(_required_user)]


def path_user_id(userid: str) -> int:
    """The integer key of `USERID` in the path; an unknown shape is a 404."""
    key = ids.decode(ids.USER, userid)
    if key is None:
        raise not_found()
    return key


def _owner(userid: str, user: CurrentUser) -> User:
    """The token's user, who must be the path's `USERID` (private operations)."""
    if path_user_id(userid) != user.id:
        raise insufficient_scope()
    return user


Owner = Annotated[User, Depends(_owner)]
