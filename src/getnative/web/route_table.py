"""Route lookup by table, and lean handlers, inside each dialect's FastAPI app.

FastAPI's router tries its routes' regular expressions one by one (each included router a nested
scan of its own), then runs the chosen route through a generic handler: a `Request`, two exit
stacks, `solve_dependencies`, the exception wrapper of the route. On a hot read that is most of
the request's Python time (bench/RESULTS.md, issue 8). Here:

- `RouteTable` is built once from the app's routes: a static path is a dict entry; a templated
  path is tried only against routes of its first path segment (and those whose first segment is
  a parameter: of these, when the path's first segment names no route, only those whose second
  segment is the path's or a parameter). The route chosen is the one the router would choose
  (the first full match in the router's order); whenever the table cannot be sure (no full
  match: 404, 405, redirects, low-priority routes; or a route of a kind it does not know before
  the match), the request goes through FastAPI's router unchanged.
- `lean_handler` runs the routes whose shape needs none of the generic machinery: an async
  endpoint with no dependencies and no body, header or cookie parameters, declared to return a
  `Response`. Its query and path parameters are validated by FastAPI's own function; if they are
  invalid the request goes to the route's FastAPI handler, which reports them exactly as before
  (no endpoint has run yet). Exceptions propagate to the app's exception middleware as from any
  route, so every dialect's error format is unchanged; the OpenAPI document is untouched (the
  routes are the same objects).
- `fast_path` gives a route declared with dependencies a lean handler all the same: a function
  that answers the common request itself, from the route's path and query parameters as
  FastAPI validates them, and declines (None) anything else, which then goes through FastAPI's
  handler and the dependencies as declared. The dependencies keep documenting the route and
  deciding every other answer (and its order: which error comes first).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi._compat import ModelField, Undefined, get_cached_model_fields
from fastapi._compat.shared import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import (
    _get_param_aliases,
    _get_param_model,
    _is_json_field,
    _validate_value_with_model_field,
    get_typed_return_annotation,
    request_params_to_args,
)
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.routing import APIRoute, APIWebSocketRoute, RouteContext, iter_route_contexts
from fastapi.telemetry import TelemetryConfig
from pydantic import BaseModel
from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.convertors import PathConvertor
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from getnative.web.error_boundary import fold_error_layers

PathParams = dict[str, Any]
PLAIN_SEND = Response.__call__
TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
FastPath = Callable[[Request, dict[str, Any]], Awaitable[Response | None]]
Endpoint = Callable[..., Any]
_FAST_PATH = "fast_path"


def fast_path(answer: FastPath) -> Callable[[Endpoint], Endpoint]:
    """Mark an endpoint declared with dependencies as answered by `answer` when it can: the
    route table runs `answer(request, parameters)` instead of FastAPI's handler, where
    `parameters` are every path and query parameter of the route and its dependencies, by
    name, validated by FastAPI's fields (a request with an invalid one goes to FastAPI's
    handler without calling `answer`). `answer` returns the response the endpoint would give,
    or None to leave the request to FastAPI's handler, which runs the endpoint as declared.

    So `answer` handles the common case and declines the rest before doing anything that
    shows (it reads neither the body nor any state it changes), and the dependencies still
    decide every other answer and its order. It may raise, as a route does, an error whose
    answer cannot depend on what it declined (the route's first check). The endpoint itself
    is returned unchanged: FastAPI documents and runs it as before.
    """

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _FAST_PATH, answer)
        return endpoint

    return mark


@dataclass(frozen=True)
class Entry:
    """One route as the table tries it, in the router's order (`index`)."""

    index: int
    methods: frozenset[str] | None  # None: any method
    route: BaseRoute | None  # None: a route the table cannot judge; the router decides
    endpoint: Callable[..., Any] | None = None
    static_path: str | None = None
    segment: str | None = None  # the literal first path segment of a templated path
    # The literal second segment, when the first is a parameter that matches one segment only
    # (not `:path`): a path with another second segment cannot match.
    second: str | None = None
    regex: Any = None
    convertors: dict[str, Any] = field(default_factory=dict)
    app: ASGIApp | None = None  # None: the router handles it (a non-API route)
    lean: bool = False  # `app` is the route's lean handler

    def match(self, path: str) -> PathParams | None:
        if self.static_path is not None:
            return {} if path == self.static_path else None
        found = self.regex.match(path)
        if found is None:
            return None
        return {
            key: self.convertors[key].convert(value) for key, value in found.groupdict().items()
        }


Candidates = tuple[Entry, ...]


class RouteTable:
    """Which route the router would pick for a path, found among a few candidates."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = tuple(entries)
        static: dict[str, list[Entry]] = {}
        by_segment: dict[str, list[Entry]] = {}
        anywhere: list[Entry] = []
        for entry in entries:
            if entry.static_path is not None:
                static.setdefault(entry.static_path, []).append(entry)
            elif entry.segment is not None:
                by_segment.setdefault(entry.segment, []).append(entry)
            else:
                anywhere.append(entry)
        self.by_segment = {
            segment: _in_order(routes, anywhere) for segment, routes in by_segment.items()
        }
        self.static = {
            path: _in_order(routes, by_segment.get(first_segment(path), []), anywhere)
            for path, routes in static.items()
        }
        # Paths whose first segment names no route (a Rockpack user id): the routes that begin
        # with a parameter, narrowed by the path's second segment. The Rockpack feed's path was
        # tried against 34 regular expressions, 22 us a request on the 2-core machine.
        by_second: dict[str, list[Entry]] = {}
        for entry in anywhere:
            if entry.second is not None:
                by_second.setdefault(entry.second, []).append(entry)
        self.unsure = _in_order(entry for entry in anywhere if entry.second is None)
        self.by_second: dict[str | None, Candidates] = {
            second: _in_order(self.unsure, routes) for second, routes in by_second.items()
        }

    @classmethod
    def of(cls, routes: Sequence[BaseRoute]) -> RouteTable:
        """The table of a FastAPI router's `routes` (included routers' routes in their place)."""
        contexts = enumerate(iter_route_contexts(routes))
        return cls([entry for index, ctx in contexts if (entry := _entry(index, ctx)) is not None])

    def candidates(self, path: str) -> Candidates:
        found = self.static.get(path)
        if found is not None:
            return found
        in_segment = self.by_segment.get(first_segment(path))
        if in_segment is not None:
            return in_segment
        return self.by_second.get(second_segment(path), self.unsure)

    def lookup(self, method: str, path: str) -> tuple[Entry, PathParams] | None:
        """The route the router would run for `method path` with its path parameters, or None
        when the router must decide (no full match, or a route the table cannot judge)."""
        for entry in self.candidates(path):
            if entry.route is None:
                return None
            # The method first: the cheaper test, and the entry found is the same (the first
            # that both hold for). The likes toggle's path is also its GET route's.
            if entry.methods is not None and method not in entry.methods:
                continue
            params = entry.match(path)
            if params is not None:
                return entry, params
        return None


def _in_order(*groups: Iterable[Entry]) -> Candidates:
    return tuple(sorted((entry for group in groups for entry in group), key=lambda e: e.index))


def first_segment(path: str) -> str:
    """`videos` for `/videos/12`."""
    return path[1:].partition("/")[0]


def second_segment(path: str) -> str | None:
    """`subscriptions` for `/u1/subscriptions/recent_videos/`; None for `/u1`."""
    parts = path[1:].split("/", 2)
    return parts[1] if len(parts) > 1 else None


def _literal_second_segment(path_format: str, convertors: Mapping[str, Any]) -> str | None:
    """`subscriptions` for `/{userid}/subscriptions/`: the second segment of every path the
    template matches, if its second segment is literal and no parameter can span segments (a
    `:path` one; the template no longer shows the type, its convertor does); else None."""
    second = second_segment(path_format)
    if second is None or "{" in second:
        return None
    if any(isinstance(convertor, PathConvertor) for convertor in convertors.values()):
        return None
    return second


def _literal_first_segment(path_format: str) -> str | None:
    """`videos` for `/videos/{video_id}`; None when the first segment holds a parameter."""
    segment = first_segment(path_format)
    return None if "{" in segment else segment


def _entry(index: int, ctx: RouteContext) -> Entry | None:
    route = ctx.original_route
    if isinstance(route, (APIWebSocketRoute, WebSocketRoute)):
        return None  # never matches an HTTP request
    if not isinstance(route, (APIRoute, Route)) or ctx.path_regex is None:
        return Entry(index, None, None)
    path_format = str(ctx.path_format)
    app, lean = handler_for(ctx) if isinstance(route, APIRoute) else (None, False)
    return Entry(
        index,
        frozenset(ctx.methods) if ctx.methods else None,
        route,
        endpoint=ctx.endpoint,
        static_path=None if ctx.param_convertors else path_format,
        segment=_literal_first_segment(path_format),
        second=_literal_second_segment(path_format, ctx.param_convertors),
        regex=ctx.path_regex,
        convertors=dict(ctx.param_convertors),
        app=app,
        lean=lean,
    )


def handler_for(ctx: RouteContext) -> tuple[ASGIApp, bool]:
    """The route's lean handler when its shape allows one (and True), else FastAPI's own
    handler for it, under the exit stack the app's `AsyncExitStackMiddleware` would give it."""
    full: ASGIApp = AsyncExitStackMiddleware(ctx.app)
    lean = lean_handler(ctx, full)
    return (full, False) if lean is None else (lean, True)


