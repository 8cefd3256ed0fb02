"""The Rockpack acceptance story, entirely over HTTP (on SQLite and PostgreSQL).

Two people register through the OAuth client flow, one curates a channel (cover art, YouTube
videos and a catalog video found through discovery), the other subscribes and stars; then
notifications, the feed, privacy, token rotation and a password change are checked as documented.

The one arrangement made directly in the database is the catalog itself (categories and a Get
Native video in a curator's public channel), since catalog content comes from the importer, not
from any API. That catalog video is how the test shows that a Rockpack star is the Get Native
like: Get Native's `GET /videos/:id` only knows catalog videos, so the starred instance is one of
a catalog video, added to the channel by its instance id as found in `GET /ws/videos/`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.catalog.models import Video
from getnative.db import Database
from tests.clients import basic, bearer_token, registration
from tests.factories import image_bytes, make_channel, make_instance, make_user, make_video

BASE = "http://testserver"
CHALLENGE = 'Bearer realm="rockpack" error="invalid_token"'


def _register(client: TestClient, username: str) -> tuple[dict[str, Any], dict[str, str]]:
    form = registration(username=username, password="first-pass-1")
    response = client.post("/ws/register/", data=form, headers=basic())
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == "3600"
    assert body["access_token"] and body["refresh_token"]
    assert body["resource_url"] == f"{BASE}/ws/{body['user_id']}/"
    return body, form


def _arrange_catalog(db: Database) -> Video:
    """A catalog video (with its category) in a curator's public channel."""
    video = make_video(db, title="Catalog talk")
    curator = make_user(db, username="curator")
    make_instance(db, make_channel(db, curator, title="Curated"), video=video)
    return video


def _follow_discovery(client: TestClient, catalog: Video) -> tuple[int, str]:
    """The category id and the catalog video's instance id, found through `GET /ws/`."""
    document = client.get("/ws/")
    assert document.status_code == 200
    urls = document.json()
    assert urls["login_url"] == f"{BASE}/ws/login/"
    assert urls["register_url"] == f"{BASE}/ws/register/"
    categories = client.get(urls["categories_url"]).json()["categories"]
    assert categories["total"] == 1
    assert categories["items"][0]["sub_categories"][0]["id"] == catalog.subcategory_id
    channels = client.get(urls["popular_channels_url"]).json()["channels"]
    assert [item["title"] for item in channels["items"]] == ["Curated"]
    videos = client.get(urls["popular_videos_url"], params={"locale": "en"}).json()["videos"]
    assert videos["total"] == 1
    assert videos["items"][0]["video"]["id"] == ids.encode(ids.VIDEO, catalog.id)
    return categories["items"][0]["id"], videos["items"][0]["id"]


def _login(client: TestClient, username: str, password: str) -> Any:
    form = {"grant_type": "password", "username": username, "password": password}
    return client.post("/ws/login/", data=form, headers=basic())


def _upload_covers(client: TestClient, me: str, auth: dict[str, str]) -> dict[str, Any]:
    """A raw PNG, then a multipart upload with an aoi; returns the second upload's body."""
    raw = client.post(
        f"{me}cover_art/",
        content=image_bytes((1280, 720)),
        headers={**auth, "Content-Type": "image/png"},
    )
    assert raw.status_code == 201, raw.text
    assert raw.headers["location"] == raw.json()["resource_url"]
    aoi = [0.1, 0.2, 0.8, 0.9]
    multipart = client.post(
        f"{me}cover_art/",
        files={
            "image": ("cover.png", image_bytes((1280, 720)), "image/png"),
            "aoi": (None, json.dumps(aoi), "application/json"),
        },
        headers=auth,
    )
    assert multipart.status_code == 201, multipart.text
    cover = multipart.json()
    assert set(cover) == {"cover_ref", "resource_url", "thumbnail_url"}
    assert multipart.headers["location"] == cover["resource_url"]
    assert client.get(cover["thumbnail_url"]).status_code == 200
    listing = client.get(f"{me}cover_art/", headers=auth)
    assert listing.headers["cache-control"] == "private, max-age=60"
    items = listing.json()["cover_art"]["items"]
    assert listing.json()["cover_art"]["total"] == 2
    assert {item["cover_ref"] for item in items} == {raw.json()["cover_ref"], cover["cover_ref"]}
    assert next(i for i in items if i["cover_ref"] == cover["cover_ref"])["aoi"] == aoi
    return {**cover, "aoi": aoi}


