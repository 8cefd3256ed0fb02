"""Dialect routing by prefix: a request goes to its dialect's app in one or two string tests.

Starlette's router tries every route's regular expression in order, and Get Native (mounted at
`/`, the last route) is where most requests go, so they paid every other route's test first.
Here the mounts named at start-up (`/ws`, `/api`, and `/` for the rest) are chosen by prefix,
with the same scope a `Mount` match gives the dialect app (`root_path`, `path_params`, `route`,
`endpoint`); anything else (redirects, media, docs assets, the learner's page, lifespan) goes
through Starlette's router as before.

`ServerApp` puts the dispatch right below the edge: a dialect app has its own error middlewares
(each renders its dialect's 500 and its handled errors), so the server-wide ones Starlette would
wrap around everything are kept for the other routes only, and a dialect request does not pay
for them.

Pass-through layers. A layer that only chooses where a request goes (this dispatch, a dialect
app's entry, its route table) is a plain function that returns the chosen app's awaitable
instead of an `async def` that awaits it: the caller awaits the same coroutine, errors surface
at the same `await`, and the request's await chain is one coroutine shorter for each, which is
paid when the request starts and again each time it resumes after waiting for the database.
An app that may be served or tested alone stays `async def`: servers (uvicorn's interface
detection) and test clients tell ASGI 3 apps by it, so a dialect app keeps an `async def
__call__` and the dispatch calls its pass-through entry (`DialectApp.serve`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from getnative.web.route_table import DialectApp, first_segment


class ServerApp(Starlette):
    """The server: `edge` outermost, then `PrefixDispatch` to the `dialects` (mounts among the
    routes), then Starlette's error middlewares and router for every other route."""

    def __init__(self, *, edge: Middleware, dialects: Sequence[Mount], **options: Any) -> None:
        super().__init__(**options)
        self.edge = edge
        self.dialects = list(dialects)

    def build_middleware_stack(self) -> ASGIApp:
        others = super().build_middleware_stack()
        dispatch = PrefixDispatch(self.router, others, fast=self.dialects)
        factory, args, kwargs = self.edge
        app: ASGIApp = factory(dispatch, *args, **kwargs)
        return app


class PrefixDispatch:
    """Chooses the dialect app and hands it the request (a pass-through layer, see above)."""

    def __init__(self, router: Router, fallback: ASGIApp, fast: Sequence[Mount]) -> None:
        self.router = router
        self.fallback = fallback
        self.mounts = [(mount.path + "/", mount) for mount in fast if mount.path]
        self.default = next((mount for mount in fast if not mount.path), None)
        # Paths some other route answers, by first segment: never sent to the default mount.
        self.reserved: dict[str, list[str]] = {}
        for route in router.routes:
            if _path(route) and route is not self.default:
                self.reserved.setdefault(first_segment(_path(route)), []).append(_path(route))

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "http":
            route_path = get_route_path(scope)
            found = self._mount_for(route_path)
            if found is not None:  # the scope a `Mount` match gives, set in place
                mount, remaining = found
                root_path = scope.get("root_path", "")
                scope["path_params"] = {**scope.get("path_params", {}), "path": remaining[1:]}
                scope.setdefault("router", self.router)
                scope["route"] = mount
                scope.setdefault("app_root_path", root_path)
                scope["root_path"] = root_path + route_path[: len(route_path) - len(remaining)]
                scope["endpoint"] = mount.app
                app = mount.app
                return (app.serve if isinstance(app, DialectApp) else app)(scope, receive, send)
        return self.fallback(scope, receive, send)

    def _mount_for(self, path: str) -> tuple[Mount, str] | None:
        for prefix, mount in self.mounts:
            if path.startswith(prefix):
                return mount, path[len(prefix) - 1 :]
        if self.default is None or not path.startswith("/"):
            return None
        for reserved in self.reserved.get(first_segment(path), ()):
            if path == reserved or path.startswith(reserved + "/"):
                return None
        return self.default, path


def _path(route: BaseRoute) -> str:
    return str(getattr(route, "path", ""))
