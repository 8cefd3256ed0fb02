"""The likes dialect application, mounted at `/api` (see docs/likes-api.md)."""

from __future__ import annotations

from fastapi import FastAPI

from getnative.api.likes import routes
from getnative.api.likes.errors import install_error_handlers
from getnative.api.likes.errors import render_domain_error as render_domain_error
from getnative.likes import ip_toggle
from getnative.web.container import Container
from getnative.web.openapi import (
    LIKES_ERROR_SCHEMA,
    document_bad_requests,
    serve_offline_docs,
)
from getnative.web.route_table import DialectApp


def create_likes_app(container: Container) -> FastAPI:
    app = DialectApp(
        title="likes",
        description="Likes identified by client IP, guarded by reCAPTCHA v3.",
        docs_url=None,  # served offline by serve_offline_docs
        redoc_url=None,
    )
    app.state.container = container
    if not container.db.is_sqlite:  # the toggle is prepared on every pooled connection
        container.db.warm(ip_toggle.postgres_statements())
    install_error_handlers(app)
    document_bad_requests(app, LIKES_ERROR_SCHEMA)
    serve_offline_docs(app)
    app.include_router(routes.router)
    return app
