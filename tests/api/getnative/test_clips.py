"""Moments: timed cues kept by the importer, `cues` on GET /videos/:id, `matches` on
GET /videos?q=, and GET /clips (phrases, Japanese substrings, paging, errors, external videos)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.accounts import service as accounts
from getnative.accounts.models import User
from getnative.catalog.importer import CatalogImportError, import_file
from getnative.catalog.models import Transcript, TranscriptCue, Video
from getnative.catalog.search import normalize, word_pairs
from getnative.config import Settings
from getnative.db import Database
from getnative.likes import service as likes
from tests.clients import ids_of
from tests.factories import bearer, import_demo, make_user, make_youtube_video, video_id_by_key

SRT = """1
00:00:01,000 --> 00:00:04,500
Hey there, I'm Harold, and today I talk about business cards.

2
00:00:04,500 --> 00:00:09,000
Cards for business are small.

3
00:00:09,000 --> 00:00:12,250
We exchange business cards early on.
"""

VTT = """WEBVTT

00:02.000 --> 00:05.000 align:start
<v Sarah>Good morning</v> by the coffee machine.

00:00.500 --> 00:02.000
Hi everyone.
"""

JA_SRT = """1
00:00:00,000 --> 00:00:03,000
こんにちは、田中です。

2
00:00:03,000 --> 00:00:07,500
名刺を両手で渡します。
"""


def video(key: str, lang: str = "en", **transcript: Any) -> dict[str, Any]:
    return {
        "key": key,
        "speaker": "s1",
        "subcategory": "Sub",
        "lang": lang,
        "description": f"The {key} video.",
        "transcripts": [{"lang": lang, **transcript}],
    }


def import_videos(db: Database, tmp_path: Path, *videos: dict[str, Any]) -> None:
    data = {
        "categories": [{"name": "Cat", "subcategories": ["Sub"]}],
        "speakers": [{"key": "s1", "name": "Speaker One"}],
        "videos": list(videos),
    }
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    import_file(db, path, progress=False)


def clips(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/clips", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["records"])
    records: list[dict[str, Any]] = body["records"]
    return records


def texts(records: list[dict[str, Any]]) -> list[str]:
    return [record["text"] for record in records]


# --- import keeps timing; GET /videos/:id ------------------------------------------------------


def test_srt_vtt_and_the_timed_form_keep_their_cues(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    timed = [
        {"start": 1.5, "end": "00:00:03.250", "text": "First line."},
        {"start": "00:00.000", "end": 1.5, "text": "Zeroth line."},
    ]
    import_videos(
        db,
        tmp_path,
        video("a", srt=SRT),
        video("b", vtt=VTT),
        video("c", cues=timed),
        video("d", text="Untimed text."),
    )

    def transcript(key: str) -> dict[str, Any]:
        response = client.get(f"/videos/{video_id_by_key(db, key)}")
        assert response.status_code == 200
        first: dict[str, Any] = response.json()["transcripts"]["records"][0]
        return first

    harold = transcript("a")
    assert harold["cues"][0] == {
        "start_ms": 1000,
        "end_ms": 4500,
        "text": "Hey there, I'm Harold, and today I talk about business cards.",
    }
    assert [cue["end_ms"] for cue in harold["cues"]] == [4500, 9000, 12250]
    assert harold["text"].startswith("Hey there, I'm Harold")  # the plain text is unchanged
    sarah = transcript("b")
    assert sarah["cues"] == [
        {"start_ms": 500, "end_ms": 2000, "text": "Hi everyone."},
        {"start_ms": 2000, "end_ms": 5000, "text": "Good morning by the coffee machine."},
    ]  # in time order, markup removed
    assert transcript("c")["cues"] == [
        {"start_ms": 0, "end_ms": 1500, "text": "Zeroth line."},
        {"start_ms": 1500, "end_ms": 3250, "text": "First line."},
    ]
    assert transcript("c")["text"] == "First line. Zeroth line."  # as written in the file
    assert transcript("d")["cues"] == []


def test_reimport_replaces_the_cues_and_their_index(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))
    assert clips(client, q="harold")
    import_videos(db, tmp_path, video("a", cues=[{"start": 0, "end": 1, "text": "Only pears."}]))

    assert clips(client, q="harold") == []
    assert texts(clips(client, q="pears")) == ["Only pears."]
    with db.session(write=False) as session:
        assert len(session.scalars(select(TranscriptCue)).all()) == 1


def test_deleting_a_video_deletes_its_cues(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))
    with db.session() as session:
        session.delete(session.scalars(select(Video)).one())

    assert clips(client, q="harold") == []
    with db.session(write=False) as session:
        assert session.scalars(select(TranscriptCue)).all() == []


# --- GET /clips --------------------------------------------------------------------------------


def test_a_clip_lands_on_the_moment_with_the_video_summary(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))

    [clip] = clips(client, q="harold", lang="en")

    assert set(clip) == {"id", "video", "start_ms", "end_ms", "text"}
    assert (clip["start_ms"], clip["end_ms"]) == (1000, 4500)
    assert clip["text"] == "Hey there, I'm Harold, and today I talk about business cards."
    listed = client.get("/videos", params={"lang": "en"}).json()["records"][0]
    assert clip["video"] == listed


def test_all_words_are_required_in_one_cue_in_any_order(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))

    assert len(clips(client, q="cards business")) == 3
    assert texts(clips(client, q="business small")) == ["Cards for business are small."]
    assert clips(client, q="harold exchange") == []  # the words are in two different cues


def test_a_quoted_query_is_an_exact_phrase(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))

    found = clips(client, q='"business cards"')

    assert sorted(texts(found)) == [
        "Hey there, I'm Harold, and today I talk about business cards.",
        "We exchange business cards early on.",
    ]
    assert texts(clips(client, q='"exchange business" early')) == [
        "We exchange business cards early on."
    ]
    assert clips(client, q='"cards business"') == []


def test_japanese_matches_substrings_within_its_language(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    import_videos(db, tmp_path, video("ja", lang="ja", srt=JA_SRT), video("en", srt=SRT))

    [clip] = clips(client, q="名刺", lang="ja")

    assert clip["text"] == "名刺を両手で渡します。"
    assert (clip["start_ms"], clip["end_ms"]) == (3000, 7500)
    assert texts(clips(client, q="両手", lang="ja")) == ["名刺を両手で渡します。"]
    assert clips(client, q="刺名", lang="ja") == []  # characters in order, adjacent
    assert clips(client, q="名刺", lang="en") == []
    assert clips(client, q="harold", lang="ja") == []


def test_best_matches_come_first(client: TestClient, db: Database, tmp_path: Path) -> None:
    cues = [
        {"start": 0, "end": 1, "text": "A train, then talk about other things."},
        {"start": 1, "end": 2, "text": "Train after train after train."},
        {"start": 2, "end": 3, "text": "Nothing to see."},
    ]
    import_videos(db, tmp_path, video("a", cues=cues))

    assert texts(clips(client, q="train")) == [
        "Train after train after train.",
        "A train, then talk about other things.",
    ]


def test_count_and_max_id_page_through_the_clips(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    cues = [{"start": i, "end": i + 1, "text": f"Line {i} about coffee."} for i in range(5)]
    import_videos(db, tmp_path, video("a", cues=cues))

    assert len(clips(client, q="coffee")) == 5
    first = clips(client, q="coffee", count=2)
    assert len(first) == 2
    seen = {clip["id"] for clip in first}
    cursor = min(seen) - 1
    rest = clips(client, q="coffee", max_id=cursor)
    assert all(clip["id"] <= cursor for clip in rest)
    assert seen.isdisjoint(clip["id"] for clip in rest)
    assert len(seen) + len(rest) == 5


def test_external_videos_are_not_part_of_it(client: TestClient, db: Database) -> None:
    external = make_youtube_video(db)
    with db.session() as session:
        text = "business cards on youtube"
        session.add(
            TranscriptCue(
                transcript_id=_transcript_of(session, external.id),
                video_id=external.id,
                start_ms=0,
                end_ms=1000,
                text=text,
                search_text=normalize(text),
                search_pairs=word_pairs(text),
            )
        )

    assert clips(client, q="youtube") == []


def _transcript_of(session: Any, video_id: int) -> int:
    transcript = Transcript(video_id=video_id, lang="en", text="x")
    session.add(transcript)
    session.flush()
    return transcript.id


def test_cued_and_liked_are_resolved_for_the_caller(
    client: TestClient, db: Database, settings: Settings, tmp_path: Path
) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))
    user = make_user(db)
    video_id = video_id_by_key(db, "a")
    with db.session() as session:
        likes.like(session, video_id=video_id, user_id=user.id)

    anonymous = clips(client, q="harold")[0]["video"]
    response = client.get("/clips", params={"q": "harold"}, headers=bearer(settings, user))
    mine = response.json()["records"][0]["video"]

    # The same summary as /videos: anonymous `liked` is false, `cued` null.
    assert (anonymous["liked"], anonymous["cued"]) == (False, None)
    assert (mine["liked"], mine["cued"]) == (True, False)


@pytest.mark.parametrize(
    "params",
    [{"q": "harold"}, {"q": "nowhere"}, {"q": "harold", "count": "0"}],
    ids=["a page", "an empty page", "a 400"],
)
def test_the_token_is_checked_in_the_page_query_and_slides(
    client: TestClient, db: Database, settings: Settings, tmp_path: Path, params: dict[str, str]
) -> None:
    """As on /videos: a current token slides, a revoked one is a 401 whatever the answer."""
    import_videos(db, tmp_path, video("a", srt=SRT))
    user = make_user(db)
    headers = bearer(settings, user)

    assert client.get("/clips", params=params, headers=headers).headers["x-gn-auth-token"]

    with db.session() as session:
        loaded = session.get(User, user.id)
        assert loaded is not None
        accounts.revoke_tokens(session, loaded)
    response = client.get("/clips", params=params, headers=headers)

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == 205
    assert "x-gn-auth-token" not in response.headers


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, 102),
        ({"q": "   "}, 102),
        ({"q": "x" * 101}, 104),
        ({"q": "cards", "lang": "EN!"}, 140),
        ({"q": "cards", "count": "ten"}, 160),
        ({"q": "cards", "count": "0"}, 162),
        ({"q": "cards", "count": "101"}, 162),
        ({"q": "cards", "max_id": "1.5"}, 160),
    ],
)
def test_bad_input_gets_the_errors_of_videos(
    client: TestClient, params: dict[str, str], code: int
) -> None:
    response = client.get("/clips", params=params)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code


@pytest.mark.parametrize("q", ["!!!", '"', '""', "AND OR NOT", "* ^ : -", "NEAR(a b)"])
def test_operators_and_punctuation_are_never_interpreted(
    client: TestClient, db: Database, tmp_path: Path, q: str
) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))

    response = client.get("/clips", params={"q": q})

    assert response.status_code == 200
    assert isinstance(response.json()["records"], list)


def test_huge_cursor_and_count_limits(client: TestClient, db: Database, tmp_path: Path) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))

    assert len(clips(client, q="business", max_id="9" * 30, count=100)) == 3
    assert clips(client, q="business", max_id="-5") == []


# --- matches on GET /videos?q= -----------------------------------------------------------------


def test_searched_videos_carry_up_to_three_matching_cues_in_time_order(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    cues = [{"start": 9 - i, "end": 10 - i, "text": f"Coffee number {9 - i}."} for i in range(5)]
    import_videos(db, tmp_path, video("a", cues=cues), video("b", srt=SRT))

    response = client.get("/videos", params={"q": "coffee"})

    [record] = response.json()["records"]
    assert record["matches"] == [
        {"start_ms": 5000, "end_ms": 6000, "text": "Coffee number 5."},
        {"start_ms": 6000, "end_ms": 7000, "text": "Coffee number 6."},
        {"start_ms": 7000, "end_ms": 8000, "text": "Coffee number 7."},
    ]
    quoted = client.get("/videos", params={"q": '"business cards"'}).json()["records"]
    assert [m["start_ms"] for m in quoted[0]["matches"]] == [1000, 9000]


def test_matches_are_empty_when_only_the_description_matched(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))

    searched = client.get("/videos", params={"q": "video"}).json()["records"]  # "The a video."
    listed = client.get("/videos").json()["records"]

    assert searched[0]["matches"] == []
    assert "matches" not in listed[0]  # only a search has matches


# --- the demo catalog --------------------------------------------------------------------------


def test_the_demo_lands_on_business_cards(client: TestClient, db: Database) -> None:
    import_demo(db)

    found = clips(client, lang="en", q='"business cards"')

    assert found, "the README's example must find a moment"
    assert all("business cards" in clip["text"].lower() for clip in found)
    assert all(clip["end_ms"] > clip["start_ms"] for clip in found)
    assert clips(client, lang="ja", q="名刺")


def test_every_demo_video_has_timed_cues(db: Database) -> None:
    import_demo(db)
    with db.session(write=False) as session:
        videos = set(session.scalars(select(Video.id)))
        timed = set(session.scalars(select(TranscriptCue.video_id)))

    assert videos
    assert videos == timed


def test_clips_is_in_the_served_openapi(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    operation = document["paths"]["/clips"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "lang", "count", "max_id"}
    assert "400" in operation["responses"]


def test_ids_of_clips_are_cue_ids(client: TestClient, db: Database, tmp_path: Path) -> None:
    import_videos(db, tmp_path, video("a", srt=SRT))
    with db.session(write=False) as session:
        cue_ids = set(session.scalars(select(TranscriptCue.id)))

    assert set(ids_of({"count": 3, "records": clips(client, q="business")})) == cue_ids


@pytest.mark.parametrize(
    ("transcript", "message"),
    [
        ({"cues": [{"start": 2, "end": 1, "text": "x"}]}, "cannot end before it starts"),
        ({"cues": [{"start": "two", "end": 3, "text": "x"}]}, "is not a time"),
        ({"cues": [{"start": -1, "end": 3, "text": "x"}]}, "greater than or equal to 0"),
        ({"cues": [{"start": True, "end": 3, "text": "x"}]}, "not true/false"),
        ({"cues": [{"start": 0, "end": 90_000, "text": "x"}]}, "less than or equal to"),
        ({"cues": [{"start": 0, "end": 1, "text": " "}]}, "at least 1 character"),
        ({"cues": [{"start": 0, "end": 1}]}, "text"),
        ({"cues": []}, "the transcript is empty"),
        ({"cues": [{"start": 0, "end": 1, "text": "x"}], "text": "x"}, "exactly one"),
        ({"srt": "1\n00:00:01,000 --> 00:61:00,000\nHi\n"}, "srt: invalid time"),
    ],
)
def test_malformed_timed_transcripts_are_reported_and_change_nothing(
    db: Database, tmp_path: Path, transcript: dict[str, Any], message: str
) -> None:
    with pytest.raises(CatalogImportError) as raised:
        import_videos(db, tmp_path, video("a", **transcript))

    assert message in str(raised.value)
    assert "transcripts[0]" in str(raised.value)
    with db.session(write=False) as session:
        assert session.scalars(select(Video)).all() == []