def lean_handler(ctx: RouteContext, full: ASGIApp) -> ASGIApp | None:
    """An ASGI app running the endpoint of `ctx` directly (or its `fast_path`), or None if its
    shape needs FastAPI's generic handler (see the module docstring)."""
    dependant = ctx.dependant
    call = dependant.call
    answer = getattr(call, _FAST_PATH, None)
    if answer is not None:
        return _fast_path_handler(ctx, answer, full)
    if not _lean_shape(ctx) or call is None:
        return None
    query_fields, path_fields = dependant.query_params, dependant.path_params
    read_query, read_path = params_reader(query_fields), params_reader(path_fields)
    request_name = dependant.request_param_name
    # Plain `str` path parameters are the matched text itself: FastAPI's validation would hand
    # back the same strings (it was ~10 % of the likes toggle's in-process time).
    path_as_is = all(_plain_str(field) for field in path_fields)

    async def lean(scope: Scope, receive: Receive, send: Send) -> None:
        values: dict[str, Any] = {}
        if query_fields:
            found, errors = read_query(QueryParams(scope["query_string"]))
            if errors:  # FastAPI's handler reports them in the dialect's format
                await full(scope, receive, send)
                return
            values.update(found)
        if path_as_is:
            values.update({field.name: scope["path_params"][field.name] for field in path_fields})
        elif path_fields:
            found, errors = read_path(scope["path_params"])
            if errors:
                await full(scope, receive, send)
                return
            values.update(found)
        if request_name is not None:
            values[request_name] = Request(scope, receive, send)
        response = await call(**values)
        if not isinstance(response, Response):
            raise TypeError(f"{call.__qualname__} is declared to return a Response")
        await _send_response(response, scope, receive, send)

    return lean


