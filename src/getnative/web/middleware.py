"""Pure-ASGI middleware shared by the dialects: headers, access log with DNT, body and rate limits.

Pure ASGI (not BaseHTTPMiddleware) keeps the per-request overhead low on the hot paths.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from getnative import metrics
from getnative.errors import DomainError, InvalidInput, RateLimited
from getnative.web.client_ip import IPNetwork, client_ip_from_scope
from getnative.web.ratelimit import RateLimiter

access_log = logging.getLogger("getnative.access")
ErrorRenderer = Callable[[DomainError, int], Response]
AnalyticsHook = Callable[[Scope, int], None]


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class DialectErrors:
    """Finds the error renderer of the dialect a path belongs to (longest prefix wins)."""

    def __init__(self) -> None:
        self._renderers: list[tuple[str, ErrorRenderer]] = []

    def register(self, prefix: str, renderer: ErrorRenderer) -> None:
        self._renderers.append((prefix, renderer))
        self._renderers.sort(key=lambda item: len(item[0]), reverse=True)

    def render(self, path: str, error: DomainError, status: int) -> Response:
        for prefix, renderer in self._renderers:
            if path.startswith(prefix):
                return renderer(error, status)
        raise LookupError(f"no dialect serves {path}")


class SecurityHeadersMiddleware:
    """The headers the Get Native document lists for every response."""

    def __init__(self, app: ASGIApp, server_name: str) -> None:
        self.app = app
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-xss-protection", b"1; mode=block"),
            (b"strict-transport-security", b"max-age=31536000; includeSubDomains; preload"),
            (b"server", server_name.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = [(k, v) for k, v in message.get("headers", []) if k != b"server"]
                message["headers"] = existing + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLogMiddleware:
    """The outermost pass: ops endpoints, then one log line per request and the analytics hooks
    (unless the client sent `DNT: 1`), and the request metrics (aggregate counts, always).

    `ops` answers `/healthz`, `/readyz` and `/metrics` before anything else runs; `observe` is
    the per-request metrics hook (`getnative.metrics.record_request`): both are plain callables
    so that a single fused ASGI pass can call them the same way.
    """

    def __init__(
        self,
        app: ASGIApp,
        hooks: list[AnalyticsHook] | None = None,
        ops: Callable[[Scope], ASGIApp | None] | None = None,
        observe: Callable[[Scope, int, float], None] | None = None,
    ) -> None:
        self.app = app
        self.hooks = hooks if hooks is not None else []
        self.ops = ops
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = self.ops(scope) if self.ops is not None else None
        if endpoint is not None:
            await endpoint(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_capturing_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_capturing_status)
        finally:
            elapsed = time.perf_counter() - started
            if self.observe is not None:
                try:
                    self.observe(scope, status, elapsed)
                except Exception:  # metrics must never cost a client its answer
                    logging.getLogger("getnative").exception("recording request metrics failed")
            if header(scope, b"dnt") != "1":
                self._record(scope, status, elapsed)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        client = scope.get("client")
        access_log.info(
            '%s "%s %s" %d %.1fms',
            client[0] if client else "-",
            scope["method"],
            scope["path"],
            status,
            elapsed * 1000,
        )
        for hook in self.hooks:
            hook(scope, status)


class BodyTooLarge(InvalidInput):
    code = "body_too_large"


class BodyLimitMiddleware:
    """Refuses bodies over the limit, by `Content-Length` or while streaming, in dialect format.

    The body is read here, up to the limit, before the app runs. Refusing from inside the app's
    `receive` instead would surface in the app's own error handling (FastAPI turns it into "error
    parsing the body", a plain `await request.body()` into a 500). Every endpoint reads its whole
    body anyway, so buffering it costs no extra memory.
    """

    def __init__(
        self,
        app: ASGIApp,
        errors: DialectErrors,
        default_limit: int,
        upload_limit: int,
        upload_suffixes: Sequence[str],
    ) -> None:
        self.app = app
        self.errors = errors
        self.default_limit = default_limit
        self.upload_limit = upload_limit
        self.upload_suffixes = tuple(upload_suffixes)

    def _limit_for(self, path: str) -> int:
        return (
            self.upload_limit
            if path.rstrip("/").endswith(self.upload_suffixes)
            else (self.default_limit)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        try:
            body = await _read_body(receive, limit)
        except _ClientGone:
            return  # nobody is left to answer
        if body is None:
            await self._refuse(scope, receive, send, limit)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        error = BodyTooLarge(f"The request body is larger than {limit} bytes.")
        await self.errors.render(scope["path"], error, 413)(scope, receive, send)


class _ClientGone(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it grows past `limit`."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientGone
        part = message.get("body", b"")
        size += len(part)
        if size > limit:
            return None
        parts.append(part)
        if not message.get("more_body", False):
            return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the buffered body, then defers to the server's."""
    delivered = False

    async def replaying_receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replaying_receive


class RateLimitMiddleware:
    """Per-client-IP request budget per minute, with a stricter budget for some prefixes."""

    def __init__(
        self,
        app: ASGIApp,
        errors: DialectErrors,
        limiter: RateLimiter,
        trusted: Sequence[IPNetwork],
        default_per_minute: int,
        per_prefix: dict[str, int],
    ) -> None:
        self.app = app
        self.errors = errors
        self.limiter = limiter
        self.trusted = trusted
        self.default_per_minute = default_per_minute
        self.per_prefix = sorted(per_prefix.items(), key=lambda item: len(item[0]), reverse=True)

    def _budget(self, path: str) -> tuple[str, int]:
        for prefix, limit in self.per_prefix:
            if path.startswith(prefix):
                return prefix, limit
        return "/", self.default_per_minute

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.default_per_minute <= 0:
            await self.app(scope, receive, send)
            return
        bucket, limit = self._budget(scope["path"])
        key = f"{bucket}:{client_ip_from_scope(scope, self.trusted)}"
        if getattr(self.limiter, "blocking", False):  # network I/O: keep the event loop free
            retry_after = await run_in_threadpool(
                self.limiter.hit, key, limit=limit, window_seconds=60
            )
        else:
            retry_after = self.limiter.hit(key, limit=limit, window_seconds=60)
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        metrics.count_rate_limited(scope["path"])
        response = self.errors.render(scope["path"], RateLimited(retry_after=retry_after), 429)
        response.headers["Retry-After"] = str(retry_after)
        await response(scope, receive, send)
