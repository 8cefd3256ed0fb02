"""The likes-API error dialect: `{"error": "<message>"}` with the origin server's wording.

The only place that turns failures into likes-API responses: domain errors, request validation,
unknown routes and unexpected exceptions (never a traceback).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from getnative.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RecaptchaFailed,
    RecaptchaMissing,
    RecaptchaUnavailable,
    UpstreamUnavailable,
)

logger = logging.getLogger("getnative.api.likes")

NOT_FOUND = "Not found"
INVALID_REQUEST = "Invalid request"

# Most specific first: the recaptcha errors subclass the generic ones.
_MAPPING: list[tuple[type[DomainError], int, str]] = [
    (RecaptchaMissing, 403, INVALID_REQUEST),
    (RecaptchaFailed, 403, "reCAPTCHA verification failed"),
    (RecaptchaUnavailable, 500, "reCAPTCHA verification error"),
    (NotFound, 404, NOT_FOUND),
    (RateLimited, 429, "Too many requests"),
    (AuthenticationFailed, 401, "Unauthorized"),
    (PermissionDenied, 403, "Forbidden"),
    (Conflict, 409, "Conflict"),
    (UpstreamUnavailable, 503, "Service unavailable"),
]


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def render_domain_error(error: DomainError, status_hint: int | None = None) -> JSONResponse:
    """The response for a domain error; `status_hint` comes from shared middleware (413, 429)."""
    for error_type, status, message in _MAPPING:
        if isinstance(error, error_type):
            headers = None
            if isinstance(error, RateLimited):
                headers = {"Retry-After": str(error.retry_after)}
            return error_response(status, message, headers)
    if status_hint == 413:
        return error_response(413, "Request body too large")
    return error_response(400, INVALID_REQUEST)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return render_domain_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, _exc: RequestValidationError) -> JSONResponse:
        return error_response(400, INVALID_REQUEST)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error_response(404, NOT_FOUND)
        if exc.status_code == 405:
            return error_response(405, "Method not allowed")
        return error_response(exc.status_code, INVALID_REQUEST)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal server error")
