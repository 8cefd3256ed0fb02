"""Prometheus metrics: what an operator graphs and alerts on (docs/operations.md lists them).

Several server workers add up through prometheus-client's multiprocess mode: `getnative serve`
points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory before any worker imports this module, and
every process writes its values there; a scrape of any worker (or of the separate metrics
listener) reads them all. Without that variable (tests, a bare `create_app()`), values live in
this process only.

The per-request cost is a few additions on plain numbers: each request is tallied per label set
here and the tallies are added to the counter and histogram (label children cached, so label
validation is paid once per label set) at most `FLUSH_SECONDS` later, by a timer on the event
loop, and before every scrape of this process. prometheus-client takes a lock per value it
changes (and writes a memory-mapped file in multiprocess mode): three per request before, on the
no-database ceiling a fifth of the request's time. A scrape may so miss the last second of
another worker's requests, which its next scrape counts.
Domain code calls the small `count_*` functions; it never sees prometheus-client.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from bisect import bisect_left
from collections.abc import MutableMapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # every path no route matched: bounded label values, whatever is asked

REQUESTS = Counter(
    "getnative_http_requests",
    "HTTP requests answered, by dialect, route template, method and status.",
    ["dialect", "route", "method", "status"],
)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, float("inf"))
LATENCY = Histogram(
    "getnative_http_request_duration_seconds",
    "Time from the request reaching the server to the end of the response.",
    ["dialect", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
FLUSH_SECONDS = 1.0
POOL_IN_USE = Gauge(
    "getnative_db_pool_connections_in_use",
    "Database connections checked out of the pool right now (all live workers).",
    multiprocess_mode="livesum",
)
POOL_CAPACITY = Gauge(
    "getnative_db_pool_capacity",
    "Connections the pools may open (pool size plus overflow, all live workers).",
    multiprocess_mode="livesum",
)
LIKE_TOGGLES = Counter(
    "getnative_like_toggles", "Likes recorded or removed (only real changes).", ["action"]
)
LIKE_BATCHES = Counter(
    "getnative_like_batches",
    "Statements that ran likes API toggles queued behind one in flight, together (one or "
    "more each), by outcome (committed; failed: each toggle repeated alone).",
    ["outcome"],
)
LIKE_BATCHED_TOGGLES = Counter(
    "getnative_like_batched_toggles",
    "Toggles run in those batches (over getnative_like_batches_total: the mean batch size).",
)
FAILED_LOGINS = Counter(
    "getnative_failed_logins",
    "Refused password logins: wrong credentials, or refused by the brute-force throttle.",
    ["reason"],
)
RATE_LIMITED = Counter(
    "getnative_rate_limited_requests",
    "Requests refused with 429 by the per-IP request budget.",
    ["dialect"],
)
RECAPTCHA = Counter(
    "getnative_recaptcha_checks",
    "reCAPTCHA verifications by outcome (passed, failed, missing, unavailable).",
    ["outcome"],
)
IMAGE_DECODES = Counter(
    "getnative_image_decodes",
    "Uploaded images decoded, by outcome (ok, too_large, invalid).",
    ["outcome"],
)

_watched_engines: weakref.WeakSet[Any] = weakref.WeakSet()


class _Tally:
    """Requests of one label set not yet added to the counter and histogram."""

    __slots__ = ("buckets", "count", "latency", "requests", "seconds")

    def __init__(self, requests: Any, latency: Any) -> None:
        self.requests = requests  # the counter's child for this label set
        self.latency = latency  # the histogram's child
        self.count = 0
        self.seconds = 0.0
        self.buckets = [0] * len(LATENCY_BUCKETS)

    def flush(self) -> None:
        if not self.count:
            return
        count, seconds, buckets = self.count, self.seconds, self.buckets
        self.count, self.seconds, self.buckets = 0, 0.0, [0] * len(LATENCY_BUCKETS)
        self.requests.inc(count)
        # One observation at a time is Histogram.observe's only public form: its sum and
        # bucket values take the tallied amounts at once.
        self.latency._sum.inc(seconds)
        for index, observed in enumerate(buckets):
            if observed:
                self.latency._buckets[index].inc(observed)


_tallies: dict[tuple[Any, ...], _Tally] = {}
_flush_timer: asyncio.TimerHandle | None = None
_flush_loop: asyncio.AbstractEventLoop | None = None


def dialect_of(path: str) -> str:
    if path.startswith("/ws/") or path == "/ws":
        return "rockpack"
    if path.startswith("/api/") or path == "/api":
        return "likes"
    return "getnative"


def route_template(scope: MutableMapping[str, Any]) -> str:
    """The matched route's path template (`/ws/{userid}/channels/`), never the raw path."""
    route = scope.get("route")
    path_format = getattr(route, "path_format", None)
    if path_format is None:
        return UNMATCHED  # refused before routing (rate limit, body limit) or no route at all
    if hasattr(route, "endpoint"):
        return str(scope.get("root_path", "")) + str(path_format)
    if getattr(getattr(route, "app", None), "routes", None) is None:
        return str(path_format)  # a Mount of a plain app (the media files): "/media/{path}"
    return UNMATCHED  # a dialect's Mount whose own router matched nothing


