"""GET /videos: order, cursor, count, filters, search, cued_only and input validation."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.catalog import service as catalog
from getnative.config import Settings
from getnative.db import Database
from getnative.likes import service as likes
from tests.clients import ids_of
from tests.factories import (
    bearer,
    make_speaker,
    make_user,
    make_video,
    make_youtube_video,
    subcategory_ids,
)
from tests.statements import counting_statements


def make_videos(db: Database, n: int, **fields: Any) -> list[int]:
    return [make_video(db, **fields).id for _ in range(n)]


def test_summary_fields_for_anonymous_caller(client: TestClient, db: Database) -> None:
    speaker = make_speaker(db, name="Harold Ford", picture_url="https://x.example/h.jpg")
    video = make_video(
        db,
        speaker_id=speaker.id,
        description="Harold talks about cards.",
        length=68,
        loop_count=7156,
        loop_velocity=2.5,
        video_url="https://x.example/v.mp4",
        thumbnail_image_url="https://x.example/v.jpg",
    )

    response = client.get("/videos")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    record = body["records"][0]
    assert record["id"] == video.id
    assert record["description"] == "Harold talks about cards."
    assert record["lang"] == "en"
    assert record["speaker"]["name"] == "Harold Ford"
    assert record["speaker"]["id"] == speaker.id
    assert record["subcategory"]["id"] == video.subcategory_id
    assert isinstance(record["subcategory"]["name"], str)
    assert record["loop_count"] == 7156
    assert record["loop_velocity"] == 2.5
    assert record["length"] == 68
    assert record["video_url"] == "https://x.example/v.mp4"
    assert record["thumbnail_image_url"] == "https://x.example/v.jpg"
    assert record["picture_url"] == "https://x.example/v.jpg"
    assert record["like_count"] == 0
    assert record["cued"] is None
    assert record["liked"] is False  # as on the detail page (issue 12)
    # `Sat Dec 14 04:35:55 +0000 2015`
    assert record["created_at"].count(":") == 2
    assert "+0000" in record["created_at"]
    assert "x-gn-auth-token" not in response.headers


def test_summary_cued_and_liked_for_a_user(
    client: TestClient, db: Database, settings: Settings
) -> None:
    cued, liked, plain = make_videos(db, 3)
    user = make_user(db)
    with db.session() as session:
        catalog.cue(session, video_id=cued, user_id=user.id)
        likes.like(session, video_id=liked, user_id=user.id)

    response = client.get("/videos", headers=bearer(settings, user))

    assert response.status_code == 200
    assert response.headers["x-gn-auth-token"]
    by_id = {record["id"]: record for record in response.json()["records"]}
    assert (by_id[cued]["cued"], by_id[cued]["liked"]) == (True, False)
    assert (by_id[liked]["cued"], by_id[liked]["liked"]) == (False, True)
    assert by_id[liked]["like_count"] == 1
    assert (by_id[plain]["cued"], by_id[plain]["liked"]) == (False, False)


def test_newest_first_default_count_nine(client: TestClient, db: Database) -> None:
    created = make_videos(db, 11)
    body = client.get("/videos").json()
    assert ids_of(body) == sorted(created, reverse=True)[:9]


def test_count_and_inclusive_max_id_cursor(client: TestClient, db: Database) -> None:
    created = sorted(make_videos(db, 5), reverse=True)

    first = client.get("/videos", params={"count": 2}).json()
    assert ids_of(first) == created[:2]
    lowest = ids_of(first)[-1]
    more = client.get("/videos", params={"count": 2, "max_id": lowest}).json()
    assert ids_of(more) == created[1:3]  # max_id is inclusive
    rest = client.get("/videos", params={"count": 100, "max_id": created[2] - 1}).json()
    assert ids_of(rest) == created[3:]
    assert ids_of(client.get("/videos", params={"max_id": 0}).json()) == []
    assert ids_of(client.get("/videos", params={"max_id": 10**40}).json()) == created


def test_count_limits(client: TestClient, db: Database) -> None:
    make_videos(db, 2)
    assert client.get("/videos", params={"count": 1}).json()["count"] == 1
    assert client.get("/videos", params={"count": 100}).json()["count"] == 2
    out_of_range, not_integer = ("0", "101", "-1", "99999"), ("abc", "", "1.5", "9" * 200)
    for bad, code in [(v, 162) for v in out_of_range] + [(v, 160) for v in not_integer]:
        response = client.get("/videos", params={"count": bad})
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["code"] == code, bad


def test_language_filter_defaults_to_english(client: TestClient, db: Database) -> None:
    english = make_video(db, lang="en").id
    japanese = make_video(db, lang="ja").id
    assert ids_of(client.get("/videos").json()) == [english]
    assert ids_of(client.get("/videos", params={"lang": "ja"}).json()) == [japanese]
    assert ids_of(client.get("/videos", params={"lang": "fr"}).json()) == []
    assert client.get("/videos", params={"lang": "pt-BR"}).status_code == 200


# `EN` is accepted since issue 12 (tags are case-insensitive): see test_client_compat.py.
@pytest.mark.parametrize("lang", ["e", "english", "en_US", "", "en-", "12", "en--x"])
def test_malformed_language_is_400(client: TestClient, lang: str) -> None:
    response = client.get("/videos", params={"lang": lang})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 140


def test_subcategory_and_category_filters(client: TestClient, db: Database) -> None:
    cards, meetings = subcategory_ids(db, "Business", ["Business Cards", "Meetings"])
    (trains,) = subcategory_ids(db, "Transportation", ["Trains"])
    on_cards = make_video(db, subcategory_id=cards).id
    on_meetings = make_video(db, subcategory_id=meetings).id
    on_trains = make_video(db, subcategory_id=trains).id
    business, transportation = (
        record["id"] for record in client.get("/categories").json()["records"]
    )

    by_sub = client.get("/videos", params={"subcategory_id": cards}).json()
    assert ids_of(by_sub) == [on_cards]
    by_category = client.get("/videos", params={"category_id": business}).json()
    assert ids_of(by_category) == [on_meetings, on_cards]
    assert ids_of(client.get("/videos", params={"category_id": transportation}).json()) == [
        on_trains
    ]
    # category_id is ignored when subcategory_id is given
    both = client.get("/videos", params={"category_id": business, "subcategory_id": trains})
    assert ids_of(both.json()) == [on_trains]
    assert ids_of(client.get("/videos", params={"subcategory_id": 999_999}).json()) == []
    assert ids_of(client.get("/videos", params={"category_id": 10**40}).json()) == []
    for name in ("subcategory_id", "category_id", "max_id"):
        response = client.get("/videos", params={name: "x"})
        assert response.status_code == 400, name
        assert response.json()["errors"][0]["code"] == 160


def test_external_videos_never_listed(client: TestClient, db: Database) -> None:
    native = make_video(db, description="All about business.").id
    make_youtube_video(db, lang="en")
    assert ids_of(client.get("/videos").json()) == [native]
    assert ids_of(client.get("/videos", params={"q": "business"}).json()) == [native]


def test_search_matches_description_speaker_subcategory_and_transcript(
    client: TestClient, db: Database
) -> None:
    (sub,) = subcategory_ids(db, "Travel", ["Hotel Check-In"])
    speaker = make_speaker(db, name="Zebulon Quartz")
    by_description = make_video(db, description="A day at the seaside.").id
    by_speaker = make_video(db, speaker_id=speaker.id).id
    by_subcategory = make_video(db, subcategory_id=sub).id
    by_transcript = make_video(db, transcript="I usually take the tram downtown.").id

    def search(q: str, **params: Any) -> list[int]:
        response = client.get("/videos", params={"q": q, **params})
        assert response.status_code == 200, response.text
        return ids_of(response.json())

    assert search("seaside") == [by_description]
    assert search("zebulon") == [by_speaker]
    assert search("HOTEL") == [by_subcategory]
    assert search("tram") == [by_transcript]
    assert search("tram seaside") == []  # every term is required
    assert search("nothing-like-this") == []
    assert search("tram", lang="ja") == []
    assert search("   ") == sorted(
        [by_description, by_speaker, by_subcategory, by_transcript], reverse=True
    )  # a blank query is no query


def test_search_ranks_by_relevance_within_the_cursor(client: TestClient, db: Database) -> None:
    strong = make_video(
        db,
        description="Train, train, train: a video about the train.",
        transcript="I take the train. The train is fast. Trains and the train station.",
    ).id
    weak = make_video(
        db,
        description="A long walk through the city, with many shops, parks, cafes and people.",
        transcript="We walked for hours and hours, and at the very end we saw a train go by, "
        "then we had dinner and went home and slept for a long time after a long day.",
    ).id
    unrelated = make_video(db, description="Cooking rice.").id
    assert weak > strong > 0
    assert unrelated

    ranked = ids_of(client.get("/videos", params={"q": "train"}).json())
    assert ranked == [strong, weak]
    assert ids_of(client.get("/videos", params={"q": "train", "count": 1}).json()) == [strong]
    within = client.get("/videos", params={"q": "train", "max_id": strong}).json()
    assert ids_of(within) == [strong]


def test_search_query_length_limit(client: TestClient, db: Database) -> None:
    make_video(db)
    assert client.get("/videos", params={"q": "a" * 100}).status_code == 200
    response = client.get("/videos", params={"q": "a" * 101})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 104
    hostile = client.get("/videos", params={"q": "\"' OR 1=1; -- * NEAR( ) & | ! :"})
    assert hostile.status_code == 200
    assert hostile.json() == {"count": 0, "records": []}


def test_cued_only(client: TestClient, db: Database, settings: Settings) -> None:
    first, second, third = make_videos(db, 3)
    user, other = make_user(db), make_user(db)
    with db.session() as session:
        catalog.cue(session, video_id=first, user_id=user.id)
        catalog.cue(session, video_id=third, user_id=user.id)
        catalog.cue(session, video_id=second, user_id=other.id)

    response = client.get("/videos", params={"cued_only": "true"}, headers=bearer(settings, user))
    assert response.status_code == 200
    assert ids_of(response.json()) == [third, first]
    assert all(record["cued"] is True for record in response.json()["records"])
    not_only = client.get("/videos", params={"cued_only": "false"}, headers=bearer(settings, user))
    assert ids_of(not_only.json()) == [third, second, first]


def test_cued_only_needs_authentication(client: TestClient, db: Database) -> None:
    make_video(db)
    response = client.get("/videos", params={"cued_only": "true"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == 201
    assert client.get("/videos", params={"cued_only": "false"}).status_code == 200
    bad_token = client.get(
        "/videos", params={"cued_only": "true"}, headers={"Authorization": "Bearer nope"}
    )
    assert bad_token.status_code == 401


@pytest.mark.parametrize("value", ["yes", "1", "True", "", "on"])
def test_cued_only_accepts_only_true_or_false(client: TestClient, value: str) -> None:
    response = client.get("/videos", params={"cued_only": value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 161


def test_query_count_does_not_grow_with_the_page(
    client: TestClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_videos(db, 12)
    user = make_user(db)
    headers = bearer(settings, user)
    with counting_statements(monkeypatch) as small:
        assert client.get("/videos", params={"count": 2}, headers=headers).json()["count"] == 2
    with counting_statements(monkeypatch) as large:
        assert client.get("/videos", params={"count": 12}, headers=headers).json()["count"] == 12
    assert small, "the counter heard nothing: the comparison below would be vacuous"
    assert len(large) == len(small), (small, large)
    assert not any("count(" in statement.lower() for statement in large)
