"""GET /ws/categories/, /ws/channels/ and /ws/videos/: the discovery document's listings."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.catalog.models import Category, Subcategory
from getnative.channels.models import Channel
from getnative.config import Settings
from getnative.db import Database
from tests.clients import BASE, channel_url, cid, uid, vid
from tests.factories import (
    make_channel,
    make_instance,
    make_user,
    make_youtube_video,
    rockpack_bearer,
)


def _set_subscribers(db: Database, channel: Channel, count: int) -> None:
    with db.session() as session:
        row = session.get(Channel, channel.id)
        assert row is not None
        row.subscriber_count = count


def test_discovery_urls_are_routed_before_user_routes(client: TestClient) -> None:
    document = client.get("/ws/").json()
    expected = {
        "categories_url": {"categories": {"total": 0, "items": []}},
        "popular_channels_url": {"channels": {"total": 0, "items": []}},
        "popular_videos_url": {"videos": {"total": 0, "items": []}},
    }
    for key, empty in expected.items():
        response = client.get(document[key])
        assert response.status_code == 200, key
        assert response.json() == empty


def test_categories_list_catalog_categories_with_subcategories(
    client: TestClient, db: Database
) -> None:
    with db.session() as session:
        travel = Category(name="Travel")
        travel.subcategories = [Subcategory(name="Cities"), Subcategory(name="Beaches")]
        session.add_all([travel, Category(name="Cooking")])
        session.flush()
        travel_id = travel.id
        cities, beaches = (sub.id for sub in travel.subcategories)
        cooking_id = session.query(Category.id).filter_by(name="Cooking").scalar()

    response = client.get("/ws/categories/")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.json() == {
        "categories": {
            "total": 2,
            "items": [
                {
                    "id": travel_id,
                    "name": "Travel",
                    "sub_categories": [
                        {"id": cities, "name": "Cities"},
                        {"id": beaches, "name": "Beaches"},
                    ],
                },
                {"id": cooking_id, "name": "Cooking", "sub_categories": []},
            ],
        }
    }


def test_popular_channels_public_only_most_subscribers_first(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db, username="popowner", first_name="Pop", last_name="Owner")
    quiet = make_channel(db, owner, title="quiet")
    loud = make_channel(db, owner, title="loud")
    also_quiet = make_channel(db, owner, title="also quiet")
    hidden = make_channel(db, owner, title="hidden", public=False)
    gone = make_channel(db, make_user(db, is_active=False), title="orphan")
    _set_subscribers(db, loud, 5)
    _set_subscribers(db, hidden, 50)
    _set_subscribers(db, gone, 40)

    # Even the owner's token does not bring the private channel into the public list.
    response = client.get(
        "/ws/channels/",
        params={"locale": "en-GB"},
        headers=rockpack_bearer(settings, owner),
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    listing = response.json()["channels"]
    assert listing["total"] == 3
    assert [item["id"] for item in listing["items"]] == [cid(loud), cid(quiet), cid(also_quiet)]
    first = listing["items"][0]
    assert first == {
        "position": 0,
        "id": cid(loud),
        "resource_url": channel_url(loud),
        "title": "loud",
        "description": "About things",
        "category": "",
        "public": True,
        "subscriber_count": 5,
        "cover": {"thumbnail_url": "", "aoi": [0.0, 0.0, 1.0, 1.0]},
        "owner": {
            "id": uid(owner),
            "resource_url": f"{BASE}/ws/{uid(owner)}/",
            "display_name": "Pop Owner",
            "avatar_thumbnail_url": "",
        },
    }

    second_page = client.get("/ws/channels/", params={"start": 1, "size": 1}).json()["channels"]
    assert second_page["total"] == 3
    assert [(i["position"], i["id"]) for i in second_page["items"]] == [(1, cid(quiet))]


def test_recent_videos_of_public_channels_newest_first(client: TestClient, db: Database) -> None:
    owner = make_user(db, username="vidowner")
    channel = make_channel(db, owner, title="open")
    hidden = make_channel(db, owner, title="closed", public=False)
    old = make_instance(db, channel, minutes=1)
    french = make_instance(db, channel, minutes=2, video=make_youtube_video(db, locales=["fr"]))
    new = make_instance(db, channel, minutes=3)
    make_instance(db, hidden, minutes=4)

    response = client.get("/ws/videos/")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    listing = response.json()["videos"]
    assert listing["total"] == 3
    assert [item["id"] for item in listing["items"]] == [vid(new), vid(french), vid(old)]
    item = listing["items"][0]
    assert item["position"] == 0
    assert item["date_added"] == "2024-01-01T12:03:00+00:00"
    assert item["video"]["id"] == ids.encode(ids.VIDEO, new.video_id)
    assert item["video"]["source"] == "youtube"
    assert item["video"]["star_count"] == 0
    assert item["channel"]["id"] == cid(channel)
    assert item["channel"]["owner"]["id"] == uid(owner)

    english = client.get("/ws/videos/", params={"locale": "en-US"}).json()["videos"]
    assert [i["id"] for i in english["items"]] == [vid(new), vid(old)]
    assert english["total"] == 2
    paged = client.get("/ws/videos/", params={"start": 1, "size": 1}).json()["videos"]
    assert [(i["position"], i["id"]) for i in paged["items"]] == [(1, vid(french))]
    assert paged["total"] == 3


def test_listings_refuse_bad_paging_and_locales(client: TestClient) -> None:
    for path in ("/ws/channels/", "/ws/videos/"):
        for params in (
            {"start": "-1"},
            {"start": "abc"},
            {"size": "-5"},
            {"size": "9" * 40},
            {"locale": "x" * 100},
            {"locale": "en\x00"},
        ):
            response = client.get(path, params=params)
            assert response.status_code == 400, (path, params)
            assert response.json()["error"] == "invalid_request"
        huge = client.get(path, params={"size": 100000, "start": 999999})
        assert huge.status_code == 200
        assert huge.json()[path.strip("/").split("/")[1]]["items"] == []
