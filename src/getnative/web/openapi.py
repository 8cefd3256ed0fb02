"""The served OpenAPI documents describe what the server really answers to bad input.

FastAPI documents a 422 `HTTPValidationError` on every operation with parameters or a body;
every dialect here answers invalid input with a 400 in its own error body instead. Clients (and
schemathesis) generated from the document should see that.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _bad_request(error_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": "Bad Request: the input is invalid",
        "content": {"application/json": {"schema": error_schema}},
    }


def _rewrite(document: dict[str, Any], error_schema: dict[str, Any]) -> dict[str, Any]:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", _bad_request(error_schema))
    schemas = document.get("components", {}).get("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


def document_bad_requests(app: FastAPI, error_schema: dict[str, Any]) -> None:
    """Serve `app`'s OpenAPI with each 422 replaced by a 400 carrying `error_schema`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = _rewrite(document, error_schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


GETNATIVE_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message", "code"],
                "properties": {"message": {"type": "string"}, "code": {"type": "integer"}},
            },
        }
    },
}
ROCKPACK_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "message": {}, "form_errors": {}},
}
LIKES_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
