"""Review point 13: a trailing newline never passes a pattern (every check is a fullmatch)."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.clients import channel_path
from tests.factories import make_channel, make_user, rockpack_bearer


def test_youtube_id_with_a_trailing_newline_is_refused(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    response = client.put(
        channel_path(owner, channel, "videos/"),
        json=[["youtube", "abcdefghijk\n"]],
        headers=rockpack_bearer(settings, owner),
    )
    assert response.status_code == 400


def test_language_filters_with_a_trailing_newline_are_refused(client: TestClient) -> None:
    assert client.get("/videos?lang=en").status_code == 200
    assert client.get("/videos?lang=en%0A").status_code == 400
