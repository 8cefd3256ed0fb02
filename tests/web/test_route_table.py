"""The route table (getnative.web.route_table) answers exactly as FastAPI's router would.

Each case builds the same routes twice, in a plain `FastAPI` and in a `DialectApp`, and compares
every answer: which route ran (first full match in declaration order, even when a templated
route shadows a static one), 404/405/redirects left to the router, parameter errors reported by
FastAPI's own handler. Then the dialects' hot reads are checked to take the lean handler.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.dependencies.utils import request_params_to_args
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import Mount
from starlette.testclient import TestClient

from getnative.web.route_table import (
    DialectApp,
    RouteTable,
    TableRouter,
    fast_path,
    params_reader,
)


class Args(BaseModel):
    """A query model of plain fields, as Get Native's `VideoListArgs`."""

    a: str | None = None
    n: int | None = None


class StrictArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: str | None = None


async def _greeted(who: str, n: Annotated[int, Query(ge=0)]) -> tuple[str, int]:
    if who == "teapot":  # the dependency's own answer, as `Owner`'s 401
        raise LookupError("dependency")
    return who, n


FAST_CALLS: list[dict[str, Any]] = []


async def _greet_fast(_request: Request, params: dict[str, Any]) -> Response | None:
    """Answers as `greet` would, and declines what the dependency decides."""
    FAST_CALLS.append(params)
    if params["who"] in ("teapot", "decline"):
        return None
    who, n, tag = params["who"], params["n"], params["tag"]
    return JSONResponse({"route": "greet", "who": who, "n": n, "tag": tag})


def _routes(app: FastAPI) -> None:
    """Shadowing on purpose: the table must keep the router's order, not the most specific."""
    items = APIRouter()

    @items.get("/items/{item_id}")
    async def item(item_id: str, request: Request) -> Response:
        return JSONResponse({"route": "item", "id": item_id, "root": request.scope["root_path"]})

    @items.get("/items/special")
    async def special() -> Response:  # never reached by GET: /items/{item_id} comes first
        return JSONResponse({"route": "special"})

    @items.post("/items/special")
    async def post_special() -> Response:
        return JSONResponse({"route": "post-special"})

    @items.get("/count")
    async def count(n: int, tag: str | None = None) -> Response:
        return JSONResponse({"route": "count", "n": n, "tag": tag})

    @items.get("/model")
    async def model(
        args: Annotated[Args, Query()], tags: Annotated[list[str], Query()]
    ) -> Response:
        return JSONResponse({"route": "model", "args": args.model_dump(), "tags": tags})

    @items.get("/args")
    async def args(request: Request, args: Annotated[Args, Query()]) -> Response:
        return JSONResponse({"route": "args", "args": args.model_dump(), "q": request.url.query})

    @items.get("/strict")
    async def strict(args: Annotated[StrictArgs, Query()]) -> Response:
        return JSONResponse({"route": "strict", "args": args.model_dump()})

    @items.get("/greet/{who}")
    @fast_path(_greet_fast)
    async def greet(
        greeted: Annotated[tuple[str, int], Depends(_greeted)], tag: str | None = None
    ) -> Response:
        who, n = greeted
        return JSONResponse({"route": "greet", "who": who, "n": n, "tag": tag})

    @items.get("/plain")
    async def plain() -> dict[str, Any]:  # a dict to serialise: FastAPI's own handler
        return {"route": "plain"}

    app.include_router(items)

    @app.get("/{lang}/about")
    async def about(lang: str) -> Response:
        return JSONResponse({"route": "about", "lang": lang})

    @app.get("/en/about")
    async def en_about() -> Response:  # shadowed by /{lang}/about
        return JSONResponse({"route": "en-about"})

    @app.get("/{who}/profile")
    async def profile(who: str) -> Response:
        return JSONResponse({"route": "profile", "who": who})

    @app.get("/{rest:path}/tail")  # its first parameter spans segments: no second segment
    async def tail(rest: str) -> Response:
        return JSONResponse({"route": "tail", "rest": rest})

    @app.get("/{who}/x/tail")  # shadowed by /{rest:path}/tail
    async def x_tail(who: str) -> Response:
        return JSONResponse({"route": "x-tail", "who": who})

    @app.get("/{who}/{what}/detail")
    async def detail(who: str, what: str) -> Response:
        return JSONResponse({"route": "detail", "who": who, "what": what})

    @app.get("/{who}/about")  # shadowed by /{lang}/about
    async def who_about(who: str) -> Response:
        return JSONResponse({"route": "who-about", "who": who})

    @app.get("/files/{rest:path}")
    async def files(rest: str) -> Response:
        return JSONResponse({"route": "files", "rest": rest})

    @app.get("/slash/")
    async def slash() -> Response:
        return JSONResponse({"route": "slash"})

    @app.get("/broken")
    async def broken() -> Response:
        raise LookupError("boom")

    app.mount("/mounted", Starlette())


