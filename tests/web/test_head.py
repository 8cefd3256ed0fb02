"""GET routes of every dialect answer HEAD: the GET's status and headers, no body."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from getnative.db import Database
from tests.factories import make_video


@pytest.mark.parametrize("path", ["/categories", "/videos", "/ws/categories/", "/api/videos"])
def test_get_routes_answer_head(client: TestClient, db: Database, path: str) -> None:
    make_video(db)
    get = client.get(path)
    head = client.head(path)
    assert (head.status_code, get.status_code) == (200, 200)
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_of_an_unknown_route_is_the_dialects_404(client: TestClient) -> None:
    assert client.head("/no-such-thing").status_code == 404
    assert client.head("/ws/no-such-thing/x/y/").status_code == 404
