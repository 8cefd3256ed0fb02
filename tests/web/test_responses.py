"""`FastJSONResponse`'s short path gives what Starlette's generic `Response` path gives."""

from __future__ import annotations

from typing import Any

import pytest

from getnative.web.responses import FastJSONResponse


@pytest.mark.parametrize("status", [200, 201, 204, 304, 404])
@pytest.mark.parametrize("content", [{"a": [1, "é"]}, [], None])
def test_the_short_path_is_the_generic_one(status: int, content: Any) -> None:
    short = FastJSONResponse(content, status_code=status)
    generic = FastJSONResponse(content, status_code=status, headers={})  # Starlette's path
    assert (short.status_code, short.body, short.raw_headers, short.background) == (
        generic.status_code,
        generic.body,
        generic.raw_headers,
        generic.background,
    )
