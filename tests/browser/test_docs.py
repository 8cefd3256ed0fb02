"""/docs of each dialect renders its operations in a real headless chromium, with no CDN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.chromium import rendered_dom
from tests.servers import serve, sqlite_env

pytestmark = pytest.mark.slow

# A path each dialect's document certainly has, as Swagger UI prints it in an operation.
DOCS = {"/docs": "/videos", "/ws/docs": "/login/", "/api/docs": "/videos/{video_id}/like"}


def test_each_dialect_docs_page_renders_its_operations_offline(
    tmp_path: Path, browser: Any
) -> None:
    env = sqlite_env(tmp_path)
    with serve([], env, tmp_path) as server:
        for page, operation in DOCS.items():
            dom = rendered_dom(browser, server.base_url + page, ready=".opblock-summary-path")
            assert "opblock-summary-path" in dom, f"{page} rendered no operation:\n{dom[:2000]}"
            assert operation in dom, page
            assert dom.count('class="opblock-summary-path"') >= 2, page
