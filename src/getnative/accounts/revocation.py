"""The revocation rule of access tokens, as a SQL condition and as the error it raises.

A token is current while its user is active and its `token_version` is the user's (a password
change, a logout everywhere or a deactivation moves or ends it: `service.revoke_tokens`). The
rule lives here, next to nothing but the models, so that a page statement of any domain can
carry the check in its own round trip: `accounts.service` imports the channels domain (a
deactivation leaves its channels), which therefore cannot import the service.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from getnative.accounts.models import User
from getnative.errors import AuthenticationFailed


def token_revoked() -> AuthenticationFailed:
    return AuthenticationFailed("The token has been revoked.", code="token_revoked")


def token_is_current(*, user_id: int, token_version: int) -> ColumnElement[bool]:
    """`service.get_user_for_token`'s rule as a SQL condition, for pages that check the token
    inside their own query (one round trip) instead of loading the user first."""
    return (
        select(User.id)
        .where(User.id == user_id, User.is_active, User.token_version == token_version)
        .exists()
    )
