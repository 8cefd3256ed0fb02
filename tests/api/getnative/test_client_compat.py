"""What the published Get Native client relies on (issue 12): headers, one token rule, `lang`
in any case, one anonymous `liked`, and the later API's `queue`/`dequeue` names."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.clients import ids_of
from tests.factories import bearer, cue_rows, make_speaker, make_user, make_video

EXPOSED = "X-GN-Auth-Token, X-GN-Auth-Expire"
GARBAGE = {"Authorization": "Bearer not.a.token"}


@pytest.mark.parametrize("path", ["/categories", "/videos", "/no-such-route", "/ws/", "/api/me"])
def test_expose_headers_on_every_response_without_origin(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.headers["access-control-expose-headers"] == EXPOSED


def test_expose_headers_once_when_cors_also_answers(client: TestClient, settings: Settings) -> None:
    origin = settings.cors_origins[0] if settings.cors_origins else "https://get-native.com"
    response = client.get("/categories", headers={"Origin": origin})

    assert response.headers.get_list("access-control-expose-headers") == [EXPOSED]


def _public_paths(db: Database) -> list[str]:
    video = make_video(db, speaker_id=make_speaker(db).id)
    return ["/categories", f"/speakers/{video.speaker_id}", "/videos", f"/videos/{video.id}"]


def test_a_valid_token_slides_on_every_public_route(
    client: TestClient, db: Database, settings: Settings
) -> None:
    headers = bearer(settings, make_user(db))
    for path in _public_paths(db):
        response = client.get(path, headers=headers)

        assert response.status_code == 200, path
        assert response.headers["x-gn-auth-token"], path
        assert int(response.headers["x-gn-auth-expire"]) > 0, path


def test_an_invalid_token_is_a_401_on_every_route(client: TestClient, db: Database) -> None:
    for path in _public_paths(db):
        response = client.get(path, headers=GARBAGE)

        assert response.status_code == 401, path
        assert "x-gn-auth-token" not in response.headers
        assert (
            response.json()["errors"][0]["code"]
            == client.get("/videos", headers=GARBAGE).json()["errors"][0]["code"]
        )


def test_no_token_stays_anonymous_without_auth_headers(client: TestClient, db: Database) -> None:
    for path in _public_paths(db):
        response = client.get(path)

        assert response.status_code == 200, path
        assert "x-gn-auth-token" not in response.headers


@pytest.mark.parametrize(("asked", "normalised"), [("EN", "en"), ("ja-JP", "ja"), ("JA-jp", "ja")])
def test_videos_lang_is_case_insensitive_and_drops_the_region(
    client: TestClient, db: Database, asked: str, normalised: str
) -> None:
    wanted = make_video(db, lang=normalised).id
    make_video(db, lang="fr")

    response = client.get("/videos", params={"lang": asked, "count": 100})

    assert response.status_code == 200
    assert wanted in ids_of(response.json())
    assert {r["lang"] for r in response.json()["records"]} == {normalised}


def test_study_routes_map_a_region_to_its_language(
    client: TestClient, db: Database, settings: Settings
) -> None:
    headers = bearer(settings, make_user(db))

    stats = client.get("/study/stats/ja-JP", headers=headers)
    answers = client.get("/study/writing_answers/JA", headers=headers)

    assert (stats.status_code, stats.json()["lang"]) == (200, "ja")
    assert answers.status_code == 200


def test_a_malformed_lang_is_still_code_140(client: TestClient) -> None:
    response = client.get("/videos", params={"lang": "english!"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == 140


def test_anonymous_liked_is_false_and_cued_null_in_lists_and_detail(
    client: TestClient, db: Database
) -> None:
    video = make_video(db)

    listed = next(r for r in client.get("/videos").json()["records"] if r["id"] == video.id)
    detail = client.get(f"/videos/{video.id}").json()

    assert (listed["liked"], listed["cued"]) == (False, None)
    assert (detail["liked"], detail["cued"]) == (False, None)


def test_queue_and_dequeue_are_aliases_of_cue_and_uncue(
    client: TestClient, db: Database, settings: Settings
) -> None:
    video = make_video(db)
    user = make_user(db)
    headers = bearer(settings, user)

    queued = client.post(f"/videos/{video.id}/queue", headers=headers)
    assert queued.status_code == 204
    assert cue_rows(db, user.id) == [video.id]

    dequeued = client.post(f"/videos/{video.id}/dequeue", headers=headers)
    assert dequeued.status_code == 204
    assert cue_rows(db, user.id) == []
    assert client.post(f"/videos/{video.id}/queue").status_code == 401
