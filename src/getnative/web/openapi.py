"""The served OpenAPI documents describe what the server really answers to bad input.

FastAPI documents a 422 `HTTPValidationError` on every operation with parameters or a body;
every dialect here answers invalid input with a 400 in its own error body instead. Clients (and
schemathesis) generated from the document should see that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
# Swagger UI 5 (it reads the OpenAPI 3.1 FastAPI writes) from the installed `swagger-ui-py`
# package: no CDN, so the docs work offline and behind a strict firewall. Mounted once by
# getnative.web.app for every dialect.
DOCS_ASSETS_PATH = "/docs-assets"


def docs_assets_directory() -> str:
    import swagger_ui

    return str(Path(swagger_ui.__file__).parent / "static")


def serve_offline_docs(app: FastAPI) -> None:
    """`/docs` of the dialect: Swagger UI on the dialect's own OpenAPI document."""
    openapi_url = app.openapi_url or "/openapi.json"

    async def docs(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - documentation",
            swagger_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_PATH}/favicon-32x32.png",
        )

    # A plain route, as FastAPI's own docs_url is: not an API operation of the dialect.
    app.add_route("/docs", docs, methods=["GET"], include_in_schema=False)


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
