"""Prometheus metrics: what an operator graphs and alerts on (docs/operations.md lists them).

Several server workers add up through prometheus-client's multiprocess mode: `getnative serve`
points `PROMETHEUS_MULTIPROC_DIR` at a fresh directory before any worker imports this module, and
every process writes its values there; a scrape of any worker (or of the separate metrics
listener) reads them all. Without that variable (tests, a bare `create_app()`), values live in
this process only.

The per-request cost is one histogram observation and one counter increment on label children
cached here, so label validation and the registry's lock are paid once per label set.
Domain code calls the small `count_*` functions; it never sees prometheus-client.
"""

from __future__ import annotations

import os
import weakref
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
LATENCY = Histogram(
    "getnative_http_request_duration_seconds",
    "Time from the request reaching the server to the end of the response.",
    ["dialect", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
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
_request_children: dict[tuple[Any, ...], tuple[Any, Any]] = {}


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
    children = _request_children.get(key)
    if children is None:
        route = route_template(scope)
        children = (
            REQUESTS.labels(dialect, route, method, str(status)),
            LATENCY.labels(dialect, route, str(status)),
        )
        if len(_request_children) < 10_000:  # a bound, whatever clients send
            _request_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


def count_like_change(action: str) -> None:
    LIKE_TOGGLES.labels(action).inc()


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
    """Drop a stopped worker's live gauges (pool use) so they stop adding up."""
    if os.environ.get(MULTIPROC_ENV):
        pid = pid if pid is not None else os.getpid()
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
