"""The server: the three dialects mounted on one Starlette app, behind shared middleware."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from getnative import logs, metrics
from getnative.api.getnative.app import auth_token_headers, create_getnative_app
from getnative.api.getnative.errors import render_domain_error as getnative_error
from getnative.api.likes.app import create_likes_app
from getnative.api.likes.app import render_domain_error as likes_error
from getnative.api.rockpack.app import create_rockpack_app
from getnative.api.rockpack.app import render_domain_error as rockpack_error
from getnative.config import Settings, get_settings
from getnative.demo.images import MEDIA_DIR as DEMO_MEDIA
from getnative.demo.images import URL_PREFIX as DEMO_URL_PREFIX
from getnative.web.container import Container
from getnative.web.dispatch import ServerApp
from getnative.web.lifecycle import InFlight, freeze_start_up_heap, stop_idle_worker_threads
from getnative.web.media import MediaEndpoint
from getnative.web.middleware import CorsPolicy, DialectErrors, EdgeMiddleware
from getnative.web.openapi import DOCS_ASSETS_PATH, docs_assets_directory
from getnative.web.ops import OpsEndpoints
from getnative.webapp import MOUNT_PATH as WEBAPP_PATH
from getnative.webapp import WebApp

UPLOAD_PATH_SUFFIXES = ("/account/profile_image", "/avatar", "/cover_art")
logger = logging.getLogger("getnative")


def _dialect_errors() -> DialectErrors:
    errors = DialectErrors()
    errors.register("/", getnative_error)
    errors.register("/ws", rockpack_error)
    errors.register("/api", likes_error)
    return errors


def _edge(container: Container, in_flight: InFlight) -> Middleware:
    """The one edge middleware (see getnative.web.middleware), configured once at start-up."""
    s = container.settings
    return Middleware(
        EdgeMiddleware,
        errors=_dialect_errors(),
        server_name=s.server_header,
        cors=CorsPolicy(
            allow_origins=s.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Recaptcha-Token", "DNT"],
            expose_headers=["X-GN-Auth-Token", "X-GN-Auth-Expire"],
            max_age=600,
        ),
        limiter=container.rate_limiter,
        trusted=container.trusted_proxies,
        default_per_minute=s.rate_limit_per_minute,
        per_prefix={"/api/": s.likes_rate_limit_per_minute},
        body_limit=s.max_body_bytes,
        upload_limit=s.max_image_bytes * 4 // 3 + 4096,  # base64 inflates by a third
        upload_suffixes=UPLOAD_PATH_SUFFIXES,
        ipv6_prefix=s.ipv6_client_prefix,
        ops=OpsEndpoints(container).match,
        observe=metrics.record_request,
        in_flight=in_flight,
        earned=auth_token_headers,  # Get Native's sliding session, on the requests that earn it
    )


async def _to_mount_root(request: Request) -> RedirectResponse:
    """`/ws` -> `/ws/` (the Rockpack discovery document), `/api` -> `/api/`, `/app` -> `/app/`."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(request.url.path + "/" + query, status_code=308)


def create_app(settings: Settings | None = None, container: Container | None = None) -> Starlette:
    """Build the whole server. Migrations are applied by the CLI before serving, not here."""
    settings = settings or get_settings()
    container = container or Container.from_settings(settings)
    logs.stamp_request_ids()  # in each Granian worker: log records carry the request id
    if settings.media_backend == "filesystem":
        settings.media_dir.mkdir(parents=True, exist_ok=True)
    metrics.watch_pool(container.db.engine)

    in_flight = InFlight()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await container.db.start_async()  # the worker's event loop gets its async pool
        freeze_start_up_heap()
        logger.info("Worker process [%d] ready", os.getpid())
        yield
        # The server has stopped accepting; requests already started finish first, bounded
        # (see getnative.web.lifecycle).
        if not await in_flight.drained(settings.shutdown_timeout_seconds):
            logger.warning("shutting down with %d request(s) still in flight", in_flight.count)
        await container.db.stop_async()
        container.close()
        metrics.process_exited()
        stop_idle_worker_threads()
        logger.info("Application shutdown complete: pools closed")

    app = ServerApp(
        routes=[
            # `/ws` and `/api` without a slash belong to their dialect, not to Get Native's 404.
            Route("/ws", _to_mount_root),
            Route("/api", _to_mount_root),
            Route(WEBAPP_PATH, _to_mount_root),
            rockpack := Mount("/ws", app=create_rockpack_app(container)),
            likes := Mount("/api", app=create_likes_app(container)),
            # The demo catalog's pictures ship with the package (getnative.demo.images).
            Mount(
                f"{settings.media_url_path}/{DEMO_URL_PREFIX}",
                app=StaticFiles(directory=DEMO_MEDIA),
            ),
            Mount(
                settings.media_url_path,
                app=MediaEndpoint(
                    container.media, settings.media_url_path, settings.media_cache_seconds
                ),
            ),
            Mount(DOCS_ASSETS_PATH, app=StaticFiles(directory=docs_assets_directory())),
            Mount(WEBAPP_PATH, app=WebApp()),  # the learner's page, a client of `/`
            getnative := Mount("/", app=create_getnative_app(container)),
        ],
        edge=_edge(container, in_flight),
        dialects=[rockpack, likes, getnative],
        lifespan=lifespan,
    )
    app.state.container = container
    return app