def _fast_path_handler(ctx: RouteContext, answer: FastPath, full: ASGIApp) -> ASGIApp:
    """The lean handler of an endpoint marked by `fast_path`."""
    if ctx.body_field is not None or ctx.dependant.body_params:
        raise TypeError(f"{ctx.dependant.call}: a fast path is for routes without a body")
    path_fields, query_fields = _tree_params(ctx.dependant)
    read_query, read_path = params_reader(query_fields), params_reader(path_fields)

    async def fast(scope: Scope, receive: Receive, send: Send) -> None:
        values, errors = read_path(scope["path_params"])
        if not errors:
            found, errors = read_query(QueryParams(scope["query_string"]))
            values.update(found)
        response = None if errors else await answer(Request(scope, receive, send), values)
        if response is None:
            await full(scope, receive, send)
            return
        await _send_response(response, scope, receive, send)

    return fast


def _tree_params(dependant: Dependant) -> tuple[list[ModelField], list[ModelField]]:
    """The path and the query parameters of a route and of its dependencies (the first
    declaration of each name: FastAPI validates a shared one the same way for each)."""
    path: dict[str, ModelField] = {}
    query: dict[str, ModelField] = {}
    stack = [dependant]
    while stack:
        current = stack.pop()
        for fields, found in ((current.path_params, path), (current.query_params, query)):
            for param in fields:
                found.setdefault(param.name, param)
        stack.extend(reversed(current.dependencies))
    return list(path.values()), list(query.values())


