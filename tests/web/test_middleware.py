"""The shared middleware as every dialect sees it: DNT, security and CORS headers, body limits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from starlette.types import Message, Scope

from getnative.api.getnative.errors import ERROR_CODES
from getnative.api.getnative.errors import render_domain_error as getnative_error
from getnative.api.rockpack.app import render_domain_error as rockpack_error
from getnative.db import Database
from getnative.web.dispatch import ServerApp
from getnative.web.middleware import BodyLimitMiddleware, DialectErrors, EdgeMiddleware
from tests.clients import custom_client

# One path per mounted app: Get Native, Rockpack, likes, media.
DIALECT_PATHS = ["/no-such-thing", "/ws/no-such-thing/", "/api/no-such-thing", "/media/none.jpg"]
ORIGIN = "https://get-native.com"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-xss-protection": "1; mode=block",
    "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
    "server": "api.get-native.com",
}


def assert_security_headers(response: Any) -> None:
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        assert headers.get_list(name) == [value], name


def assert_cors_headers(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["access-control-allow-origin"] == ORIGIN
    exposed = {item.strip() for item in headers["access-control-expose-headers"].split(",")}
    assert {"X-GN-Auth-Token", "X-GN-Auth-Expire"} <= exposed


# --- DNT ---------------------------------------------------------------------------------------


def test_request_without_dnt_logs_one_access_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="getnative.access")
    client.get("/no-such-thing?x=1")
    lines = [r for r in caplog.records if r.name == "getnative.access"]
    assert len(lines) == 1
    assert '"GET /no-such-thing" 404' in lines[0].getMessage()


@pytest.mark.parametrize("path", DIALECT_PATHS)
def test_dnt_request_is_served_but_leaves_no_access_log(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="getnative.access")
    response = client.get(path, headers={"DNT": "1"})
    assert response.status_code == 404
    assert_security_headers(response)
    assert [r for r in caplog.records if r.name == "getnative.access"] == []


def test_dnt_other_than_1_is_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="getnative.access")
    client.get("/no-such-thing", headers={"DNT": "0"})
    assert len([r for r in caplog.records if r.name == "getnative.access"]) == 1


def test_dnt_request_runs_no_analytics_hook(client: TestClient) -> None:
    """The hooks wired into the real app's edge middleware run only without `DNT: 1`."""
    seen: list[tuple[str, int]] = []
    app = client.app
    assert isinstance(app, ServerApp)
    access = app.edge
    # Starlette types `cls` as a middleware factory, which a class is: not an overlap error.
    assert access.cls is EdgeMiddleware  # type: ignore[comparison-overlap]
    access.kwargs["hooks"] = [lambda scope, status: seen.append((scope["path"], status))]

    client.get("/tracked", headers={"DNT": "1"})
    assert seen == []
    client.get("/tracked")
    assert seen == [("/tracked", 404)]


# --- security headers and CORS on every dialect -------------------------------------------------