def record_request(scope: MutableMapping[str, Any], status: int, seconds: float) -> None:
    """Count and time one answered request; called once per request by the outermost layer."""
    dialect = dialect_of(scope["path"])
    method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
    route_object = scope.get("route")
    path_format = getattr(route_object, "path_format", None)
    key = (dialect, type(route_object), path_format, scope.get("root_path", ""), method, status)
    tally = _tallies.get(key)
    if tally is None:
        route = route_template(scope)
        tally = _Tally(
            REQUESTS.labels(dialect, route, method, str(status)),
            LATENCY.labels(dialect, route, str(status)),
        )
        if len(_tallies) < 10_000:  # a bound, whatever clients send
            _tallies[key] = tally
    tally.count += 1
    tally.seconds += seconds
    tally.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
    if len(_tallies) >= 10_000:
        tally.flush()  # not kept: counted now
    elif _flush_loop is None or _flush_loop.is_closed():
        _schedule_flush()


def _schedule_flush() -> None:
    """Flush within `FLUSH_SECONDS` on this thread's event loop (at once without one). A timer
    left on a loop that has closed since (an in-process test client's) never fires: what it
    would have flushed is flushed now."""
    global _flush_timer, _flush_loop
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        flush()
        return
    if _flush_loop is not None:
        flush()
    _flush_loop = loop
    _flush_timer = loop.call_later(FLUSH_SECONDS, flush)


def flush() -> None:
    """Add every pending tally to the counter and histogram. Called on the event loop that
    records requests (its timer, the `/metrics` endpoint, the worker's shutdown)."""
    global _flush_timer, _flush_loop
    if _flush_timer is not None:
        _flush_timer.cancel()
    _flush_timer = _flush_loop = None
    for tally in _tallies.values():
        tally.flush()


_like_changes: dict[str, Any] = {}  # the counter's child per action, looked up once


def count_like_change(action: str) -> None:
    child = _like_changes.get(action)
    if child is None:
        child = _like_changes[action] = LIKE_TOGGLES.labels(action)
    child.inc()


def count_like_batch(size: int, *, committed: bool) -> None:
    LIKE_BATCHES.labels("committed" if committed else "failed").inc()
    LIKE_BATCHED_TOGGLES.inc(size)


def count_failed_login(reason: str) -> None:
    FAILED_LOGINS.labels(reason).inc()


def count_rate_limited(path: str) -> None:
    RATE_LIMITED.labels(dialect_of(path)).inc()


def count_recaptcha(outcome: str) -> None:
    RECAPTCHA.labels(outcome).inc()


def count_image_decode(outcome: str) -> None:
    IMAGE_DECODES.labels(outcome).inc()


def watch_pool(engine: Any) -> None:
    """Keep the pool gauges current through SQLAlchemy's checkout/checkin events."""
    from sqlalchemy import event

    if engine in _watched_engines:  # one app per engine in production; tests build many apps
        return  # on one engine, and the gauges must not count its pool twice
    _watched_engines.add(engine)
    pool = engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", 0)
    if callable(size):
        POOL_CAPACITY.inc(size() + max(overflow, 0))
    event.listen(engine, "checkout", lambda *_: POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: POOL_IN_USE.dec())


def exposition() -> bytes:
    """The text format of every process's metrics (multiprocess) or of this process's."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return bytes(generate_latest(registry))
    return bytes(generate_latest(REGISTRY))


def process_exited(pid: int | None = None) -> None:
    """Count the worker's last requests; drop its live gauges (pool use) so they stop adding
    up."""
    flush()
    if os.environ.get(MULTIPROC_ENV):
        pid = pid if pid is not None else os.getpid()
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
