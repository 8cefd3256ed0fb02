"""The Rockpack error dialect: `{"error": ..., "message"?, "form_errors"?}` and its statuses.

The only place that turns failures into Rockpack responses.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from getnative.api.handlers import ErrorMapping, install_error_mapping
from getnative.errors import (
    AuthenticationFailed,
    ChannelFormInvalid,
    CoverArtTooLarge,
    DomainError,
    FormInvalid,
    NotFound,
    PermissionDenied,
    RateLimited,
    TokenExpired,
    UpstreamUnavailable,
)

logger = logging.getLogger("getnative.api.rockpack")
REALM = 'Bearer realm="rockpack"'


class RockpackError(Exception):
    """A response fully described by the dialect: status, `error` and any extra body fields."""

    def __init__(
        self,
        status: int,
        error: str,
        *,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"error": error, **{k: v for k, v in fields.items() if v is not None}}
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def invalid_request(message: Any = None, **fields: Any) -> RockpackError:
    return RockpackError(400, "invalid_request", message=message, **fields)


def form_errors(errors: dict[str, list[str]] | str) -> RockpackError:
    return RockpackError(400, "invalid_request", form_errors=errors)


def insufficient_scope() -> RockpackError:
    return RockpackError(403, "insufficient_scope")


def not_found() -> RockpackError:
    return RockpackError(404, "not_found")


def invalid_token(*, expired: bool = False) -> RockpackError:
    error = "expired_token" if expired else "invalid_token"
    return RockpackError(401, error, headers={"WWW-Authenticate": f'{REALM} error="{error}"'})


def from_domain(error: DomainError, status_hint: int | None = None) -> RockpackError:
    """The Rockpack answer to a domain error, the same on every route; `status_hint` comes from
    the shared middleware (413 for a body over the limit)."""
    if isinstance(error, FormInvalid | ChannelFormInvalid):
        problem = form_errors(error.errors)
        if isinstance(error, FormInvalid) and error.suggested_username:
            problem.body["suggested_username"] = error.suggested_username
        return problem
    if isinstance(error, CoverArtTooLarge):
        status_hint = 413
    if isinstance(error, NotFound):
        return not_found()
    if isinstance(error, AuthenticationFailed):
        return invalid_token(expired=isinstance(error, TokenExpired))
    if isinstance(error, PermissionDenied):
        return insufficient_scope()
    if isinstance(error, RateLimited):
        return RockpackError(
            429,
            "rate_limited",
            message=error.message,
            headers={"Retry-After": str(error.retry_after)},
        )
    if isinstance(error, UpstreamUnavailable):
        return RockpackError(503, "temporarily_unavailable", message=error.message)
    status = 413 if status_hint == 413 else 400
    if error.field:
        return RockpackError(status, "invalid_request", form_errors={error.field: [error.message]})
    return RockpackError(status, "invalid_request", message=error.message)


def render_domain_error(error: DomainError, status_hint: int | None = None) -> JSONResponse:
    return from_domain(error, status_hint).response()


def _validation_error(exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {}
    if first.get("type") == "json_invalid":
        return invalid_request("Request body is not valid JSON").response()
    location = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
    return invalid_request(f"{location}: {first.get('msg', 'invalid value')}").response()


def _http_error(exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 404:
        return not_found().response()
    if exc.status_code == 405:
        return RockpackError(405, "method_not_allowed").response()
    return RockpackError(exc.status_code, "invalid_request", message=str(exc.detail)).response()


def install_error_handlers(app: FastAPI) -> None:
    """The shared installer for the four kinds of failure, plus `RockpackError`: the dialect's
    own exception, raised by routes whose answer is not a domain error (OAuth errors, paging)."""
    install_error_mapping(
        app,
        ErrorMapping(
            domain=render_domain_error,
            validation=_validation_error,
            http=_http_error,
            unexpected=lambda: RockpackError(500, "server_error").response(),
            logger=logger,
        ),
    )

    @app.exception_handler(RockpackError)
    async def _rockpack(_request: Request, exc: RockpackError) -> JSONResponse:
        return exc.response()
