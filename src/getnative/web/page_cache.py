"""A short-lived, shared, bounded cache of anonymous catalog pages (/videos, /videos/:id, /clips).

The busiest reads are the same anonymous pages asked for again and again; rendering each one
costs a database round trip and Python work, while the page changes rarely. This pure-ASGI layer
keeps the whole response (status 200, headers, body) of an anonymous GET for at most
`ttl_seconds` (one second by default), so a page is at most that stale: only `like_count` moves
that often, and the Get Native document lets it lag. Anything else that changes a catalog page
is an import or the demo load, which moves the catalog generation (`getnative.catalog.events`)
and makes every kept page stale at once in that process; other processes' pages expire by age.

Requests with credentials (an `Authorization` header) are never served from it or stored: their
pages carry `liked`/`cued` and fresh token headers. Memory is bounded by entry count and bytes,
oldest out first. Concurrent misses of one page wait for the first one's rendering (single
flight), so an expiring popular page costs one rendering, not one per connection.

A busy page is also renewed before it expires (`_Page.renew_at`): the first request after that
point renders the next copy for its own client while the others are still served the current
one, which is within its lifetime. Without it every connection asking for the page waited for
the rendering at each expiry, and since a run's pages are filled together they expired together:
the whole tail (p99) of a cached search was those waits (bench/RESULTS.md, search tail).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from getnative.catalog.events import catalog_generation

ANONYMOUS_PAGES = re.compile(r"^/(videos(/[^/]+)?|clips)$")


@dataclass(frozen=True)
class _Page:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    expires: float
    renew_at: float  # from here on, one request renders the next copy (`__call__`)
    generation: int


class AnonymousPageCache:
    def __init__(
        self,
        app: ASGIApp,
        *,
        ttl_seconds: float,
        max_entries: int = 4096,
        max_bytes: int = 16 * 1024 * 1024,
        paths: re.Pattern[str] = ANONYMOUS_PAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.paths = paths
        self.clock = clock
        self._pages: dict[tuple[str, bytes], _Page] = {}
        self._bytes = 0
        self._rendering: dict[tuple[str, bytes], asyncio.Future[_Page | None]] = {}

    def _cacheable(self, scope: Scope) -> bool:
        if self.ttl <= 0 or scope["type"] != "http" or scope["method"] != "GET":
            return False
        if not self.paths.match(scope["path"]):
            return False
        return all(key != b"authorization" for key, _ in scope["headers"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"])
        page = self._fresh(key)
        if page is not None and page.renew_at <= self.clock() and key not in self._rendering:
            page = None  # this request renders the next copy; others keep this one meanwhile
        elif page is None and key in self._rendering:
            page = await asyncio.shield(self._rendering[key])
        if page is not None:
            await _replay(page, send)
            return
        await self._render(key, scope, receive, send)

    def _fresh(self, key: tuple[str, bytes]) -> _Page | None:
        page = self._pages.get(key)
        if page is None:
            return None
        if page.expires > self.clock() and page.generation == catalog_generation():
            return page
        self._drop(key)
        return None

    async def _render(
        self, key: tuple[str, bytes], scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Run the app, passing its response through while keeping a copy of a complete 200."""
        pending: asyncio.Future[_Page | None] = asyncio.get_running_loop().create_future()
        self._rendering[key] = pending
        generation = catalog_generation()  # before reading: a write during it makes it stale
        started = self.clock()
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        body: list[bytes] = []
        complete = False

        async def keep_and_send(message: Message) -> None:
            nonlocal status, headers, complete
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body" and status == 200:
                body.append(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        page: _Page | None = None
        try:
            await self.app(scope, receive, keep_and_send)
            if status == 200 and complete:
                now = self.clock()
                # Renewal starts twice a rendering's time before expiry (at most half the
                # lifetime early), so the next copy is normally ready before this one expires.
                ahead = min(self.ttl / 2, 2 * (now - started))
                expires = now + self.ttl
                page = _Page(headers, b"".join(body), expires, expires - ahead, generation)
                self._store(key, page)
        finally:
            # Waiters of an uncacheable answer render concurrently, each under its own future:
            # only the entry that is still ours is removed, and ours is always answered.
            if self._rendering.get(key) is pending:
                del self._rendering[key]
            pending.set_result(page)  # waiters render themselves when this is None

    def _store(self, key: tuple[str, bytes], page: _Page) -> None:
        if len(page.body) > self.max_bytes // 16:
            return  # one page never takes a large share of the budget
        self._drop(key)
        self._pages[key] = page
        self._bytes += len(page.body)
        while len(self._pages) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._pages)))  # oldest stored first

    def _drop(self, key: tuple[str, bytes]) -> None:
        page = self._pages.pop(key, None)
        if page is not None:
            self._bytes -= len(page.body)


async def _replay(page: _Page, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": list(page.headers)})
    await send({"type": "http.response.body", "body": page.body})
