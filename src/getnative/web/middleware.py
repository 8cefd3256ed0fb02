"""The edge every request passes, shared by the dialects: request id, access log with DNT,
security headers, CORS, rate limit, body limit and HEAD-as-GET, in one pure-ASGI pass
(`EdgeMiddleware`).

One pass rather than a stack of five: each layer of a stack costs a coroutine, its own scan of
the request headers and its own `send` wrapper on every request. Here the headers are scanned
once, one `send` wrapper captures the status and adds the fixed headers (built at start-up),
and CORS runs only for requests that carry an `Origin`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from getnative import metrics
from getnative.errors import BodyTooLarge, DomainError, RateLimited
from getnative.logs import REQUEST_ID, request_id_from_header
from getnative.ratelimit import RateLimiter
from getnative.web.client_ip import IPNetwork, client_key_from_scope
from getnative.web.head import without_body
from getnative.web.lifecycle import InFlight

access_log = logging.getLogger("getnative.access")
ErrorRenderer = Callable[[DomainError, int], Response]
AnalyticsHook = Callable[[Scope, int], None]
Headers = list[tuple[bytes, bytes]]
# The headers a request earned while it ran (a dialect reads them from the request's scope
# state, e.g. Get Native's sliding-session token); empty for most requests.
EarnedHeaders = Callable[[Scope], Sequence[tuple[bytes, bytes]]]


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


BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The scope key of a one-item list: has the response started? Set by `EdgeMiddleware`, read by
# `getnative.web.error_boundary` (which wraps `send` itself when it is absent).
RESPONSE_STARTED = "edge.response_started"
EXPOSED_HEADER = (b"access-control-expose-headers", b"X-GN-Auth-Token, X-GN-Auth-Expire")


def edge_headers(
    headers: Headers, fixed: Headers, earned: Sequence[tuple[bytes, bytes]] = ()
) -> Headers:
    """The response's headers without its own `Server`, then the ones the request `earned`,
    then the edge's `fixed` ones, then `Access-Control-Expose-Headers`, in one pass.

    The expose header goes on every response, as the document lists it among the headers "found
    in all API responses"; CORS sets it only for an allowed `Origin`, and then it is kept as is.
    """
    kept = []
    exposed = False
    for item in headers:
        name = item[0]
        if name == b"server":
            continue
        exposed = exposed or name == EXPOSED_HEADER[0]
        kept.append(item)
    kept += earned
    kept += fixed
    if not exposed:
        kept.append(EXPOSED_HEADER)
    return kept


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
        await self.guard(scope, receive, send, header(scope, b"content-length"))

    async def guard(self, scope: Scope, receive: Receive, send: Send, declared: str | None) -> None:
        """Refuse or buffer the body (declared length `declared`), then run the app."""
        if declared is None and scope["method"] in BODYLESS_METHODS:
            # Nothing declared on a method that carries no body: nothing to buffer. Whatever a
            # client streams anyway is never read by these endpoints.
            await self.app(scope, receive, send)
            return
        if declared == "0":
            # An empty body declared (the likes toggle's POST): the app gets exactly that,
            # without a wait on the server's `receive` for it (a round trip into the server
            # per request); whatever a lying client streams after it is never read.
            await self.app(scope, _replay(b"", receive), send)
            return
        limit = self._limit_for(scope["path"])
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


@dataclass(frozen=True)
class CorsPolicy:
    """What `CORSMiddleware` is given: the browsers' origins and what they may send and read."""

    allow_origins: Sequence[str]
    allow_methods: Sequence[str]
    allow_headers: Sequence[str]
    expose_headers: Sequence[str]
    max_age: int


