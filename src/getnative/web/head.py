"""HEAD is answered as GET without a body (RFC 9110 9.3.2), for every dialect at once.

FastAPI routes declared with GET refuse HEAD with 405, which breaks link checkers, monitors and
caches that probe with HEAD. Rather than doubling every route (and every OpenAPI operation), the
request is run as a GET and its body dropped; status and headers, `Content-Length` included, are
those of the GET. The edge (getnative.web.middleware) does it in its own pass; the middleware
class remains for apps served without the edge.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send(message)

    return send_headers_only


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        await self.app({**scope, "method": "GET"}, receive, without_body(send))
