"""A dialect app's two error layers in one: handled errors and the 500 (`ErrorBoundary`).

Starlette wraps every app in `ServerErrorMiddleware` (an unexpected exception becomes the app's
500 handler's response, then is re-raised for the server) and `ExceptionMiddleware` (an exception
with a registered handler becomes that handler's response); each is a coroutine and a `send`
wrapper on every request, though requests rarely fail. `ErrorBoundary` does both with one wrapper,
from the same handler tables (taken from the middlewares Starlette built, so nothing is registered
twice), in the same order: a handled error's response, or, for anything else (a handler that
fails, a handled error after the response started), the 500 handler's, logged by it once.
"""

from __future__ import annotations

from typing import Any

from starlette._exception_handler import _lookup_exception_handler
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send

from getnative.web.middleware import RESPONSE_STARTED


class ErrorBoundary:
    """`server` and `handled` (Starlette's two error middlewares of one app) folded around
    `app`, which is what lay between them (the app's own middlewares, then its router).

    The app's middlewares now see a handled error as an exception passing through rather than
    as a response: the only one (Get Native's `AnonymousPageCache`) stores nothing but complete
    200s and lets an exception through, so its answers are the same.
    """

    def __init__(
        self, app: ASGIApp, *, server: ServerErrorMiddleware, handled: ExceptionMiddleware
    ) -> None:
        self.app = app
        self.server = server
        self.tables = (handled._exception_handlers, handled._status_handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["starlette.exception_handlers"] = self.tables  # FastAPI's route handlers use them
        if scope["type"] != "http":  # no dialect serves websockets; lifespan goes elsewhere
            await self.app(scope, receive, send)
            return
        # Below the edge, the edge knows whether the response started (one `send` wrapper less
        # on every request); else this layer watches `send` itself.
        started: list[bool] | None = scope.get(RESPONSE_STARTED)
        sender = send
        if started is None:
            started = [False]
            sender = _watching(send, started)
        try:
            await self.app(scope, receive, sender)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                await self._fail(scope, receive, send, exc, started=started[0])
                raise
            try:
                if started[0]:
                    message = "Caught handled exception, but response already started."
                    raise RuntimeError(message) from exc
                response = await _call(handler, Request(scope, receive, send), exc)
                if response is not None:
                    await response(scope, receive, sender)
            except Exception as failure:
                await self._fail(scope, receive, send, failure, started=started[0])
                raise

    def _handler_for(self, exc: Exception) -> ExceptionHandler | None:
        exception_handlers, status_handlers = self.tables
        handler = None
        if isinstance(exc, HTTPException):
            handler = status_handlers.get(exc.status_code)
        if handler is None:
            handler = _lookup_exception_handler(exception_handlers, exc)
        return handler

    async def _fail(
        self, scope: Scope, receive: Receive, send: Send, exc: Exception, *, started: bool
    ) -> None:
        """What `ServerErrorMiddleware` does before re-raising: the 500 handler's response."""
        request = Request(scope)
        handler = self.server.handler
        if handler is None:
            response: Any = self.server.error_response(request, exc)
        else:
            response = await _call(handler, request, exc)
        if not started:
            await response(scope, receive, send)


def _watching(send: Send, started: list[bool]) -> Send:
    """`send`, noting in `started` when the response starts."""

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            started[0] = True
        await send(message)

    return sender


async def _call(handler: Any, request: Request, exc: Exception) -> Response | None:
    """A handler as Starlette calls it: awaited if async, else in the thread pool."""
    if is_async_callable(handler):
        result: Response | None = await handler(request, exc)
    else:
        result = await run_in_threadpool(handler, request, exc)
    return result


def fold_error_layers(stack: ASGIApp) -> ASGIApp:
    """`stack` (Starlette's: server errors, the app's middlewares, handled errors, router) with
    its two error layers replaced by one `ErrorBoundary`; unchanged in debug mode (tracebacks)."""
    if not isinstance(stack, ServerErrorMiddleware) or stack.debug:
        return stack
    node: Any = stack
    while getattr(node, "app", None) is not None and not isinstance(node.app, ExceptionMiddleware):
        node = node.app
    handled = getattr(node, "app", None)
    if not isinstance(handled, ExceptionMiddleware):
        return stack
    node.app = handled.app  # the app's middlewares (if any) now lead to the router directly
    inner = stack.app
    return ErrorBoundary(inner, server=stack, handled=handled)
