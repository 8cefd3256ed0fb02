"""Review point 5: a video that exists only in private Rockpack channels is invisible to
strangers: the likes API neither lists nor likes it, and nobody but the owner can report it."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.config import Settings
from getnative.db import Database
from tests.factories import (
    make_channel,
    make_instance,
    make_user,
    make_video,
    make_youtube_video,
    rockpack_bearer,
)


def _videos(db: Database) -> tuple[int, int, int]:
    owner = make_user(db)
    private = make_channel(db, owner, public=False)
    public = make_channel(db, owner)
    hidden = make_youtube_video(db)
    shown = make_youtube_video(db)
    make_instance(db, private, hidden, 0)
    make_instance(db, public, shown, 0)
    make_instance(db, private, shown, 0)
    return hidden.id, shown.id, make_video(db).id


def test_the_likes_api_shows_and_likes_only_videos_a_stranger_may_see(
    client: TestClient, db: Database
) -> None:
    hidden, shown, catalog = _videos(db)
    listed = {int(video["id"]) for video in client.get("/api/videos").json()}
    assert listed == {shown, catalog}
    assert client.get(f"/api/videos/{hidden}/like").status_code == 404
    refused = client.post(f"/api/videos/{hidden}/like")
    assert refused.status_code == 404
    assert set(refused.json()) == {"error"}
    assert client.post(f"/api/videos/{shown}/like").json() == {"userLike": True}
    assert client.post(f"/api/videos/{catalog}/like").json() == {"userLike": True}


def test_private_only_videos_cannot_be_reported_by_others(
    client: TestClient, db: Database, settings: Settings
) -> None:
    hidden, shown, _ = _videos(db)
    stranger = make_user(db)
    path = f"/ws/{ids.encode(ids.USER, stranger.id)}/content_reports/"
    headers = rockpack_bearer(settings, stranger)

    def report(video_id: int) -> int:
        body = {"object_type": "video", "object_id": ids.encode(ids.VIDEO, video_id), "reason": "x"}
        return client.post(path, json=body, headers=headers).status_code

    assert report(hidden) == 400
    assert report(shown) == 204
