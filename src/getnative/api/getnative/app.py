"""The Get Native dialect application, mounted at `/`."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import Scope

from getnative.accounts.tokens import IssuedToken
from getnative.api.dialect_app import create_dialect_app
from getnative.api.getnative import accounts, catalog, clips, notifications, study
from getnative.api.getnative.deps import AUTH_TOKEN_STATE
from getnative.api.getnative.errors import install_error_handlers
from getnative.catalog import pages, search_page
from getnative.web.container import Container
from getnative.web.openapi import GETNATIVE_ERROR_SCHEMA
from getnative.web.page_cache import AnonymousPageCache


def auth_token_headers(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    """`X-GN-Auth-Token` / `X-GN-Auth-Expire` when the request authenticated someone (the token
    `deps.slide_session` left in the request's state), else none.

    The edge adds them as the response starts (`EdgeMiddleware(earned=...)`), so they go on every
    response shape (JSON, 204, errors after auth) without a `send` wrapper of this dialect's own.
    """
    state = scope.get("state")
    issued: IssuedToken | None = None if state is None else state.get(AUTH_TOKEN_STATE)
    if issued is None:
        return ()
    return (
        (b"x-gn-auth-token", issued.token.encode()),
        (b"x-gn-auth-expire", str(issued.expires_at_ms).encode()),
    )


def create_getnative_app(container: Container) -> FastAPI:
    container.db.warm(pages.hot_reads(container.db.dialect_name))
    container.db.warm_async(search_page.warm_statements(container.db.dialect_name))
    app = create_dialect_app(
        container,
        title="Get Native API",
        version="1.0",
        description="Accounts, catalog, search, videos, likes, cue, study, statistics.",
        install_error_handlers=install_error_handlers,
        error_schema=GETNATIVE_ERROR_SCHEMA,
        routers=[module.router for module in (accounts, catalog, clips, study, notifications)],
    )
    # Only anonymous requests (which earn no token headers, see `auth_token_headers`) are cached.
    app.add_middleware(AnonymousPageCache, ttl_seconds=container.settings.page_cache_seconds)
    return app
