"""The Get Native error dialect: `{"errors": [{"message", "code"}]}` with 400/401/404/500.

Every distinct error has a stable numeric code, listed in docs/getnative-errors.md. This module
is the only place that turns failures into Get Native responses.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from getnative.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerBusy,
    UpstreamUnavailable,
)

logger = logging.getLogger("getnative.api.getnative")

# slug -> numeric code, in numeric order (tests/api/getnative/test_errors.py keeps it so, and
# docs/getnative-errors.md lists the same rows). Codes never change meaning once published: add in
# the gap of the group that fits, never renumber.
ERROR_CODES: dict[str, int] = {
    # 1xx: request shape and validation
    "invalid_input": 100,
    "json_invalid": 101,
    "field_missing": 102,
    "field_invalid": 103,
    "query_too_long": 104,
    "body_too_large": 105,
    "text_invalid": 106,
    "email_invalid": 110,
    "password_too_short": 111,
    "password_too_long": 112,
    "password_incorrect": 113,
    "reset_token_invalid": 114,
    "email_in_use": 121,
    "image_invalid": 130,
    "image_too_large": 131,
    "image_base64_invalid": 132,
    "lang_invalid": 140,
    "utc_offset_invalid": 141,
    "name_invalid": 142,
    "video_unknown": 150,
    "writing_question_unknown": 151,
    "study_session_unknown": 152,
    "time_invalid": 153,
    "answer_invalid": 154,
    "parameter_not_integer": 160,
    "parameter_not_boolean": 161,
    "count_out_of_range": 162,
    "id_malformed": 163,
    # 2xx: authentication and limits
    "authentication_failed": 200,
    "authentication_required": 201,
    "invalid_credentials": 202,
    "token_invalid": 203,
    "token_expired": 204,
    "token_revoked": 205,
    "permission_denied": 210,
    "rate_limited": 220,
    "login_throttled": 221,
    # 3xx: not found
    "not_found": 300,
    "video_not_found": 301,
    "speaker_not_found": 302,
    "notification_not_found": 303,
    "route_not_found": 304,
    "method_not_allowed": 305,
    # 5xx: server
    "internal_error": 500,
    "upstream_unavailable": 501,
    "server_busy": 502,
}

STATUS_BY_ERROR_TYPE: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (AuthenticationFailed, 401),
    (PermissionDenied, 401),
    (RateLimited, 429),
    (ServerBusy, 503),
    (UpstreamUnavailable, 500),
    (Conflict, 400),
    (InvalidInput, 400),
]


def error_body(message: str, code: str) -> dict[str, Any]:
    return {
        "errors": [
            {"message": message, "code": ERROR_CODES.get(code, ERROR_CODES["invalid_input"])}
        ]
    }


def error_response(message: str, code: str, status: int) -> JSONResponse:
    return JSONResponse(error_body(message, code), status_code=status)


def status_for(error: DomainError) -> int:
    for error_type, status in STATUS_BY_ERROR_TYPE:
        if isinstance(error, error_type):
            return status
    return 400


def render_domain_error(error: DomainError, status_hint: int | None = None) -> JSONResponse:
    """Domain error -> response. Get Native documents no 413: oversized input is a 400."""
    status = status_for(error)
    if status_hint == 429:
        status = 429
    response = error_response(error.message, error.code, status)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _validation_message(exc: RequestValidationError) -> tuple[str, str]:
    first = exc.errors()[0] if exc.errors() else {}
    kind = str(first.get("type", ""))
    location = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    if kind == "json_invalid":
        return "The request body is not valid JSON.", "json_invalid"
    if kind == "missing":
        return f"The field '{location}' is required.", "field_missing"
    return (
        f"The field '{location}' is invalid: {first.get('msg', 'invalid value')}.",
        "field_invalid",
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return render_domain_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message, code = _validation_message(exc)
        return error_response(message, code, 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return error_response("Method not allowed.", "method_not_allowed", 404)
        if exc.status_code == 404:
            return error_response("The requested resource does not exist.", "route_not_found", 404)
        return error_response(str(exc.detail), "invalid_input", exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response("Something went wrong on our side.", "internal_error", 500)
