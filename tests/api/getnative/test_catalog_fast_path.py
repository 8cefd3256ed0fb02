"""The fast reads (`GET /videos`, `GET /videos/:id` on the async driver, Core rows) answer
exactly what the ORM renderers answer, and keep the one token rule of every Get Native route."""

from __future__ import annotations

import orjson
import pytest
from starlette.testclient import TestClient

from getnative.accounts import service as accounts
from getnative.accounts.models import User
from getnative.api.getnative.params import VideoListArgs, video_query
from getnative.api.getnative.render import (
    load_video_for_detail,
    record_list,
    render_video_detail,
    render_video_summaries,
)
from getnative.catalog import service as catalog
from getnative.config import Settings
from getnative.db import Database
from getnative.likes import service as likes
from tests.factories import (
    bearer,
    import_demo,
    make_speaker,
    make_subcategory,
    make_user,
    make_video,
)


def _orm_detail(db: Database, video_id: int, user_id: int | None) -> object:
    with db.session(write=False) as session:
        user = session.get(User, user_id) if user_id else None
        video = load_video_for_detail(session, video_id)
        assert video is not None
        return orjson.loads(orjson.dumps(render_video_detail(session, video, user)))


def _orm_page(db: Database, user_id: int | None, **raw: str) -> object:
    with db.session(write=False) as session:
        user = session.get(User, user_id) if user_id else None
        query = video_query(VideoListArgs(**raw))
        videos = catalog.list_videos(session, query, user_id=user_id)
        records = render_video_summaries(session, videos, user)
        return orjson.loads(orjson.dumps(record_list(records)))


def test_detail_and_list_pages_equal_the_orm_rendering(
    client: TestClient, db: Database, settings: Settings
) -> None:
    import_demo(db)
    user = make_user(db)
    # The ids come from the ORM, not from an anonymous GET: that would fill the page cache,
    # whose like_count may lag the likes below by up to a second (by design), and the
    # comparison further down is about rendering, not about the cache.
    page = _orm_page(db, None, count="100")
    assert isinstance(page, dict)
    video_ids = [record["id"] for record in page["records"]]
    assert len(video_ids) >= 3
    with db.session() as session:
        for video_id in video_ids[:2]:
            likes.like(session, video_id=video_id, user_id=user.id)
        catalog.cue(session, video_id=video_ids[1], user_id=user.id)
        catalog.cue(session, video_id=video_ids[2], user_id=user.id)

    for video_id in video_ids:
        assert client.get(f"/videos/{video_id}").json() == _orm_detail(db, video_id, None)
        signed_in = client.get(f"/videos/{video_id}", headers=bearer(settings, user)).json()
        assert signed_in == _orm_detail(db, video_id, user.id)
    for params in ({"count": "100"}, {"count": "2", "max_id": str(video_ids[1])}):
        assert client.get("/videos", params=params).json() == _orm_page(db, None, **params)
        signed_in = client.get("/videos", params=params, headers=bearer(settings, user)).json()
        assert signed_in == _orm_page(db, user.id, **params)


def test_related_videos_of_a_full_and_of_a_short_subcategory_equal_the_orm_rendering(
    client: TestClient, db: Database, settings: Settings
) -> None:
    """The speaker's videos fill the related list only when the subcategory gave fewer than
    six (the fast statement skips the speaker walk otherwise): a full subcategory shows none
    of the speaker's other videos; a short one is filled from the speaker, without repeating a
    video that is both (bug guard for the skipped walk)."""
    user = make_user(db)
    speaker = make_speaker(db)
    full, short = (make_subcategory(db).id for _ in range(2))
    by_speaker = [make_video(db, speaker_id=speaker.id) for _ in range(3)]
    in_full = [make_video(db, subcategory_id=full) for _ in range(6)]
    both = make_video(db, subcategory_id=short, speaker_id=speaker.id)
    in_short = [make_video(db, subcategory_id=short) for _ in range(3)]
    of_full = make_video(db, subcategory_id=full, speaker_id=speaker.id)
    of_short = make_video(db, subcategory_id=short, speaker_id=speaker.id)

    def related(video_id: int) -> list[int]:
        body = client.get(f"/videos/{video_id}").json()
        assert body == _orm_detail(db, video_id, None)
        signed_in = client.get(f"/videos/{video_id}", headers=bearer(settings, user)).json()
        assert signed_in == _orm_detail(db, video_id, user.id)
        return [record["id"] for record in body["related_videos"]["records"]]

    newest_first = sorted
    assert related(of_full.id) == newest_first([v.id for v in in_full], reverse=True)
    from_short = newest_first([v.id for v in [both, *in_short]], reverse=True)
    from_speaker = newest_first([of_full.id, *(v.id for v in by_speaker)], reverse=True)
    assert related(of_short.id) == [*from_short, *from_speaker][:6]


