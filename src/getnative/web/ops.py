"""Endpoints for the machines around the server: `/healthz`, `/readyz`, `/metrics`.

They are answered by the outermost layer, before rate limits, the access log and the dialects:
a load balancer polling every second must neither fill the log nor spend a client's budget, and
a probe must not depend on the parts it is probing. See docs/operations.md.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from functools import lru_cache

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from getnative import metrics
from getnative.web.container import Container

logger = logging.getLogger("getnative.ops")
READY_TIMEOUT_SECONDS = 3.0  # a load balancer's check times out around here; answer before it


def _json(status: int, body: Mapping[str, object]) -> Response:
    return Response(
        json.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@lru_cache(maxsize=1)
def _head_revisions() -> frozenset[str]:
    from alembic.script import ScriptDirectory

    from getnative.migrate import alembic_config

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _check_database(container: Container) -> str | None:
    """None when the database answers and its schema is at the migrations' head."""
    from alembic.runtime.migration import MigrationContext

    with container.db.engine.connect() as connection:
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
    if current != _head_revisions():
        code = sorted(_head_revisions())
        return f"migrations not at head (database {sorted(current)}, code {code})"
    return None


def _check_redis(container: Container) -> str | None:
    ping = getattr(container.rate_limiter, "ping", None)
    if ping is None:  # no Redis configured: nothing to check
        return None
    ping()
    return None


async def _run_check(check: Callable[[Container], str | None], container: Container) -> str:
    try:
        problem = await asyncio.wait_for(
            run_in_threadpool(check, container), timeout=READY_TIMEOUT_SECONDS
        )
    except TimeoutError:
        return f"no answer within {READY_TIMEOUT_SECONDS:g} s"
    except Exception as exc:  # any failure of the dependency means "not ready"
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return problem or "ok"


class OpsEndpoints:
    """Finds the ops endpoint a request is for; None lets the request go on to the server."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.metrics_token = container.settings.metrics_token
        self._routes: dict[str, ASGIApp] = {"/healthz": self.healthz, "/readyz": self.readyz}
        if self.metrics_token:
            self._routes["/metrics"] = self.metrics

    def match(self, scope: Scope) -> ASGIApp | None:
        return self._routes.get(scope["path"])

    async def healthz(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Alive: the process answers. Restart it when this fails, not when /readyz does."""
        await _json(200, {"status": "ok"})(scope, receive, send)

    async def readyz(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Ready: database reachable and migrated, Redis reachable when configured."""
        checks = {"database": await _run_check(_check_database, self.container)}
        if self.container.settings.redis_url:
            checks["redis"] = await _run_check(_check_redis, self.container)
        ready = all(value == "ok" for value in checks.values())
        if not ready:
            logger.warning("not ready: %s", checks)
        body = {"status": "ok" if ready else "unavailable", "checks": checks}
        await _json(200 if ready else 503, body)(scope, receive, send)

    async def metrics(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Prometheus exposition, only with the configured bearer token (else 404, no hint)."""
        if not self._authorized(scope):
            await _json(404, {"error": "not found"})(scope, receive, send)
            return
        metrics.flush()  # this worker's last second of requests, on its event loop
        body = await run_in_threadpool(metrics.exposition)
        await Response(body, media_type=metrics.CONTENT_TYPE)(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        expected = f"Bearer {self.metrics_token}".encode()
        for key, value in scope.get("headers", ()):
            if key == b"authorization":
                return hmac.compare_digest(value, expected)
        return False
