"""The likes dialect application, mounted at `/api` (see docs/likes-api.md)."""

from __future__ import annotations

from fastapi import FastAPI

from getnative.api.dialect_app import create_dialect_app
from getnative.api.likes import routes
from getnative.api.likes.errors import install_error_handlers
from getnative.api.likes.errors import render_domain_error as render_domain_error
from getnative.likes import ip_toggle, toggle_batches
from getnative.web.container import Container
from getnative.web.openapi import LIKES_ERROR_SCHEMA


def create_likes_app(container: Container) -> FastAPI:
    if not container.db.is_sqlite:  # the toggle is prepared on every pooled connection
        container.db.warm([*ip_toggle.postgres_statements(), toggle_batches.batch_statement()])
    return create_dialect_app(
        container,
        title="likes",
        description="Likes identified by client IP, guarded by reCAPTCHA v3.",
        install_error_handlers=install_error_handlers,
        error_schema=LIKES_ERROR_SCHEMA,
        routers=[routes.router],
    )