class EdgeMiddleware:
    """Request id (`X-Request-ID`, see getnative.logs), access log (unless `DNT: 1`) and
    analytics hooks, security headers, CORS, per-client-IP rate limit and body limit, in one pass
    (see the module docstring).

    Outermost first, as the stack it replaces: the log sees every response, the security headers
    go on every response (CORS preflights and limit refusals included), CORS preflights are
    answered before the limits, the rate limit runs before the body is read.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        errors: DialectErrors,
        server_name: str,
        cors: CorsPolicy,
        limiter: RateLimiter,
        trusted: Sequence[IPNetwork],
        default_per_minute: int,
        per_prefix: dict[str, int],
        body_limit: int,
        upload_limit: int,
        upload_suffixes: Sequence[str],
        hooks: list[AnalyticsHook] | None = None,
        ipv6_prefix: int = 64,
        ops: Callable[[Scope], ASGIApp | None] | None = None,
        observe: Callable[[Scope, int, float], None] | None = None,
        in_flight: InFlight | None = None,
        earned: EarnedHeaders | None = None,
    ) -> None:
        self.app = app
        # `earned` replaces a dialect middleware that wrapped `send` on every request only to
        # add headers to the few that earned them: the edge's own `send` wrapper asks instead.
        self.earned = earned
        self.in_flight = in_flight if in_flight is not None else InFlight()
        # `ops` answers /healthz, /readyz, /metrics before everything (no log, no limits);
        # `observe` is the per-request metrics hook (getnative.metrics.record_request).
        self.ops = ops
        self.observe = observe
        self.ipv6_prefix = ipv6_prefix
        self.errors = errors
        self.hooks = hooks if hooks is not None else []
        self.fixed_headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-xss-protection", b"1; mode=block"),
            (b"strict-transport-security", b"max-age=31536000; includeSubDomains; preload"),
            (b"server", server_name.encode()),
        ]
        self.limiter = limiter
        self.trusted = trusted
        self.default_per_minute = default_per_minute
        self.unlimited = default_per_minute <= 0
        self.per_prefix = sorted(per_prefix.items(), key=lambda item: len(item[0]), reverse=True)
        self.body = BodyLimitMiddleware(
            app,
            errors=errors,
            default_limit=body_limit,
            upload_limit=upload_limit,
            upload_suffixes=upload_suffixes,
        )
        self.cors = CORSMiddleware(
            self._limited,
            allow_origins=cors.allow_origins,
            allow_methods=cors.allow_methods,
            allow_headers=cors.allow_headers,
            expose_headers=cors.expose_headers,
            max_age=cors.max_age,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = self.ops(scope) if self.ops is not None else None
        if endpoint is not None:
            await endpoint(scope, receive, send)
            return
        dnt = origin = declared = asked_id = None
        for key, value in scope["headers"]:  # one scan for every header the edge looks at
            if key == b"dnt" and dnt is None:
                dnt = value
            elif key == b"x-request-id" and asked_id is None:
                asked_id = value
            elif key == b"origin" and origin is None:
                origin = value
            elif key == b"content-length" and declared is None:
                declared = value.decode("latin-1")
        scope["edge.content_length"] = declared
        request_id = request_id_from_header(asked_id)
        id_token = REQUEST_ID.set(request_id)  # every log line of this request carries it
        started = time.perf_counter()
        status = 500
        fixed = [*self.fixed_headers, (b"x-request-id", request_id.encode("ascii"))]

        inner: Scope = scope
        if scope["method"] == "HEAD":  # runs as its GET below the edge, which logs a HEAD
            inner = {**scope, "method": "GET"}
        earned = self.earned
        # Whether the response has started, for the layers below that need to know (a dialect's
        # `ErrorBoundary`): they read it here instead of wrapping `send` once more.
        response_started = inner[RESPONSE_STARTED] = [False]

        async def send_at_edge(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                response_started[0] = True
                status = message["status"]
                message["headers"] = edge_headers(
                    message.get("headers", []), fixed, () if earned is None else earned(inner)
                )
            await send(message)

        inner_send: Send = send_at_edge
        if inner is not scope:
            inner_send = without_body(send_at_edge)
        self.in_flight.enter()
        try:
            if origin is not None:
                await self.cors(inner, receive, inner_send)
            elif self.unlimited and declared is None and inner["method"] in BODYLESS_METHODS:
                await self.app(inner, receive, inner_send)  # no budget, no body: nothing to check
            else:
                await self._limited(inner, receive, inner_send)
        finally:
            self.in_flight.leave()
            try:
                self._finish(scope, status, time.perf_counter() - started, logged=dnt != b"1")
            finally:
                REQUEST_ID.reset(id_token)

    def _finish(self, scope: Scope, status: int, elapsed: float, *, logged: bool) -> None:
        """Metrics, then (unless the client sent `DNT: 1`) the access log and analytics hooks."""
        if self.observe is not None:
            try:
                self.observe(scope, status, elapsed)
            except Exception:  # metrics must never cost a client its answer
                logging.getLogger("getnative").exception("recording request metrics failed")
        if logged:
            self._record(scope, status, elapsed)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        if access_log.isEnabledFor(logging.INFO):
            self._log_access(scope, status, elapsed)
        for hook in self.hooks:
            hook(scope, status)

    def _log_access(self, scope: Scope, status: int, elapsed: float) -> None:
        client = scope["client"][0] if scope.get("client") else "-"
        duration_ms = round(elapsed * 1000, 1)
        access_log.info(
            '%s "%s %s" %d %.1fms',
            client,
            scope["method"],
            scope["path"],
            status,
            duration_ms,
            # Fields of their own in the JSON log format (getnative.logs.ACCESS_FIELDS); one
            # tuple under one key, so logging copies one attribute instead of five.
            extra={"access": (client, scope["method"], scope["path"], status, duration_ms)},
        )

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rate limit, then body limit, then the app."""
        if self.default_per_minute > 0:
            retry_after = await self._hit(scope)
            if retry_after is not None:
                metrics.count_rate_limited(scope["path"])
                error = RateLimited(retry_after=retry_after)
                response = self.errors.render(scope["path"], error, 429)
                response.headers["Retry-After"] = str(retry_after)
                await response(scope, receive, send)
                return
        await self.body.guard(scope, receive, send, scope.get("edge.content_length"))

    def _budget(self, path: str) -> tuple[str, int]:
        for prefix, limit in self.per_prefix:
            if path.startswith(prefix):
                return prefix, limit
        return "/", self.default_per_minute

    async def _hit(self, scope: Scope) -> int | None:
        bucket, limit = self._budget(scope["path"])
        key = f"{bucket}:{client_key_from_scope(scope, self.trusted, self.ipv6_prefix)}"
        if getattr(self.limiter, "blocking", False):  # network I/O: keep the event loop free
            result: int | None = await run_in_threadpool(
                self.limiter.hit, key, limit=limit, window_seconds=60
            )
            return result
        return self.limiter.hit(key, limit=limit, window_seconds=60)
