"""The foundation: migrations, search index, like counter and the shared middleware."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.catalog.models import Video
from getnative.catalog.search import apply_search
from getnative.db import Database
from getnative.likes import service as likes
from tests.factories import make_user, make_video


def search_ids(db: Database, q: str) -> list[int]:
    with db.session(write=False) as session:
        return list(session.scalars(apply_search(session, select(Video.id), q)))


def test_search_matches_words_and_cjk_substrings(db: Database) -> None:
    english = make_video(db, transcript="We exchanged business cards after the meeting.")
    japanese = make_video(db, lang="ja", transcript="会議のあとで名刺を交換しました。")
    assert search_ids(db, "business") == [english.id]
    assert search_ids(db, "BUSINESS cards") == [english.id]
    assert search_ids(db, "名刺") == [japanese.id]
    assert search_ids(db, "刺名") == []
    assert search_ids(db, '"; DROP TABLE videos; --') == []
    assert search_ids(db, "!!!") == []


def test_like_counter_follows_rows(db: Database) -> None:
    video = make_video(db)
    user = make_user(db)
    with db.session() as session:
        assert likes.toggle(session, video_id=video.id, user_id=user.id) is True
        assert likes.like(session, video_id=video.id, user_id=user.id) is False
    with db.session() as session:
        assert session.get(Video, video.id).like_count == 1  # type: ignore[union-attr]
        assert likes.toggle(session, video_id=video.id, user_id=user.id) is False
        assert likes.unlike(session, video_id=video.id, user_id=user.id) is False
    with db.session() as session:
        assert session.get(Video, video.id).like_count == 0  # type: ignore[union-attr]


def test_unknown_route_is_a_getnative_404_with_security_headers(client: TestClient) -> None:
    response = client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 304
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-xss-protection"] == "1; mode=block"
    assert response.headers["server"] == "api.get-native.com"
    assert "max-age=31536000" in response.headers["strict-transport-security"]


def test_cors_allows_configured_origin_and_exposes_auth_headers(client: TestClient) -> None:
    response = client.get("/no-such-thing", headers={"Origin": "https://get-native.com"})
    assert response.headers["access-control-allow-origin"] == "https://get-native.com"
    assert "X-GN-Auth-Token" in response.headers["access-control-expose-headers"]
    other = client.get("/no-such-thing", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
