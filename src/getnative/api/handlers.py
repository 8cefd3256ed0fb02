"""Installing one dialect's error mapping on its app: the part every dialect shares.

Each dialect decides how a domain error, a request validation failure, an HTTP error from routing
and an unexpected exception look (`api/<dialect>/errors.py`); how those four are registered, and
that an unexpected exception is logged with the request line and never shown, is the same for all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from getnative.errors import DomainError


@dataclass(frozen=True)
class ErrorMapping:
    """A dialect's responses for the four kinds of failure; `logger` is the dialect's own."""

    domain: Callable[[DomainError], JSONResponse]
    validation: Callable[[RequestValidationError], JSONResponse]
    http: Callable[[StarletteHTTPException], JSONResponse]
    unexpected: Callable[[], JSONResponse]
    logger: logging.Logger


def install_error_mapping(app: FastAPI, mapping: ErrorMapping) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return mapping.domain(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return mapping.validation(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return mapping.http(exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception) -> JSONResponse:
        mapping.logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return mapping.unexpected()
