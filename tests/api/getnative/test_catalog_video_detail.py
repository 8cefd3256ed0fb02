"""GET /videos/:id: the full video object."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.catalog import service as catalog
from getnative.catalog.models import WritingQuestion
from getnative.config import Settings
from getnative.db import Database
from getnative.likes import service as likes
from tests.factories import (
    add_question,
    bearer,
    make_speaker,
    make_user,
    make_video,
    make_youtube_video,
    subcategory_ids,
)


def test_detail_fields_transcripts_collocations_questions(client: TestClient, db: Database) -> None:
    (sub,) = subcategory_ids(db, "Business", ["Business Cards"])
    with db.session() as session:
        session.add(WritingQuestion(subcategory_id=sub, text="A question for the subcategory?"))
    video = make_video(
        db,
        subcategory_id=sub,
        description="Harold on business cards.",
        transcript="We exchange business cards.",
        collocations=[("exchange business cards", ["We exchanged cards.", "Swap cards."])],
        length=68,
        loop_count=7,
    )

    for text in ["What is on your card?", "Do you carry cards?"]:
        add_question(db, text, video_id=video.id)

    response = client.get(f"/videos/{video.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == video.id
    assert body["description"] == "Harold on business cards."
    assert body["subcategory"] == {
        "id": sub,
        "name": "Business Cards",
        "category_id": body["subcategory"]["category_id"],
        "created_at": body["subcategory"]["created_at"],
    }
    assert body["speaker"]["id"] == video.speaker_id
    assert (body["length"], body["loop_count"], body["like_count"]) == (68, 7, 0)
    assert body["liked"] is False
    assert body["cued"] is None
    assert body["likes"] == {"count": 0, "records": []}
    assert body["related_videos"] == {"count": 0, "records": []}
    assert body["has_related_videos"] is False

    transcripts = body["transcripts"]
    assert transcripts["count"] == 1
    transcript = transcripts["records"][0]
    assert transcript["text"] == "We exchange business cards."
    assert transcript["lang"] == transcript["language_code"] == "en"
    assert isinstance(transcript["id"], int)
    collocation = transcript["collocations"]["records"][0]
    assert transcript["collocations"]["count"] == 1
    assert collocation["text"] == "exchange business cards"
    assert collocation["description"] == "About exchange business cards"
    assert collocation["pronunciation"] == collocation["ipa_spelling"] == "exchange business cards"
    assert collocation["usage_examples"] == {
        "count": 2,
        "records": [{"text": "We exchanged cards."}, {"text": "Swap cards."}],
    }

    questions = body["writing_questions"]
    assert questions["count"] == 3
    assert [q["text"] for q in questions["records"]] == [
        "What is on your card?",
        "Do you carry cards?",
        "A question for the subcategory?",
    ]
    assert all(isinstance(q["id"], int) for q in questions["records"])


def test_detail_for_a_user_shows_liked_and_cued(
    client: TestClient, db: Database, settings: Settings
) -> None:
    video = make_video(db)
    user = make_user(db)
    with db.session() as session:
        likes.like(session, video_id=video.id, user_id=user.id)
        catalog.cue(session, video_id=video.id, user_id=user.id)

    body = client.get(f"/videos/{video.id}", headers=bearer(settings, user)).json()

    assert (body["liked"], body["cued"], body["like_count"]) == (True, True, 1)
    assert body["likes"]["count"] == 1
    assert len(body["likes"]["records"]) == 1


def test_related_videos_same_subcategory_or_speaker_same_language(
    client: TestClient, db: Database
) -> None:
    (sub,) = subcategory_ids(db, "Travel", ["Airports"])
    speaker = make_speaker(db)
    video = make_video(db, subcategory_id=sub, speaker_id=speaker.id)
    same_subcategory = make_video(db, subcategory_id=sub)
    same_speaker = make_video(db, speaker_id=speaker.id)
    make_video(db)  # unrelated
    make_video(db, lang="ja", subcategory_id=sub)  # another language
    make_youtube_video(db, subcategory_id=sub, lang="en")  # not in the catalog

    body = client.get(f"/videos/{video.id}").json()

    related = [record["id"] for record in body["related_videos"]["records"]]
    assert related == [same_subcategory.id, same_speaker.id]
    assert body["related_videos"]["count"] == 2
    assert body["has_related_videos"] is True
    assert body["related_videos"]["records"][0]["speaker"]["name"]


def test_unknown_video_is_404(client: TestClient, db: Database) -> None:
    video = make_video(db)
    external = make_youtube_video(db)
    for unknown in (video.id + 1000, 0, -5, 2**31, 10**40, external.id):
        response = client.get(f"/videos/{unknown}")
        assert response.status_code == 404, unknown
        assert response.json()["errors"][0]["code"] == 301


def test_malformed_video_id_is_400(client: TestClient) -> None:
    for malformed in ("abc", "1.0", "١٢", "1;DROP", "null"):
        response = client.get(f"/videos/{malformed}")
        assert response.status_code == 400, malformed
        assert "errors" in response.json()
