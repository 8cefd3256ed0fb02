"""The Rockpack web services dialect application, mounted at `/ws`."""

from __future__ import annotations

from fastapi import FastAPI

from getnative.api.rockpack import (
    activity,
    channels,
    cover_art,
    discovery,
    notifications,
    oauth,
    reports,
    subscriptions,
    users,
)
from getnative.api.rockpack.deps import document_json_bodies
from getnative.api.rockpack.errors import install_error_handlers
from getnative.api.rockpack.errors import render_domain_error as render_domain_error
from getnative.web.container import Container
from getnative.web.openapi import (
    ROCKPACK_ERROR_SCHEMA,
    document_bad_requests,
    serve_offline_docs,
)


def create_rockpack_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="Rockpack web services",
        version="1.0",
        description="OAuth2, users, channels, cover art, subscriptions, feed, activity.",
        docs_url=None,  # served offline by serve_offline_docs
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    document_bad_requests(app, ROCKPACK_ERROR_SCHEMA)
    serve_offline_docs(app)
    # oauth and discovery first: their fixed paths (/login/, /register/, /token/, /categories/,
    # /channels/, /videos/) must win over /{userid}/ routes.
    for module in (
        oauth,
        discovery,
        users,
        channels,
        activity,
        notifications,
        cover_art,
        subscriptions,
        reports,
    ):
        document_json_bodies(module.router.routes)
        app.include_router(module.router)
    return app