def _create_channel(
    client: TestClient, me: str, auth: dict[str, str], category: int, cover: dict[str, Any]
) -> str:
    form = {
        "title": "Travel picks",
        "description": "Places\nworth seeing",
        "category": category,
        "cover": cover["cover_ref"],
        "public": True,
    }
    created = client.post(f"{me}channels/", json=form, headers=auth)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["resource_url"] == f"{BASE}{me}channels/{body['id']}/"
    assert created.headers["location"] == body["resource_url"]
    return str(body["resource_url"])


def _add_videos(client: TestClient, channel: str, auth: dict[str, str], catalog_iid: str) -> None:
    first = client.post(
        f"{channel}videos/",
        json=[["youtube", "9bZkp7q19f0"], ["youtube", "dQw4w9WgXcQ"]],
        headers=auth,
    )
    assert first.status_code == 204, first.text
    second = client.post(f"{channel}videos/", json=[catalog_iid], headers=auth)
    assert second.status_code == 204, second.text
    bad = client.post(f"{channel}videos/", json=["nonsense", ["vimeo", "1"]], headers=auth)
    assert bad.status_code == 400
    assert bad.json() == {
        "error": "invalid_request",
        "message": "Invalid video instance ids",
        "data": ["nonsense", ["vimeo", "1"]],
    }