@pytest.mark.parametrize("path", DIALECT_PATHS)
def test_every_dialect_sends_security_and_cors_headers(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Origin": ORIGIN})
    assert_security_headers(response)
    assert_cors_headers(response)


@pytest.mark.parametrize("path", DIALECT_PATHS)
def test_cors_preflight_allows_configured_origin_only(client: TestClient, path: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = client.options(path, headers={"Origin": ORIGIN, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert_security_headers(allowed)
    refused = client.options(path, headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_staging_origin_is_allowed_by_default(client: TestClient) -> None:
    response = client.get("/no-such-thing", headers={"Origin": "https://stg.get-native.com"})
    assert response.headers["access-control-allow-origin"] == "https://stg.get-native.com"


# --- body limit on the whole app ----------------------------------------------------------------

LIMIT = 1000


@pytest.fixture
def small_limit_client(tmp_path: Path, db: Database) -> TestClient:
    return custom_client(tmp_path, db, max_body_bytes=LIMIT)


def test_oversized_body_is_a_getnative_400(small_limit_client: TestClient) -> None:
    response = small_limit_client.post(
        "/register", content=b"x" * (LIMIT + 1), headers={"Origin": ORIGIN}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["code"] == ERROR_CODES["body_too_large"]
    assert str(LIMIT) in errors[0]["message"]
    assert_security_headers(response)
    assert_cors_headers(response)


def test_oversized_body_is_a_rockpack_413(small_limit_client: TestClient) -> None:
    response = small_limit_client.post("/ws/login/", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"
    assert_security_headers(response)


def test_oversized_body_is_a_likes_413(small_limit_client: TestClient) -> None:
    response = small_limit_client.post("/api/videos/1/like", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert set(response.json()) == {"error"}


def test_body_at_the_limit_passes_the_limit(small_limit_client: TestClient) -> None:
    response = small_limit_client.post("/no-such-thing", content=b"x" * LIMIT)
    assert response.status_code == 404  # routed, not refused


# --- body limit while streaming (endpoints that read the body) ----------------------------------


class EchoIn(BaseModel):
    text: str


def add_body_reading_routes(app: Starlette) -> None:
    """Routes that read their body the two usual ways, in the real Get Native and Rockpack apps."""

    async def raw(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    def parsed(body: EchoIn) -> dict[str, int]:
        return {"length": len(body.text)}

    for route in app.routes:
        if (
            isinstance(route, Mount)
            and isinstance(route.app, FastAPI)
            and route.path in ("", "/ws")
        ):
            route.app.add_api_route("/tooling-raw", raw, methods=["POST"])
            route.app.add_api_route("/tooling-parsed", parsed, methods=["POST"])


@pytest.mark.parametrize("route", ["/tooling-raw", "/tooling-parsed"])
def test_chunked_oversized_body_is_refused_by_the_real_app(
    small_limit_client: TestClient, route: str
) -> None:
    assert isinstance(small_limit_client.app, Starlette)
    add_body_reading_routes(small_limit_client.app)
    body = b'{"text": "' + b"x" * LIMIT + b'"}'

    getnative = small_limit_client.post(route, content=iter([body]))
    assert getnative.status_code == 400
    assert getnative.json()["errors"][0]["code"] == ERROR_CODES["body_too_large"]
    rockpack = small_limit_client.post("/ws" + route, content=iter([body[:600], body[600:]]))
    assert rockpack.status_code == 413
    assert rockpack.json()["error"] == "invalid_request"

    small = small_limit_client.post(
        route, content=iter([b'{"text": ', b'"abc"}']), headers={"Content-Type": "application/json"}
    )
    assert small.status_code == 200
    assert small.json()["length"] == (len(b'{"text": "abc"}') if route.endswith("raw") else 3)


async def echo_length(request: Request) -> JSONResponse:
    return JSONResponse({"length": len(await request.body())})


def limited_echo_app() -> BodyLimitMiddleware:
    errors = DialectErrors()
    errors.register("/", getnative_error)
    errors.register("/ws", rockpack_error)
    app = Starlette(
        routes=[
            Route("/echo", echo_length, methods=["POST"]),
            Route("/ws/echo", echo_length, methods=["POST"]),
        ]
    )
    return BodyLimitMiddleware(
        app,
        errors=errors,
        default_limit=LIMIT,
        upload_limit=4 * LIMIT,
        upload_suffixes=("/avatar",),
    )


def chunks(total: int, size: int = 256) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_chunked_oversized_body_is_refused_in_dialect_format() -> None:
    client = TestClient(limited_echo_app())
    getnative = client.post("/echo", content=chunks(LIMIT * 3))
    assert getnative.status_code == 400
    assert getnative.json()["errors"][0]["code"] == ERROR_CODES["body_too_large"]
    rockpack = client.post("/ws/echo", content=chunks(LIMIT * 3))
    assert rockpack.status_code == 413
    assert rockpack.json()["error"] == "invalid_request"


def test_chunked_body_within_limit_is_read_whole() -> None:
    response = TestClient(limited_echo_app()).post("/echo", content=chunks(LIMIT))
    assert response.status_code == 200
    assert response.json() == {"length": LIMIT}


async def call_raw(path: str, headers: list[tuple[bytes, bytes]], body: list[bytes]) -> Message:
    """Drive the middleware at the ASGI level, where a client can lie about Content-Length."""
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }
    pending = [
        {"type": "http.request", "body": part, "more_body": i < len(body) - 1}
        for i, part in enumerate(body)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await limited_echo_app()(scope, receive, send)
    return next(m for m in sent if m["type"] == "http.response.start")


@pytest.mark.anyio
@pytest.mark.parametrize("declared", [b"10", b"abc", b"-5", b"1e9"])
async def test_content_length_lie_or_garbage_is_refused(declared: bytes) -> None:
    start = await call_raw("/echo", [(b"content-length", declared)], [b"x" * 600] * 5)
    assert start["status"] == 400


@pytest.mark.anyio
async def test_declared_empty_body_is_empty_whatever_follows() -> None:
    """`Content-Length: 0` (the likes toggle's POST) is not read from the server: the app gets
    the empty body declared, never bytes a lying client streams after it."""
    sent: list[Message] = []
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/echo",
        "headers": [(b"content-length", b"0")],
        "query_string": b"",
    }

    async def receive() -> Message:
        raise AssertionError("the server's receive was called for a declared empty body")

    async def send(message: Message) -> None:
        sent.append(message)

    await limited_echo_app()(scope, receive, send)
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b'{"length":0}'


@pytest.mark.anyio
async def test_declared_oversize_is_refused_before_reading() -> None:
    start = await call_raw("/ws/echo", [(b"content-length", str(LIMIT + 1).encode())], [b""])
    assert start["status"] == 413


@pytest.mark.anyio
async def test_upload_paths_have_the_larger_limit() -> None:
    body = [b"x" * 500] * 6  # 3000 bytes: over the default, under the upload limit
    start = await call_raw("/ws/echo", [], body)
    assert start["status"] == 413
    errors = DialectErrors()
    errors.register("/", getnative_error)
    middleware = BodyLimitMiddleware(
        Starlette(),
        errors=errors,
        default_limit=LIMIT,
        upload_limit=4 * LIMIT,
        upload_suffixes=("/avatar",),
    )
    assert middleware._limit_for("/ws/u/avatar/") == 4 * LIMIT
    assert middleware._limit_for("/ws/u/") == LIMIT


def test_unknown_route_is_a_getnative_404_with_security_headers(client: TestClient) -> None:
    response = client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 304
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-xss-protection"] == "1; mode=block"
    assert response.headers["server"] == "api.get-native.com"
    assert "max-age=31536000" in response.headers["strict-transport-security"]


def test_cors_allows_configured_origin_and_exposes_auth_headers(client: TestClient) -> None:
    response = client.get("/no-such-thing", headers={"Origin": "https://get-native.com"})
    assert response.headers["access-control-allow-origin"] == "https://get-native.com"
    assert "X-GN-Auth-Token" in response.headers["access-control-expose-headers"]
    other = client.get("/no-such-thing", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
