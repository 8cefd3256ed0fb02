"""The learner's web page, served at `/app/` from files shipped inside the package.

Plain HTML, CSS and ES modules: nothing to build on the user's machine, and the page is a client
like any other (it only calls the public Get Native API, same origin). Routing happens in the
URL fragment (`/app/#/videos/12`), so a reset token in `#/reset?token=...` never reaches an access
log; a path under `/app/` that names no file still answers the page (index fallback), so a
bookmarked or mistyped address lands on the page instead of a bare 404.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"
MOUNT_PATH = "/app"

# Same origin only. Media (thumbnails, videos, speaker pictures) may live on a CDN or any https
# host the catalog names, so images and media may come from anywhere over https (and from here).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' https: data: blob:; media-src 'self' https: blob:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class PageFiles(StaticFiles):
    """Static files whose misses answer `index.html` (for paths without a file extension)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or "." in Path(path).name:
                raise
            return await super().get_response("index.html", scope)


class WebApp:
    """`PageFiles` plus the page's own headers (CSP, no caching of the shell)."""

    def __init__(self) -> None:
        self.files = PageFiles(directory=STATIC_DIR, html=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"referrer-policy", b"same-origin"),
                    (b"cache-control", b"no-cache"),
                ]
            await send(message)

        await self.files(scope, receive, send_with_headers)