def test_full_rockpack_flow(client: TestClient, db: Database) -> None:
    catalog = _arrange_catalog(db)
    category, catalog_iid = _follow_discovery(client, catalog)

    # A registers, then logs in (by username and by email).
    a, a_form = _register(client, "annaflow")
    logged_in = _login(client, "annaflow", "first-pass-1")
    assert logged_in.status_code == 200
    assert logged_in.headers["cache-control"] == "no-store"
    assert logged_in.json()["user_id"] == a["user_id"]
    assert _login(client, a_form["email"], "first-pass-1").status_code == 200
    wrong = _login(client, "annaflow", "not-the-password")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    a_auth = bearer_token(logged_in.json()["access_token"])
    a_me = f"/ws/{a['user_id']}/"

    # A uploads cover art and creates a channel with it, then adds videos.
    cover = _upload_covers(client, a_me, a_auth)
    channel_url = _create_channel(client, a_me, a_auth, category, cover)
    channel_path = channel_url.removeprefix(BASE)
    channel_id = channel_path.rstrip("/").rsplit("/", 1)[1]
    _add_videos(client, channel_path, a_auth, catalog_iid)

    channel = client.get(channel_path, params={"locale": "en-US"})
    assert channel.status_code == 200
    assert channel.headers["cache-control"] == "public, max-age=60"
    body = channel.json()
    assert body["title"] == "Travel picks"
    assert body["description"] == "Places worth seeing"
    assert body["category"] == category
    assert body["public"] is True
    assert body["cover"] == {"thumbnail_url": cover["thumbnail_url"], "aoi": cover["aoi"]}
    assert body["owner"]["id"] == a["user_id"]
    assert body["owner"]["display_name"] == "Jack Burton"
    videos = body["videos"]
    assert videos["total"] == 3
    assert [item["position"] for item in videos["items"]] == [0, 1, 2]
    sources = [item["video"]["source_id"] for item in videos["items"]]
    assert sources[:2] == ["9bZkp7q19f0", "dQw4w9WgXcQ"]
    assert videos["items"][2]["video"]["id"] == ids.encode(ids.VIDEO, catalog.id)
    instance_ids = [item["id"] for item in videos["items"]]
    assert catalog_iid not in instance_ids  # a new instance of the same video in A's channel
    ordered = client.get(f"{channel_path}videos/")
    assert ordered.json() == instance_ids
    starred_iid = instance_ids[2]

    # B registers, subscribes by channel URL and stars the catalog video's instance.
    b, _ = _register(client, "benflow")
    b_auth = bearer_token(b["access_token"])
    b_me = f"/ws/{b['user_id']}/"
    subscribed = client.post(f"{b_me}subscriptions/", json=channel_url, headers=b_auth)
    assert subscribed.status_code == 201, subscribed.text
    assert subscribed.headers["location"] == subscribed.json()["resource_url"]
    star = {"action": "star", "video_instance": starred_iid}
    starred = client.post(f"{b_me}activity/", json=star, headers=b_auth)
    assert starred.status_code == 204
    activity = client.get(f"{b_me}activity/", headers=b_auth).json()
    assert activity["recently_starred"] == [ids.encode(ids.VIDEO, catalog.id)]
    assert activity["subscribed"] == [channel_id]
    subscribers = client.get(f"{channel_path}subscribers/").json()["users"]
    assert [(u["id"], u["position"]) for u in subscribers["items"]] == [(b["user_id"], 0)]

    _check_notifications(client, a_me, a_auth, b["user_id"], channel_id, starred_iid)

    # B's feed: A's videos newest first, the star counted, equal to Get Native's like count.
    feed_url = f"{b_me}subscriptions/recent_videos/"
    feed = client.get(feed_url, params={"locale": "en"}, headers=b_auth)
    assert feed.headers["cache-control"] == "private, max-age=60"
    items = feed.json()["videos"]["items"]
    assert feed.json()["videos"]["total"] == 3
    assert [item["id"] for item in items] == [starred_iid, instance_ids[1], instance_ids[0]]
    assert items[0]["video"]["star_count"] == 1
    assert items[0]["channel"]["id"] == channel_id
    assert items[0]["channel"]["owner"]["resource_url"] == a["resource_url"]
    getnative_video = client.get(f"/videos/{catalog.id}").json()
    assert getnative_video["like_count"] == items[0]["video"]["star_count"]

    _check_privacy(client, a_me, a_auth, b_me, b_auth, channel_path, channel_id)
    _check_tokens_and_password(client, a, a_me, a_auth)


def _check_notifications(
    client: TestClient,
    me: str,
    auth: dict[str, str],
    fan_id: str,
    channel_id: str,
    starred_iid: str,
) -> None:
    listing = client.get(f"{me}notifications/", headers=auth)
    assert listing.headers["cache-control"] == "private, max-age=60"
    notes = listing.json()["notifications"]
    assert notes["total"] == 2
    starred, subscribed = notes["items"]
    assert (starred["message_type"], starred["read"]) == ("starred", False)
    assert starred["message"]["user"]["id"] == fan_id
    assert starred["message"]["video"]["id"] == starred_iid
    assert starred["message"]["video"]["channel"]["id"] == channel_id
    assert (subscribed["message_type"], subscribed["read"]) == ("subscribed", False)
    assert subscribed["message"]["channel"]["id"] == channel_id

    unread_url = f"{me}notifications/unread_count/"
    unread = client.get(unread_url, headers=auth)
    assert unread.headers["cache-control"] == "private, max-age=60"
    assert unread.json() == 2
    view = client.get(me, headers=auth)
    assert view.headers["cache-control"] == "private"
    assert view.json()["notifications"]["unread_count"] == 2

    marked = client.post(f"{me}notifications/", json={"mark_read": [starred["id"]]}, headers=auth)
    assert marked.status_code == 204
    assert client.get(unread_url, headers=auth).json() == 1
    assert client.get(me, headers=auth).json()["notifications"]["unread_count"] == 1
    bad = client.post(f"{me}notifications/", json={"mark_read": "all"}, headers=auth)
    assert bad.status_code == 400
    assert bad.json() == {"error": "invalid_request", "message": "Invalid id list"}


