"""Making one dialect's app: the part every dialect shares.

Each dialect names its title, its error mapping, its error body schema and its routers
(`api/<dialect>/app.py`); that the app is a lean `DialectApp` holding the container, answers its
own errors, documents 400 (never 422) in its own body, serves its docs offline and includes the
routers in the order given is the same for all three.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, FastAPI

from getnative.web.container import Container
from getnative.web.openapi import document_bad_requests, serve_offline_docs
from getnative.web.route_table import DialectApp


def create_dialect_app(
    container: Container,
    *,
    title: str,
    description: str,
    install_error_handlers: Callable[[FastAPI], None],
    error_schema: dict[str, Any],
    routers: Iterable[APIRouter],
    version: str = "0.1.0",  # FastAPI's own default, kept for the dialect that names none
) -> FastAPI:
    """The dialect's app with `routers` included in order (the first matching route wins)."""
    app = DialectApp(
        title=title,
        version=version,
        description=description,
        docs_url=None,  # served offline by serve_offline_docs
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    document_bad_requests(app, error_schema)
    serve_offline_docs(app)
    for router in routers:
        app.include_router(router)
    return app
