"""GET /ws/USERID/: the public view and the owner's own view."""

from __future__ import annotations

from datetime import date

from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.config import Settings
from getnative.db import Database
from getnative.notifications.models import Notification
from tests.clients import cid, uid
from tests.factories import (
    make_channel,
    make_cover_art,
    make_user,
    rockpack_bearer,
    subscribe,
)

BASE = "http://testserver"


def _owner(db: Database) -> User:
    return make_user(
        db,
        username="alice",
        first_name="Alice",
        last_name="Liddell",
        gender="f",
        date_of_birth=date(1990, 5, 17),
        picture_url="http://testserver/media/avatar/a.jpg",
    )


def test_public_view_lists_public_channels_only(db: Database, client: TestClient) -> None:
    owner = _owner(db)
    cover = make_cover_art(db, owner)
    public = make_channel(db, owner, title="Cooking", description="Pasta", cover_art_id=cover.id)
    make_channel(db, owner, title="Secret", public=False)
    subscribe(db, make_user(db), public)

    response = client.get(f"/ws/{uid(owner)}/")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    body = response.json()
    assert body["id"] == uid(owner)
    assert body["username"] == "alice"
    assert body["display_name"] == "Alice Liddell"
    assert body["gender"] == "f"
    assert body["avatar_thumbnail_url"] == "http://testserver/media/avatar/a.jpg"
    assert body["channels"]["total"] == 1
    [item] = body["channels"]["items"]
    assert item["id"] == cid(public)
    assert item["resource_url"] == f"{BASE}/ws/{uid(owner)}/channels/{cid(public)}/"
    assert item["title"] == "Cooking"
    assert item["description"] == "Pasta"
    assert item["subscriber_count"] == 1
    assert item["cover"] == {
        "thumbnail_url": f"{BASE}/media/{cover.thumbnail_key}",
        "aoi": [0.1, 0.2, 0.9, 0.8],
    }
    for private_field in ("email", "first_name", "date_of_birth", "notifications", "cover_art"):
        assert private_field not in body
    assert "resource_url" not in body["channels"]


def test_another_users_token_gets_the_public_view(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = _owner(db)
    make_channel(db, owner, public=False)
    other = make_user(db, username="bob")
    response = client.get(f"/ws/{uid(owner)}/", headers=rockpack_bearer(settings, other))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.json()["channels"] == {"total": 0, "items": []}
    assert "email" not in response.json()


def test_owner_view_has_private_fields_links_and_private_channels(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = _owner(db)
    first = make_channel(db, owner, title="Open")
    second = make_channel(db, owner, title="Hidden", public=False)
    with db.session() as session:
        # Only Rockpack's kinds count, as in GET .../notifications/unread_count/.
        session.add(Notification(user_id=owner.id, kind="welcome", title="Hi"))
        session.add(Notification(user_id=owner.id, kind="subscribed", channel_id=first.id))
        session.add(Notification(user_id=owner.id, kind="starred", read=True))

    response = client.get(f"/ws/{uid(owner)}/", headers=rockpack_bearer(settings, owner))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "private"
    body = response.json()
    me = f"{BASE}/ws/{uid(owner)}"
    assert body["first_name"] == "Alice"
    assert body["last_name"] == "Liddell"
    assert body["email"] == owner.email
    assert body["date_of_birth"] == "1990-05-17"
    assert body["subscriptions"] == {"resource_url": f"{me}/subscriptions/"}
    assert body["activity"] == {"resource_url": f"{me}/activity/"}
    assert body["notifications"] == {"unread_count": 1, "resource_url": f"{me}/notifications/"}
    assert body["cover_art"] == {"resource_url": f"{me}/cover_art/"}
    assert body["channels"]["resource_url"] == f"{me}/channels/"
    assert body["channels"]["total"] == 2
    assert [c["id"] for c in body["channels"]["items"]] == [cid(first), cid(second)]
    assert body["channels"]["items"][1]["public"] is False


def test_unknown_malformed_and_deactivated_users_are_404(db: Database, client: TestClient) -> None:
    gone = make_user(db, username="gone", is_active=False)
    for path in (f"/ws/{uid(999999)}/", "/ws/not-an-id/", f"/ws/{uid(gone)}/", "/ws/us%00%00/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "not_found"}


def test_ip_identity_is_not_a_rockpack_user(db: Database, client: TestClient) -> None:
    ip_user = make_user(db, kind="ip", email=None, password_hash=None, ip_hash="abc")
    assert client.get(f"/ws/{uid(ip_user)}/").status_code == 404


def test_bad_token_is_401(db: Database, client: TestClient) -> None:
    owner = _owner(db)
    response = client.get(f"/ws/{uid(owner)}/", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token"}


def test_channel_listing_route(db: Database, client: TestClient, settings: Settings) -> None:
    owner = _owner(db)
    channels = [make_channel(db, owner) for _ in range(3)]
    make_channel(db, owner, public=False)
    response = client.get(f"/ws/{uid(owner)}/channels/?start=1&size=1")
    assert response.status_code == 200
    assert response.json()["channels"]["total"] == 3
    assert [c["id"] for c in response.json()["channels"]["items"]] == [cid(channels[1])]
    own = client.get(f"/ws/{uid(owner)}/channels/", headers=rockpack_bearer(settings, owner))
    assert own.json()["channels"]["total"] == 4
    assert own.headers["cache-control"] == "private"
    assert client.get(f"/ws/{uid(owner)}/channels/?size=0").status_code == 400
