"""POST /videos/:id/like, /unlike, /cue and /uncue."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.catalog.models import Video
from getnative.config import Settings
from getnative.db import Database
from tests.factories import bearer, cue_rows, make_user, make_video, make_youtube_video

ACTIONS = ["like", "unlike", "cue", "uncue"]


def like_count(db: Database, video_id: int) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(Video.like_count).where(Video.id == video_id)) or 0


def test_like_and_unlike_are_idempotent_and_counted(
    client: TestClient, db: Database, settings: Settings
) -> None:
    video = make_video(db)
    alice, bob = make_user(db), make_user(db)

    for _ in range(2):
        response = client.post(f"/videos/{video.id}/like", headers=bearer(settings, alice))
        assert response.status_code == 204
        assert response.content == b""
        assert response.headers["x-gn-auth-token"]
    assert like_count(db, video.id) == 1
    assert client.post(f"/videos/{video.id}/like", headers=bearer(settings, bob)).status_code == 204
    assert like_count(db, video.id) == 2
    detail = client.get(f"/videos/{video.id}", headers=bearer(settings, alice)).json()
    assert (detail["liked"], detail["like_count"]) == (True, 2)

    for _ in range(2):
        response = client.post(f"/videos/{video.id}/unlike", headers=bearer(settings, alice))
        assert response.status_code == 204
    assert like_count(db, video.id) == 1
    detail = client.get(f"/videos/{video.id}", headers=bearer(settings, alice)).json()
    assert (detail["liked"], detail["like_count"]) == (False, 1)


def test_cue_and_uncue_are_idempotent(client: TestClient, db: Database, settings: Settings) -> None:
    video = make_video(db)
    user = make_user(db)
    headers = bearer(settings, user)

    for _ in range(2):
        assert client.post(f"/videos/{video.id}/cue", headers=headers).status_code == 204
    assert cue_rows(db, user.id) == [video.id]
    assert client.get(f"/videos/{video.id}", headers=headers).json()["cued"] is True

    for _ in range(2):
        assert client.post(f"/videos/{video.id}/uncue", headers=headers).status_code == 204
    assert cue_rows(db, user.id) == []
    assert client.get(f"/videos/{video.id}", headers=headers).json()["cued"] is False


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_need_authentication(client: TestClient, db: Database, action: str) -> None:
    video = make_video(db)
    response = client.post(f"/videos/{video.id}/{action}")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == 201
    garbage = client.post(
        f"/videos/{video.id}/{action}", headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert garbage.status_code == 401
    assert like_count(db, video.id) == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_on_unknown_videos_are_404(
    client: TestClient, db: Database, settings: Settings, action: str
) -> None:
    video = make_video(db)
    external = make_youtube_video(db)
    headers = bearer(settings, make_user(db))
    for unknown in (video.id + 1000, 0, 2**31, 10**40, external.id):
        response = client.post(f"/videos/{unknown}/{action}", headers=headers)
        assert response.status_code == 404, (action, unknown)
        assert response.json()["errors"][0]["code"] == 301
    assert like_count(db, external.id) == 0


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_on_malformed_ids_are_400(
    client: TestClient, db: Database, settings: Settings, action: str
) -> None:
    headers = bearer(settings, make_user(db))
    for malformed in ("abc", "1.5", "-"):
        response = client.post(f"/videos/{malformed}/{action}", headers=headers)
        assert response.status_code == 400, (action, malformed)
        assert response.json()["errors"][0]["code"] == 163


def test_get_on_action_route_is_not_a_500(client: TestClient, db: Database) -> None:
    video = make_video(db)
    response = client.get(f"/videos/{video.id}/like")
    assert response.status_code in (404, 405)
    assert "errors" in response.json()