def test_search_pages_equal_the_orm_rendering(
    client: TestClient, db: Database, settings: Settings
) -> None:
    """The async search page (`catalog.search_page`) finds, orders and renders what the ORM
    search of `catalog.service.list_videos` does, for the anonymous and for a member."""
    import_demo(db)
    user = make_user(db)
    found = _orm_page(db, None, q="business", count="100")
    assert isinstance(found, dict)
    video_ids = [record["id"] for record in found["records"]]
    assert len(video_ids) >= 2
    with db.session() as session:
        likes.like(session, video_id=video_ids[0], user_id=user.id)
        catalog.cue(session, video_id=video_ids[1], user_id=user.id)
    searches = [
        {"q": "business", "count": "100"},
        {"q": "business cards"},
        {"q": '"business cards"', "count": "1"},
        {"q": "business", "count": "2", "max_id": str(video_ids[1])},
        {"q": "business", "cued_only": "true"},
        {"q": "!!!"},  # no searchable term: nothing
    ]
    for params in searches:
        for user_id in (None, user.id):
            headers = bearer(settings, user) if user_id else {}
            response = client.get("/videos", params=params, headers=headers)
            if params.get("cued_only") and not user_id:
                assert response.status_code == 401
                continue
            served = response.json()
            for record in served["records"]:
                assert isinstance(record.pop("matches"), list)
            assert served == _orm_page(db, user_id, **params), (params, user_id)


def _revoke(db: Database, user: User, how: str) -> None:
    with db.session() as session:
        loaded = session.get(User, user.id)
        assert loaded is not None
        if how == "deactivated":
            accounts.deactivate(session, loaded)
        else:
            accounts.revoke_tokens(session, loaded)


@pytest.mark.parametrize("how", ["revoked", "deactivated"])
def test_a_revoked_token_is_a_401_on_every_public_answer(
    client: TestClient, db: Database, settings: Settings, how: str
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    video = make_video(db, speaker_id=make_speaker(db).id)
    _revoke(db, user, how)
    paths = [
        "/categories",
        f"/speakers/{video.speaker_id}",
        "/videos",
        "/videos?count=5&cued_only=true",
        "/videos?lang=xx-not-a-catalog-language",  # an empty page
        "/videos?count=0",  # a 400 without the token
        "/videos?q=business",  # the search path
        f"/videos/{video.id}",
        "/videos/999999999",  # a 404 without the token
        "/videos/not-an-id",  # a 400 without the token
        "/clips?q=business",
    ]
    for path in paths:
        response = client.get(path, headers=headers)

        assert response.status_code == 401, path
        assert response.json()["errors"][0]["code"] == 205, path
        assert "x-gn-auth-token" not in response.headers, path


def test_a_valid_token_slides_on_error_answers_of_the_fast_routes(
    client: TestClient, db: Database, settings: Settings
) -> None:
    headers = bearer(settings, make_user(db))
    for path, status in [
        ("/videos?count=0", 400),
        ("/videos/999999999", 404),
        ("/videos/not-an-id", 400),
        ("/videos?lang=xx-not-a-catalog-language", 200),
    ]:
        response = client.get(path, headers=headers)

        assert response.status_code == status, path
        assert response.headers["x-gn-auth-token"], path