REQUESTS = [
    ("GET", "/items/7"),
    ("GET", "/items/special"),
    ("POST", "/items/special"),
    ("PUT", "/items/special"),
    ("POST", "/items/7"),
    ("GET", "/count?n=3&tag=a&tag=b"),
    ("GET", "/count?n=three"),
    ("GET", "/count"),
    ("GET", "/count?n=&tag="),
    ("GET", "/count?n=1&n=2&tag=%F0%9F%98%80&x=y"),
    ("GET", "/model?tags=x&tags=y&a=1&n=4"),
    ("GET", "/model?a=1"),
    ("GET", "/args"),
    ("GET", "/args?a=&n=5&other=1"),
    ("GET", "/args?a=x&a=y&n=five"),
    ("GET", "/args?n=1&n=2"),
    ("GET", "/strict?a=1"),
    ("GET", "/strict?a=1&b=2"),
    ("GET", "/plain"),
    ("GET", "/greet/ann?n=2&tag=x"),
    ("GET", "/greet/ann?n=2"),
    ("GET", "/greet/decline?n=2"),
    ("GET", "/greet/teapot?n=1"),
    ("GET", "/greet/teapot?n=-1"),
    ("GET", "/greet/ann?n=x"),
    ("GET", "/greet/ann"),
    ("GET", "/de/about"),
    ("GET", "/ann/profile"),
    ("GET", "/ann/profile/"),
    ("GET", "/ann/profile/x"),
    ("GET", "/a/b/tail"),
    ("GET", "/ann/tail"),
    ("GET", "/profile/tail"),
    ("GET", "/ann/x/detail"),
    ("GET", "/a/profile/tail"),
    ("GET", "/a/x/tail"),
    ("GET", "/ann/profile/detail"),
    ("GET", "/ann/nothing"),
    ("GET", "/ann"),
    ("GET", "/ann/"),
    ("GET", "/en/about"),
    ("GET", "/files/a/b/c.txt"),
    ("GET", "/slash"),
    ("GET", "/slash/"),
    ("GET", "/items/7/"),
    ("GET", "/nowhere"),
    ("GET", "/"),
    ("GET", "/mounted/x"),
    ("GET", "/broken"),
]


def _client(app: FastAPI, mount: str) -> TestClient:
    _routes(app)

    @app.exception_handler(LookupError)
    async def lookup(_request: Request, exc: LookupError) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=418)

    root = Starlette(routes=[Mount(mount, app=app)]) if mount else app
    return TestClient(root, raise_server_exceptions=False)


@pytest.mark.parametrize("mount", ["", "/sub"])
def test_the_table_answers_as_the_router(mount: str) -> None:
    plain, table = _client(FastAPI(), mount), _client(DialectApp(), mount)
    for method, path in REQUESTS:
        expected = plain.request(method, mount + path, follow_redirects=False)
        answer = table.request(method, mount + path, follow_redirects=False)
        assert answer.status_code == expected.status_code, (method, path)
        assert answer.content == expected.content, (method, path)
        assert answer.headers.get("location") == expected.headers.get("location")
        assert answer.headers.get("allow") == expected.headers.get("allow")


def test_a_path_of_no_routes_first_segment_tries_the_routes_of_its_second() -> None:
    """`/ann/profile`: of the routes that begin with a parameter, only those whose second
    segment is `profile` or a parameter, and those with a parameter that spans segments."""
    app = FastAPI()
    _routes(app)
    table = RouteTable.of(app.routes)
    tried = [getattr(entry.route, "path", None) for entry in table.candidates("/ann/profile")]
    assert "/{who}/profile" in tried
    assert "/{rest:path}/tail" in tried
    assert "/{who}/{what}/detail" in tried
    assert "/{lang}/about" not in tried
    assert "/{who}/about" not in tried


def test_the_openapi_document_is_the_routers() -> None:
    plain, table = FastAPI(), DialectApp()
    _routes(plain)
    _routes(table)
    assert table.openapi() == plain.openapi()


def _table_of(app: FastAPI) -> RouteTable:
    router = TableRouter(app.router, fallback=app.router)
    return router.table


