"""Review point 13: a trailing newline never passes a pattern (every check is a fullmatch)."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.factories import bearer, make_user
from tests.rockpack_channels.helpers import channel_path, make_channel


def test_youtube_id_with_a_trailing_newline_is_refused(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    response = client.put(
        channel_path(owner, channel, "videos/"),
        json=[["youtube", "abcdefghijk\n"]],
        headers=bearer(settings, owner, audience="rockpack"),
    )
    assert response.status_code == 400


def test_language_filters_with_a_trailing_newline_are_refused(client: TestClient) -> None:
    assert client.get("/videos?lang=en").status_code == 200
    assert client.get("/videos?lang=en%0A").status_code == 400
