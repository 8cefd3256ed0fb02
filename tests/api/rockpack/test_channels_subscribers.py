"""GET /ws/USERID/channels/CID/subscribers/."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.clients import channel_path, uid
from tests.factories import make_channel, make_user, rockpack_bearer, subscribe


def test_lists_subscribers_in_order_with_paging(db: Database, client: TestClient) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    fans = [
        make_user(
            db, username=f"fan{i}", first_name="Fan", last_name=str(i), picture_url=f"http://p/{i}"
        )
        for i in range(3)
    ]
    for fan in fans:
        subscribe(db, fan, channel)
    gone = make_user(db, is_active=False)
    subscribe(db, gone, channel)

    response = client.get(channel_path(owner, channel, "subscribers/"))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    users = response.json()["users"]
    assert users["total"] == 3
    assert users["items"][0] == {
        "id": uid(fans[0]),
        "display_name": "Fan 0",
        "resource_url": f"http://testserver/ws/{uid(fans[0])}/",
        "avatar_thumbnail_url": "http://p/0",
        "position": 0,
    }
    page = client.get(channel_path(owner, channel, "subscribers/?start=1&size=1")).json()["users"]
    assert page["total"] == 3
    assert [(u["id"], u["position"]) for u in page["items"]] == [(uid(fans[1]), 1)]


def test_private_channel_subscribers_need_the_owner(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner, public=False)
    subscribe(db, make_user(db), channel)
    path = channel_path(owner, channel, "subscribers/")
    assert client.get(path).status_code == 403
    stranger = rockpack_bearer(settings, make_user(db))
    assert client.get(path, headers=stranger).json() == {"error": "insufficient_scope"}
    own = client.get(path, headers=rockpack_bearer(settings, owner))
    assert own.status_code == 200
    assert own.headers["cache-control"] == "private"
    assert own.json()["users"]["total"] == 1


def test_subscriber_errors(db: Database, client: TestClient) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    assert client.get(channel_path(owner, 123456, "subscribers/")).status_code == 404
    assert client.get(f"/ws/{uid(owner)}/channels/xx/subscribers/").status_code == 404
    # Clamped to 1000 since issue 12 (one paging rule for every list).
    assert client.get(channel_path(owner, channel, "subscribers/?size=5000")).status_code == 200
    assert client.get(channel_path(owner, channel, "subscribers/?start=-3")).status_code == 400
