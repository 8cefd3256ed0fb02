"""The likes dialect application (skeleton; see its issue)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from getnative.errors import DomainError
from getnative.web.container import Container


def render_domain_error(error: DomainError, status_hint: int | None = None) -> JSONResponse:
    return JSONResponse({"error": error.message}, status_code=status_hint or 400)


def create_likes_app(container: Container) -> FastAPI:
    app = FastAPI(title="likes", docs_url="/docs", redoc_url=None)
    app.state.container = container
    return app
