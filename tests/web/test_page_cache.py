"""The anonymous page cache: what it keeps, for how long, for whom, and how much."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from getnative.catalog.events import catalog_changed
from getnative.web.page_cache import AnonymousPageCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def counting_app() -> tuple[Starlette, list[str]]:
    """Answers with how many times it rendered; 404 for /videos/missing."""
    rendered: list[str] = []

    async def page(request: Request) -> JSONResponse:
        rendered.append(request.url.path)
        if request.url.path.endswith("missing"):
            return JSONResponse({"n": len(rendered)}, status_code=404)
        return JSONResponse({"n": len(rendered)})

    app = Starlette(
        routes=[
            Route("/videos", page),
            Route("/videos/{video_id}", page, methods=["GET", "POST"]),
            Route("/categories", page),
            Route("/clips", page),
            Route("/clips/{anything}", page),
        ]
    )
    return app, rendered


def cached_client(**options: object) -> tuple[TestClient, list[str], Clock]:
    app, rendered = counting_app()
    clock = Clock()
    cache = AnonymousPageCache(app, ttl_seconds=1.0, clock=clock, **options)  # type: ignore[arg-type]
    return TestClient(cache), rendered, clock


async def asgi_get(cache: AnonymousPageCache, path: str) -> list[Message]:
    """The messages `cache` sends for an anonymous GET of `path`, called straight (no client),
    so that a test can interleave several requests on one event loop."""
    scope: Scope = {"type": "http", "method": "GET", "path": path, "query_string": b""}
    scope["headers"] = []
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await cache(scope, receive, send)
    return sent


def test_anonymous_page_is_served_again_within_its_lifetime_only() -> None:
    client, _, clock = cached_client()
    assert client.get("/videos?lang=en").json() == {"n": 1}
    clock.now += 0.9
    assert client.get("/videos?lang=en").json() == {"n": 1}
    clock.now += 0.2
    assert client.get("/videos?lang=en").json() == {"n": 2}
    assert client.get("/videos/7").json() == {"n": 3}
    assert client.get("/videos/7").json() == {"n": 3}


def test_anonymous_clips_pages_are_kept_like_video_pages() -> None:
    client, _, clock = cached_client()
    assert client.get("/clips?q=business").json() == {"n": 1}
    assert client.get("/clips?q=business").json() == {"n": 1}
    assert client.get("/clips?q=train").json() == {"n": 2}
    assert client.get("/clips/1").json() == {"n": 3}  # not a page of the catalog
    assert client.get("/clips/1").json() == {"n": 4}
    catalog_changed()  # an import may have changed the cues
    assert client.get("/clips?q=business").json() == {"n": 5}
    clock.now += 1.1
    assert client.get("/clips?q=train").json() == {"n": 6}


def test_query_string_is_part_of_the_key() -> None:
    client, _, _ = cached_client()
    assert client.get("/videos?lang=en").json() == {"n": 1}
    assert client.get("/videos?lang=ja").json() == {"n": 2}


def test_requests_with_credentials_are_never_cached() -> None:
    client, _, _ = cached_client()
    auth = {"Authorization": "Bearer x"}
    assert client.get("/videos", headers=auth).json() == {"n": 1}
    assert client.get("/videos", headers=auth).json() == {"n": 2}
    assert client.get("/videos").json() == {"n": 3}  # nor stored for the anonymous


def test_only_successful_gets_of_catalog_pages_are_kept() -> None:
    client, _, _ = cached_client()
    assert client.get("/videos/missing").status_code == 404
    assert client.get("/videos/missing").json() == {"n": 2}
    assert client.get("/categories").json() == {"n": 3}
    assert client.get("/categories").json() == {"n": 4}
    client.post("/videos/1")
    assert client.post("/videos/1").json() == {"n": 6}


def test_a_catalog_write_makes_every_kept_page_stale() -> None:
    client, _, _ = cached_client()
    assert client.get("/videos").json() == {"n": 1}
    catalog_changed()
    assert client.get("/videos").json() == {"n": 2}


def test_memory_is_bounded_by_entries() -> None:
    client, _, _ = cached_client(max_entries=2)
    for video_id in (1, 2, 3):
        client.get(f"/videos/{video_id}")
    assert client.get("/videos/3").json() == {"n": 3}  # kept
    assert client.get("/videos/1").json() == {"n": 4}  # the oldest went out


def test_zero_lifetime_turns_it_off() -> None:
    app, _ = counting_app()
    client = TestClient(AnonymousPageCache(app, ttl_seconds=0))
    assert client.get("/videos").json() == {"n": 1}
    assert client.get("/videos").json() == {"n": 2}


def test_waiters_of_an_uncacheable_page_all_get_their_answer() -> None:
    """Several waiters of a 404 render together; none is left waiting, no KeyError (a bug:
    the second renderer's entry was removed by the first, the second's `del` raised and its
    own waiters were never answered)."""
    gate = asyncio.Event()

    async def app(_scope: Scope, _receive: Receive, send: Send) -> None:
        await gate.wait()
        await asyncio.sleep(0)  # renderers interleave
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"missing"})

    cache = AnonymousPageCache(app, ttl_seconds=1.0)

    async def get() -> int:
        return int((await asgi_get(cache, "/videos/9"))[0]["status"])

    async def scenario() -> list[int]:
        requests = [asyncio.create_task(get()) for _ in range(5)]
        for _ in range(5):
            await asyncio.sleep(0)
        gate.set()
        return await asyncio.wait_for(asyncio.gather(*requests), 30)  # a hang guard only

    assert asyncio.run(scenario()) == [404] * 5


def test_a_busy_page_is_renewed_before_it_expires_while_others_get_the_current_copy() -> None:
    """Past its renewal point (twice its rendering's time before expiry) one request renders
    the next copy and the others are served the current one, which is still within its
    lifetime: nobody waits for the rendering, and nothing older than the lifetime is served."""
    clock = Clock()
    gate = asyncio.Event()
    renders: list[int] = []

    async def app(_scope: Scope, _receive: Receive, send: Send) -> None:
        renders.append(1)
        if len(renders) > 1:
            await gate.wait()
        clock.now += 0.2  # the rendering takes 0.2 s: renewal starts 0.4 s before expiry
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(renders)).encode()})

    cache = AnonymousPageCache(app, ttl_seconds=1.0, clock=clock)

    async def get() -> bytes:
        return bytes((await asgi_get(cache, "/videos"))[1]["body"])

    async def scenario() -> list[bytes]:
        first = await get()  # rendered 100.0-100.2: expires at 101.2, renewed from 100.8
        clock.now = 100.7
        before_renewal = await get()
        clock.now = 100.9
        renewing = asyncio.create_task(get())
        for _ in range(5):
            await asyncio.sleep(0)
        meanwhile = await asyncio.wait_for(get(), 30)  # a hang guard only
        gate.set()
        renewed = await asyncio.wait_for(renewing, 30)
        return [first, before_renewal, meanwhile, renewed, await get()]

    assert asyncio.run(scenario()) == [b"1", b"1", b"1", b"2", b"2"]
    assert len(renders) == 2