def _check_privacy(
    client: TestClient,
    a_me: str,
    a_auth: dict[str, str],
    b_me: str,
    b_auth: dict[str, str],
    channel_path: str,
    channel_id: str,
) -> None:
    made_private = client.put(f"{channel_path}public/", json=False, headers=a_auth)
    assert made_private.status_code == 200
    assert made_private.json() is False

    feed = client.get(f"{b_me}subscriptions/recent_videos/", headers=b_auth).json()
    assert feed == {"videos": {"total": 0, "items": []}}
    subscriptions = client.get(f"{b_me}subscriptions/", headers=b_auth).json()
    assert subscriptions == {"channels": {"total": 0, "items": []}}
    for headers in ({}, b_auth):
        public_view = client.get(a_me, headers=headers)
        assert public_view.headers["cache-control"] == "public, max-age=60"
        assert public_view.json()["channels"] == {"total": 0, "items": []}
    forbidden = client.get(channel_path, headers=b_auth)
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": "insufficient_scope"}
    assert client.get(channel_path).status_code == 403
    popular = client.get("/ws/channels/").json()["channels"]["items"]
    assert channel_id not in [item["id"] for item in popular]
    recent = client.get("/ws/videos/").json()["videos"]["items"]
    assert channel_id not in [item["channel"]["id"] for item in recent]

    own = client.get(a_me, headers=a_auth).json()["channels"]
    assert [(item["id"], item["public"]) for item in own["items"]] == [(channel_id, False)]
    assert client.get(channel_path, headers=a_auth).status_code == 200


def _check_tokens_and_password(
    client: TestClient, a: dict[str, Any], me: str, auth: dict[str, str]
) -> None:
    def refresh(token: str) -> Any:
        form = {"grant_type": "refresh_token", "refresh_token": token}
        return client.post("/ws/token/", data=form, headers=basic())

    # Refresh tokens rotate: the new pair works, the used token is refused.
    rotated = refresh(a["refresh_token"])
    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    pair = rotated.json()
    assert pair["refresh_token"] != a["refresh_token"]
    assert pair["user_id"] == a["user_id"]
    assert client.get(me, headers=bearer_token(pair["access_token"])).status_code == 200
    assert refresh(pair["refresh_token"]).status_code == 200
    reused = refresh(pair["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    # Reuse revoked the whole family; a new login starts a new one.
    relogged = _login(client, "annaflow", "first-pass-1").json()["refresh_token"]
    live = refresh(relogged).json()["refresh_token"]  # valid until the password changes

    # A password change kills every earlier token and hands out new credentials.
    change = {"old": "first-pass-1", "new": "second-pass-2"}
    changed = client.put(f"{me}password/", json=change, headers=auth)
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    assert fresh["token_type"] == "Bearer"
    assert fresh["user_id"] == a["user_id"]
    assert fresh["resource_url"] == a["resource_url"]
    stale = client.get(f"{me}notifications/unread_count/", headers=auth)
    assert stale.status_code == 401
    assert stale.headers["www-authenticate"] == CHALLENGE
    assert stale.json()["error"] == "invalid_token"
    assert client.get(me, headers=bearer_token(fresh["access_token"])).status_code == 200
    old_refresh = refresh(live)
    assert (old_refresh.status_code, old_refresh.json()["error"]) == (400, "invalid_grant")
    assert refresh(fresh["refresh_token"]).status_code == 200
    assert _login(client, "annaflow", "first-pass-1").status_code == 400
    assert _login(client, "annaflow", "second-pass-2").status_code == 200
