"""The JSON response of the hot reads: the renderer's dict serialised once by orjson.

FastAPI would otherwise validate the returned dict against the declared response model and encode
it again; the renderers already build exactly the declared shape (a TypedDict), so the hot routes
declare the model for the OpenAPI document and return this response, which FastAPI passes
through untouched.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class FastJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
