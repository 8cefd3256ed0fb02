"""The JSON response of the hot reads: the renderer's dict serialised once by orjson.

FastAPI would otherwise validate the returned dict against the declared response model and encode
it again; the renderers already build exactly the declared shape (a TypedDict), so the hot routes
declare the model for the OpenAPI document and return this response, which FastAPI passes
through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.background import BackgroundTask
from starlette.responses import Response

_JSON = b"application/json"


class FastJSONResponse(Response):
    """The common case (a 200 with no headers, media type or background task of its own) sets
    the body and the two headers Starlette's `init_headers` would, in its order, without the
    generic path (bench/RESULTS.md, "edge3")."""

    media_type = "application/json"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        if headers is not None or media_type is not None or background is not None:
            super().__init__(content, status_code, headers, media_type, background)
            return
        self.status_code = status_code
        self.background = None
        body = self.body = orjson.dumps(content)
        self.raw_headers = [(b"content-length", b"%d" % len(body)), (b"content-type", _JSON)]
        if status_code < 200 or status_code in (204, 304):
            del self.raw_headers[0]

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