async def _send_response(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    """What `Response.__call__` sends for an HTTP request, without its coroutine."""
    if type(response).__call__ is not PLAIN_SEND:  # streams, files: their own way
        await response(scope, receive, send)
        return
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})
    if response.background is not None:
        await response.background()


ParamsReader = Callable[[Mapping[str, Any]], tuple[dict[str, Any], list[Any]]]


def params_reader(fields: Sequence[ModelField]) -> ParamsReader:
    """FastAPI's `request_params_to_args` for `fields`, with what it derives from the fields'
    annotations on every request (aliases, "is it a sequence", "is it JSON": a third of a token
    `GET /videos` page's Python time, bench/RESULTS.md) derived once, here.

    Only for plain fields: scalars, each under its one name, or a query model of such fields
    (extra keys ignored); any other shape keeps FastAPI's function. The values are validated by
    the same fields with the same locations, so values, defaults and errors are FastAPI's.
    """
    plans = [_plan(field) for field in fields]
    if any(plan is None for plan in plans):
        return lambda received: request_params_to_args(fields, received)
    steps = [plan for plan in plans if plan is not None]

    def read(received: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for param, names, loc in steps:
            if names is None:  # a scalar under its one name
                found = received.get(loc[1])
                value, param_errors = _validate_value_with_model_field(
                    field=param, value=Undefined if found is None else found, values=values, loc=loc
                )
            else:  # a model of scalars: the keys it has, the model ignores the rest
                given = {name: item for name in names if (item := received.get(name)) is not None}
                value, param_errors = _validate_value_with_model_field(
                    field=param, value=given, values={}, loc=loc
                )
            if param_errors:
                errors.extend(param_errors)
            else:
                values[param.name] = value
        return values, errors

    return read


Plan = tuple[ModelField, tuple[str, ...] | None, tuple[str, ...]]


def _plain_name(field: ModelField) -> str | None:
    """The one request key of a scalar field, or None if it has several or is not a scalar."""
    aliases = _get_param_aliases(field)
    if len(aliases) != 1 or aliases[0][0] != aliases[0][1] or _is_json_field(field):
        return None
    if field_annotation_is_sequence(field.field_info.annotation):
        return None
    return aliases[0][1]


def _plan(param: ModelField) -> Plan | None:
    where = getattr(param.field_info, "in_", None)
    if where is None:
        return None
    model = _get_param_model(param)
    if model is not None:
        names = _model_names(param, model)
        return None if names is None else (param, names, (where.value,))
    name = _plain_name(param)
    return None if name is None else (param, None, (where.value, name))


def _model_names(param: ModelField, model: type[BaseModel]) -> tuple[str, ...] | None:
    """The request keys of a query model of plain fields, each its field's name; or None."""
    if param.field_info.annotation is not model:
        return None
    if model.model_config.get("extra") in ("allow", "forbid"):
        return None
    names = []
    for inner in get_cached_model_fields(model):  # type: ignore[arg-type]  # classes hash
        name = _plain_name(inner)
        if name is None or name != inner.name:
            return None
        names.append(name)
    return tuple(names)


def _plain_str(field: Any) -> bool:
    """A parameter declared `name: str`, no alias, no constraints: any string is valid as is."""
    info = field.field_info
    return info.annotation is str and not info.metadata and field.alias == field.name


def _lean_shape(ctx: RouteContext) -> bool:
    dependant = ctx.dependant
    if dependant is None or dependant.call is None:
        return False
    if not inspect.iscoroutinefunction(dependant.call):
        return False
    if (
        dependant.dependencies
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or ctx.body_field is not None
        or ctx.max_body_size is not None
        or ctx.is_sse_stream
        or ctx.is_json_stream
    ):
        return False
    special = (
        dependant.websocket_param_name,
        dependant.http_connection_param_name,
        dependant.response_param_name,
        dependant.background_tasks_param_name,
        dependant.security_scopes_param_name,
    )
    if any(name is not None for name in special):
        return False
    returns = get_typed_return_annotation(dependant.call)
    return inspect.isclass(returns) and issubclass(returns, Response)


class TableRouter:
    """The innermost app of a dialect: the table's route, or FastAPI's router (`fallback`,
    under its exit stack) for everything the table leaves to it. A pass-through layer
    (getnative.web.dispatch)."""

    def __init__(self, router: Any, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback
        self.table = RouteTable.of(router.routes)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "http":
            found = self.table.lookup(scope["method"], get_route_path(scope))
            if found is not None:
                entry, params = found
                if entry.app is not None:
                    scope.setdefault("router", self.router)
                    scope["endpoint"] = entry.endpoint
                    scope["path_params"] = {**scope.get("path_params", {}), **params}
                    scope["route"] = entry.route
                    return entry.app(scope, receive, send)
        return self.fallback(scope, receive, send)


class DialectApp(FastAPI):
    """A dialect's FastAPI app, lean on every request (the routes and the OpenAPI document are
    FastAPI's own):

    - the innermost router is a `TableRouter`, built with the middleware stack on the first
      request (so routes added after the app was made are in the table);
    - FastAPI's native OpenTelemetry is off unless asked for: the server's metrics are its own
      (getnative.metrics), and the check whether OpenTelemetry is configured read the process
      environment on every request; with it off, and no app-wide body limit (the edge enforces
      the server's), FastAPI's telemetry and body-limit middlewares would only pass requests
      through, so the stack is Starlette's: errors, the app's middlewares, handled errors,
      routes, its two error middlewares folded into one (getnative.web.error_boundary).
    """

    def __init__(self, **options: Any) -> None:
        self._telemetry_off = options.setdefault("telemetry", TELEMETRY_OFF) == TELEMETRY_OFF
        self._lean_entry = False
        super().__init__(**options)

    def _plain(self) -> bool:
        """Nothing FastAPI's own entry or stack would add: no telemetry, root path, body limit."""
        return self._telemetry_off and not self.root_path and not self.max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.serve(scope, receive, send)

    def serve(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """The app as a pass-through layer (getnative.web.dispatch), which the server's dispatch
        calls; `__call__` stays `async def` for whoever serves or tests the app alone (servers
        and test clients tell ASGI 3 apps by it)."""
        stack = self.middleware_stack
        if stack is None:
            stack = self.middleware_stack = self.build_middleware_stack()
            self._lean_entry = self._plain()  # fixed once the app serves (as its stack)
        if self._lean_entry and scope["type"] == "http":
            scope["app"] = self
            return stack(scope, receive, send)
        return super().__call__(scope, receive, send)

    def build_middleware_stack(self) -> ASGIApp:
        if self._plain():
            # Errors (folded into one layer), the app's middlewares, handled errors, routes.
            stack = fold_error_layers(Starlette.build_middleware_stack(self))
            return _replace(
                stack, self.router, TableRouter(self.router, fallback=self._exit_stack())
            )
        stack = super().build_middleware_stack()
        for node in _chain(stack):
            if isinstance(node, AsyncExitStackMiddleware) and node.app is self.router:
                return _replace(stack, node, TableRouter(self.router, fallback=node))
        raise RuntimeError("FastAPI's middleware stack no longer ends in its exit stack")

    def _exit_stack(self) -> ASGIApp:
        """The router under the exit stack FastAPI's handlers expect (files of form uploads)."""
        return AsyncExitStackMiddleware(self.router)


def _chain(stack: ASGIApp) -> Iterator[Any]:
    node: Any = stack
    while node is not None:
        yield node
        node = getattr(node, "app", None)


def _replace(stack: ASGIApp, old: ASGIApp, new: ASGIApp) -> ASGIApp:
    """`stack` with the link to `old` (its innermost app) pointing to `new` instead."""
    for node in _chain(stack):
        if getattr(node, "app", None) is old:
            node.app = new
            return stack
    raise RuntimeError("the app is not in its middleware stack")
