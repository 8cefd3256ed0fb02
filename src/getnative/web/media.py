"""Serving stored media, whatever the backend: ETag, Cache-Control and single byte ranges.

Keys are unique per upload (a replaced avatar gets a new key), so a stored image never changes:
it is cacheable for a long time (`GETNATIVE_MEDIA_CACHE_SECONDS`, `immutable`). A `Range` of one
span is answered with 206 (video players and resuming downloads ask for them); several spans are
answered with the whole body (RFC 9110 allows it); an unsatisfiable one with 416.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from getnative.media.storage import MediaStorage, StoredMedia

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _etag_matches(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    candidates = {item.strip().removeprefix("W/") for item in header.split(",")}
    return "*" in candidates or f'"{etag}"' in candidates


def byte_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(first, last) of a satisfiable single range; None for "send it all"; False for 416."""
    if header is None:
        return None
    match = RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: the whole body is a valid answer
    start, end = match.groups()
    if not start and not end:
        return None
    if not start:  # the last N bytes
        suffix = int(end)
        return (max(size - suffix, 0), size - 1) if suffix > 0 and size > 0 else False
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    if first >= size or (end and int(end) < first):
        return False
    return first, last


class MediaEndpoint:
    """The ASGI app mounted at `GETNATIVE_MEDIA_URL_PATH`."""

    def __init__(self, storage: MediaStorage, mount_path: str, cache_seconds: int) -> None:
        self.storage = storage
        self.prefix = mount_path.rstrip("/") + "/"
        self.cache_control = f"public, max-age={cache_seconds}, immutable"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._respond(scope)
        await response(scope, receive, send)

    async def _respond(self, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            return Response(status_code=405, headers={"Allow": "GET, HEAD"})
        path = scope["path"]
        key = path[len(self.prefix) :] if path.startswith(self.prefix) else ""
        stored = await run_in_threadpool(self._get, key) if key else None
        if stored is None:
            return Response(status_code=404, headers={"Cache-Control": "no-store"})
        return self._answer(scope, stored)

    def _get(self, key: str) -> StoredMedia | None:
        try:
            return self.storage.get(key)
        except ValueError:  # a key the storage refuses is a key it does not have
            return None

    def _answer(self, scope: Scope, stored: StoredMedia) -> Response:
        size = len(stored.data)
        headers = {
            "ETag": f'"{stored.etag}"',
            "Cache-Control": self.cache_control,
            "Accept-Ranges": "bytes",
        }
        if _etag_matches(_header(scope, b"if-none-match"), stored.etag):
            return Response(status_code=304, headers=headers)
        if_range = _header(scope, b"if-range")
        wanted = _header(scope, b"range") if if_range in (None, headers["ETag"]) else None
        span = byte_range(wanted, size)
        if span is False:
            headers["Content-Range"] = f"bytes */{size}"
            return Response(status_code=416, headers=headers)
        if span is None or span is True:
            return Response(stored.data, media_type=stored.content_type, headers=headers)
        first, last = span
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        body = stored.data[first : last + 1]
        return Response(body, status_code=206, media_type=stored.content_type, headers=headers)
