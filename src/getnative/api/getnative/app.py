"""The Get Native dialect application, mounted at `/`."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from getnative.accounts.tokens import IssuedToken
from getnative.api.getnative import accounts, catalog, clips, notifications, study
from getnative.api.getnative.deps import AUTH_TOKEN_STATE
from getnative.api.getnative.errors import install_error_handlers
from getnative.catalog import pages
from getnative.web.container import Container
from getnative.web.openapi import (
    GETNATIVE_ERROR_SCHEMA,
    document_bad_requests,
    serve_offline_docs,
)
from getnative.web.page_cache import AnonymousPageCache
from getnative.web.route_table import DialectApp


class AuthTokenHeadersMiddleware:
    """Adds `X-GN-Auth-Token` / `X-GN-Auth-Expire` when the request authenticated someone.

    Done at the ASGI level so it covers every response shape (JSON, 204, errors after auth).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start":
                issued: IssuedToken | None = scope.get("state", {}).get(AUTH_TOKEN_STATE)
                if issued is not None:
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"x-gn-auth-token", issued.token.encode()),
                        (b"x-gn-auth-expire", str(issued.expires_at_ms).encode()),
                    ]
            await send(message)

        await self.app(scope, receive, send_with_token)


def create_getnative_app(container: Container) -> FastAPI:
    app = DialectApp(
        title="Get Native API",
        version="1.0",
        description="Accounts, catalog, search, videos, likes, cue, study, statistics.",
        docs_url=None,  # served offline by serve_offline_docs
        redoc_url=None,
    )
    app.state.container = container
    container.db.warm(pages.hot_reads(container.db.dialect_name))
    install_error_handlers(app)
    document_bad_requests(app, GETNATIVE_ERROR_SCHEMA)
    serve_offline_docs(app)
    for module in (accounts, catalog, clips, study, notifications):
        app.include_router(module.router)
    app.add_middleware(AuthTokenHeadersMiddleware)
    # Outside the token headers: only anonymous requests (which get none) are cached.
    app.add_middleware(AnonymousPageCache, ttl_seconds=container.settings.page_cache_seconds)
    return app
