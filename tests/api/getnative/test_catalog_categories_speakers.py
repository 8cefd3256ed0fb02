"""GET /categories and GET /speakers/:id."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.db import Database
from tests.factories import make_speaker, subcategory_ids


def test_categories_with_subcategories_in_id_order(client: TestClient, db: Database) -> None:
    business = subcategory_ids(db, "Business", ["Meeting Preparation", "Business Cards"])
    travel = subcategory_ids(db, "Travel", ["Airports"])
    empty = subcategory_ids(db, "Empty", [])

    response = client.get("/categories")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    first, second, third = body["records"]
    assert first["name"] == "Business"
    assert first["subcategories"] == {
        "count": 2,
        "records": [
            {"id": business[0], "name": "Meeting Preparation"},
            {"id": business[1], "name": "Business Cards"},
        ],
    }
    assert second["name"] == "Travel"
    assert second["subcategories"] == {
        "count": 1,
        "records": [{"id": travel[0], "name": "Airports"}],
    }
    assert third["name"] == "Empty" and empty == []
    assert third["subcategories"] == {"count": 0, "records": []}
    assert first["id"] < second["id"] < third["id"]


def test_categories_empty(client: TestClient) -> None:
    response = client.get("/categories")
    assert response.status_code == 200
    assert response.json() == {"count": 0, "records": []}


def test_speaker_fields(client: TestClient, db: Database) -> None:
    speaker = make_speaker(
        db,
        name="Harold Ford",
        description="Harold Ford is a man from Kansas City, MO.",
        location="Kansas City, MO",
        lang="en",
        gender="male",
        picture_url="https://static.example.com/harold.jpg",
    )

    response = client.get(f"/speakers/{speaker.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == speaker.id
    assert body["name"] == "Harold Ford"
    assert body["description"] == "Harold Ford is a man from Kansas City, MO."
    assert body["location"] == "Kansas City, MO"
    assert body["picture_url"] == "https://static.example.com/harold.jpg"
    assert body["is_silhouette_picture"] is False
    assert body["lang"] == "en"
    assert body["gender"] == "male"


def test_speaker_without_picture_is_a_silhouette(client: TestClient, db: Database) -> None:
    speaker = make_speaker(db, picture_url=None)
    body = client.get(f"/speakers/{speaker.id}").json()
    assert body["is_silhouette_picture"] is True
    assert body["picture_url"] == ""


def test_unknown_speaker_is_404(client: TestClient, db: Database) -> None:
    speaker = make_speaker(db)
    for unknown in (speaker.id + 1000, 0, -1, 2**31, 2**63, 10**30):
        response = client.get(f"/speakers/{unknown}")
        assert response.status_code == 404, unknown
        assert response.json()["errors"][0]["code"] == 302


def test_malformed_speaker_id_is_400(client: TestClient) -> None:
    for malformed in ("abc", "1.5", "1e3", "%20", "0x10", "1" * 101):
        response = client.get(f"/speakers/{malformed}")
        assert response.status_code == 400, malformed
        assert response.json()["errors"][0]["code"] == 163
