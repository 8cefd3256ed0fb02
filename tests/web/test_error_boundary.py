"""`ErrorBoundary` (getnative.web.error_boundary) answers every failure as Starlette's two error
middlewares did: a plain FastAPI app and a `DialectApp` with the same routes, handlers and a
middleware of their own give the same status and body, and the 500 handler runs once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from getnative.web.error_boundary import ErrorBoundary
from getnative.web.route_table import DialectApp


class Handled(Exception):
    pass


class HandlerFails(Exception):
    pass


class PassThrough:
    """An app middleware between the error layers, as Get Native's page cache is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _app(app: FastAPI, unexpected: list[str]) -> FastAPI:
    @app.exception_handler(Handled)
    async def _handled(_request: Request, exc: Handled) -> JSONResponse:
        return JSONResponse({"handled": str(exc)}, status_code=409)

    @app.exception_handler(HandlerFails)
    async def _fails(_request: Request, _exc: HandlerFails) -> JSONResponse:
        raise RuntimeError("the handler itself failed")

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"http": exc.status_code}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        unexpected.append(f"{request.url.path} {type(exc).__name__}")
        return JSONResponse({"error": "internal"}, status_code=500)

    @app.get("/handled")
    async def handled() -> Response:
        raise Handled("no")

    @app.get("/handled-sync")
    def handled_sync() -> dict[str, str]:
        raise Handled("sync")

    @app.get("/boom")
    async def boom() -> Response:
        raise ValueError("boom")

    @app.get("/handler-fails")
    async def handler_fails() -> Response:
        raise HandlerFails

    @app.get("/http")
    async def http() -> Response:
        raise HTTPException(status_code=403)

    @app.get("/item/{item_id}")
    async def item(item_id: int) -> Response:
        return JSONResponse({"id": item_id})

    @app.get("/late")
    async def late() -> Response:
        def chunks() -> Iterator[bytes]:
            yield b"part"
            raise Handled("after the start")

        return StreamingResponse(chunks())

    app.add_middleware(PassThrough)
    return app


PATHS = [
    "/handled",
    "/handled-sync",
    "/boom",
    "/handler-fails",
    "/http",
    "/item/x",
    "/nowhere",
    "/late",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_failure_is_answered_as_by_starlettes_layers(path: str) -> None:
    logged_plain: list[str] = []
    logged_folded: list[str] = []
    plain = TestClient(_app(FastAPI(), logged_plain), raise_server_exceptions=False)
    folded = TestClient(_app(DialectApp(), logged_folded), raise_server_exceptions=False)
    expected, answer = plain.get(path), folded.get(path)
    assert (answer.status_code, answer.content) == (expected.status_code, expected.content)
    assert logged_folded == logged_plain
    assert len(logged_folded) <= 1


def test_the_folded_stack_has_one_error_layer() -> None:
    app = _app(DialectApp(), [])
    stack = app.build_middleware_stack()
    assert isinstance(stack, ErrorBoundary)
    assert isinstance(stack.app, PassThrough)


def test_an_unexpected_error_is_still_raised_for_the_server() -> None:
    client = TestClient(_app(DialectApp(), []))
    with pytest.raises(ValueError, match="boom"):
        client.get("/boom")
