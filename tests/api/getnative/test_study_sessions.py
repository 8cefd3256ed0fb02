"""POST /study: creating a study session over HTTP."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from getnative.study.models import StudySession
from tests.clients import error_code
from tests.factories import add_question, bearer, make_subcategory, make_user, make_video


def test_creates_a_session_and_returns_the_video_with_its_writing_questions(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db)
    subcategory = make_subcategory(db)
    video = make_video(db, lang="ja", transcript="こんにちは", subcategory_id=subcategory.id)
    own = add_question(db, "What did she say?", video_id=video.id)
    shared = add_question(db, "Describe your day.", subcategory_id=subcategory.id)
    add_question(db, "Another video's question", video_id=make_video(db).id)

    response = client.post(
        "/study", json={"video_id": video.id, "time": 900}, headers=bearer(settings, user)
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "video"}
    assert isinstance(body["id"], int)
    assert body["video"]["id"] == video.id
    assert body["video"]["lang"] == "ja"
    assert body["video"]["writing_questions"] == {
        "count": 2,
        "records": [
            {"id": own.id, "text": "What did she say?"},
            {"id": shared.id, "text": "Describe your day."},
        ],
    }
    assert body["video"]["transcripts"]["records"][0]["text"] == "こんにちは"
    assert response.headers["X-GN-Auth-Token"]
    with db.session(write=False) as session:
        study = session.scalars(select(StudySession)).one()
    assert (study.id, study.user_id, study.video_id) == (body["id"], user.id, video.id)
    assert (study.lang, study.time) == ("ja", 900)


def test_a_new_session_counts_toward_statistics_at_once(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db)
    video = make_video(db, lang="en")
    headers = bearer(settings, user)
    for seconds in (1, 86_400):
        response = client.post(
            "/study", json={"video_id": video.id, "time": seconds}, headers=headers
        )
        assert response.status_code == 200

    stats = client.get("/study/stats/en", headers=headers).json()

    assert stats["total_time_studied"] == 86_401
    assert stats["total_study_sessions"] == 2
    assert stats["consecutive_days"] == 1
    assert stats["longest_consecutive_days"] == 1


def test_authentication_is_required(client: TestClient, db: Database) -> None:
    video = make_video(db)
    body = {"video_id": video.id, "time": 60}
    missing = client.post("/study", json=body)
    wrong = client.post("/study", json=body, headers={"Authorization": "Bearer nonsense"})
    assert (missing.status_code, error_code(missing)) == (401, 201)
    assert wrong.status_code == 401
    assert error_code(wrong) in {203, 200}


INVALID_TIMES: list[Any] = [0, -5, 86_401, 10**30, "900", 900.0, 900.5, True, None, [900]]


def test_time_must_be_whole_seconds_within_a_day(
    client: TestClient, settings: Settings, db: Database
) -> None:
    headers = bearer(settings, make_user(db))
    video = make_video(db)
    for time in INVALID_TIMES:
        response = client.post("/study", json={"video_id": video.id, "time": time}, headers=headers)
        assert (response.status_code, error_code(response)) == (400, 153), time
    assert client.get("/study/stats/en", headers=headers).json()["total_study_sessions"] == 0


UNKNOWN_VIDEO_IDS: list[tuple[Any, int]] = [
    (987_654, 150),
    (0, 150),
    (-1, 150),
    (2**31, 150),
    (2**40, 150),
    (2**63, 150),
    (10**30, 150),
    ("1", 103),
    (1.0, 103),
    (None, 103),
]


def test_the_video_must_exist(client: TestClient, settings: Settings, db: Database) -> None:
    headers = bearer(settings, make_user(db))
    for video_id, code in UNKNOWN_VIDEO_IDS:
        response = client.post("/study", json={"video_id": video_id, "time": 60}, headers=headers)
        assert (response.status_code, error_code(response)) == (400, code), video_id


def test_a_video_outside_the_catalog_is_unknown(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db)
    external = make_video(db, source="youtube", source_id="dQw4w9WgXcQ")
    response = client.post(
        "/study", json={"video_id": external.id, "time": 60}, headers=bearer(settings, user)
    )
    assert (response.status_code, error_code(response)) == (400, 150)


MALFORMED_BODIES: list[tuple[bytes, int]] = [
    (b'{"video_id": 1, "time": ', 101),
    (b"[1, 2]", 100),
    (b'"study"', 100),
    (b"null", 100),
    (b"", 100),
    (b'{"time": 60}', 102),
    (b'{"video_id": 1}', 102),
    (b'{"video_id": 1, "time": 1e400}', 153),
    (b'{"video_id": 1, "time": NaN}', 153),
]


def test_malformed_bodies_are_400(client: TestClient, settings: Settings, db: Database) -> None:
    headers = {**bearer(settings, make_user(db)), "Content-Type": "application/json"}
    for content, code in MALFORMED_BODIES:
        response = client.post("/study", content=content, headers=headers)
        assert (response.status_code, error_code(response)) == (400, code), content


def test_a_non_json_body_is_400(client: TestClient, settings: Settings, db: Database) -> None:
    user = make_user(db)
    headers = {**bearer(settings, user), "Content-Type": "text/plain"}
    response = client.post("/study", content=b"video_id=1&time=60", headers=headers)
    assert (response.status_code, error_code(response)) == (400, 100)
