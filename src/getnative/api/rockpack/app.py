"""The Rockpack web services dialect application, mounted at `/ws`."""

from __future__ import annotations

from fastapi import FastAPI

from getnative.api.dialect_app import create_dialect_app
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
from getnative.channels import social_service
from getnative.web.container import Container
from getnative.web.openapi import ROCKPACK_ERROR_SCHEMA

ROUTE_MODULES = (
    # oauth and discovery first: their fixed paths (/login/, /register/, /token/, /categories/,
    # /channels/, /videos/) must win over /{userid}/ routes.
    oauth,
    discovery,
    users,
    channels,
    activity,
    notifications,
    cover_art,
    subscriptions,
    reports,
)


def create_rockpack_app(container: Container) -> FastAPI:
    container.db.warm(social_service.feed_reads())
    for module in ROUTE_MODULES:
        document_json_bodies(module.router.routes)
    return create_dialect_app(
        container,
        title="Rockpack web services",
        version="1.0",
        description="OAuth2, users, channels, cover art, subscriptions, feed, activity.",
        install_error_handlers=install_error_handlers,
        error_schema=ROCKPACK_ERROR_SCHEMA,
        routers=[module.router for module in ROUTE_MODULES],
    )