def test_which_routes_are_lean() -> None:
    app = DialectApp()
    _routes(app)
    table = _table_of(app)

    def lean(method: str, path: str) -> bool:
        found = table.lookup(method, path)
        assert found is not None, path
        return found[0].lean

    assert lean("GET", "/items/7")  # Request and path parameters
    assert lean("GET", "/count")  # query parameters, validated by FastAPI's function
    assert not lean("GET", "/plain")  # returns a dict: FastAPI serialises it
    assert lean("GET", "/greet/ann")  # dependencies, but a fast path
    assert table.lookup("GET", "/nowhere") is None  # the router's 404
    assert table.lookup("DELETE", "/items/special") is None  # the router's 405
    assert table.lookup("GET", "/mounted/x") is None  # a mount: the router decides


def test_a_fast_path_answers_what_it_takes_and_fastapi_the_rest() -> None:
    client = _client(DialectApp(), "")
    FAST_CALLS.clear()
    answer = client.get("/greet/ann?n=2&tag=x")
    assert answer.json() == {"route": "greet", "who": "ann", "n": 2, "tag": "x"}
    assert FAST_CALLS == [{"who": "ann", "n": 2, "tag": "x"}]  # the route's and its dependency's

    FAST_CALLS.clear()
    assert client.get("/greet/ann?n=-1").status_code == 422  # FastAPI's handler reports it
    assert FAST_CALLS == []  # invalid parameters: never offered to the fast path

    assert client.get("/greet/teapot?n=1").status_code == 418  # declined: the dependency's answer
    assert client.get("/greet/decline?n=1").json()["who"] == "decline"  # the endpoint's
    assert [call["who"] for call in FAST_CALLS] == ["teapot", "decline"]


def _dialect(client: TestClient, mount_path: str) -> FastAPI:
    root = client.app
    assert isinstance(root, Starlette)
    (mount,) = [m for m in root.routes if isinstance(m, Mount) and m.path == mount_path]
    assert isinstance(mount.app, FastAPI)
    return mount.app


def test_the_hot_reads_take_the_lean_handler(client: TestClient) -> None:
    """The lean shape is a contract of these routes: a dependency added to one of them would
    silently put it back on FastAPI's generic handler."""
    hot = {"": ("/videos", "/videos/12"), "/ws": ("/us1/subscriptions/recent_videos/",)}
    for mount_path, paths in hot.items():
        table = _table_of(_dialect(client, mount_path))
        for path in paths:
            found = table.lookup("GET", path)
            assert found is not None, path
            assert found[0].lean, path


def test_every_dialect_route_is_found_by_the_table(client: TestClient) -> None:
    """Every route the dialects declare is reached through the table, not the router's scan."""
    for mount_path in ("", "/ws", "/api"):
        app = _dialect(client, mount_path)
        table = _table_of(app)
        for entry in table.entries:
            if entry.route is None or entry.app is None or not entry.methods:
                continue
            sample = _sample(str(getattr(entry.route, "path_format", "")))
            found = table.lookup(sorted(entry.methods)[0], sample)
            assert found is not None, (mount_path, sample)


def _sample(path_format: str) -> str:
    """A path the template matches: each `{parameter}` becomes `1`."""
    parts = []
    for part in path_format.split("/"):
        parts.append("1" if part.startswith("{") and part.endswith("}") else part)
    return "/".join(parts)


def test_a_dialect_app_routes_through_its_table() -> None:
    app = DialectApp()
    _routes(app)
    assert TestClient(app).get("/items/1").json()["route"] == "item"
    node: Any = app.middleware_stack
    while node is not None and not isinstance(node, TableRouter):
        node = getattr(node, "app", None)
    assert isinstance(node, TableRouter)


QUERIES = [b"", b"a=1", b"a=&n=", b"n=2&n=x", b"n=x&n=2", b"a=1&a=2&zz=3", b"n=%20", b"a=%ZZ&n=1"]


@pytest.mark.parametrize("path", ["/count", "/args", "/strict", "/model"])
def test_the_params_reader_is_fastapis(path: str) -> None:
    """Values and errors (with their locations) as `request_params_to_args` gives them."""
    app = DialectApp()
    _routes(app)
    found = _table_of(app).lookup("GET", path)
    assert found is not None
    route = found[0].route
    assert isinstance(route, APIRoute)
    fields = route.dependant.query_params
    for query in QUERIES:
        received = QueryParams(query)
        ours, expected = params_reader(fields)(received), request_params_to_args(fields, received)
        assert repr(ours) == repr(expected), (path, query)
