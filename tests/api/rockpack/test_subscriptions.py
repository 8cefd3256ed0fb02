"""/ws/USERID/subscriptions/: subscribe by channel URL, list, unsubscribe; the exact counter."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.channels.models import Subscription
from getnative.config import Settings
from getnative.db import Database
from getnative.notifications.models import Notification
from tests.clients import BASE, channel_url, cid, uid
from tests.factories import (
    make_channel,
    make_user,
    rockpack_bearer,
    set_public,
    subscriber_state,
)


def _subscription_ids(db: Database, user_id: int) -> list[int]:
    with db.session(write=False) as session:
        return list(session.scalars(select(Subscription.id).where(Subscription.user_id == user_id)))


def test_subscribe_creates_once_and_notifies_once(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    fan = make_user(db)
    channel = make_channel(db, owner)
    url = f"/ws/{uid(fan)}/subscriptions/"

    created = client.post(url, json=channel_url(channel), headers=rockpack_bearer(settings, fan))
    again = client.post(url, json=channel_url(channel), headers=rockpack_bearer(settings, fan))

    [key] = _subscription_ids(db, fan.id)
    sub_url = f"{BASE}/ws/{uid(fan)}/subscriptions/{ids.encode(ids.SUBSCRIPTION, key)}/"
    assert created.status_code == 201
    assert created.json() == {"resource_url": sub_url, "id": ids.encode(ids.SUBSCRIPTION, key)}
    assert created.headers["Location"] == sub_url
    assert again.status_code == 200
    assert again.json() == created.json()
    assert again.headers["Location"] == sub_url
    assert subscriber_state(db, channel) == (1, 1)
    with db.session(write=False) as session:
        kinds = session.scalars(
            select(Notification.kind).where(Notification.user_id == owner.id)
        ).all()
    assert kinds == ["subscribed"]


def test_subscribe_accepts_the_path_alone(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    channel = make_channel(db, make_user(db))
    path = channel_url(channel).removeprefix(BASE)
    response = client.post(
        f"/ws/{uid(fan)}/subscriptions/", json=path, headers=rockpack_bearer(settings, fan)
    )
    assert response.status_code == 201
    assert subscriber_state(db, channel) == (1, 1)


def test_subscribing_to_your_own_private_channel_is_allowed_silently(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner, public=False)
    response = client.post(
        f"/ws/{uid(owner)}/subscriptions/",
        json=channel_url(channel),
        headers=rockpack_bearer(settings, owner),
    )
    assert response.status_code == 201
    with db.session(write=False) as session:
        assert session.scalars(select(Notification)).all() == []


def _invalid_urls(owner_id: int, channel_id: int, other_id: int) -> list[Any]:
    user = ids.encode(ids.USER, owner_id)
    channel = ids.encode(ids.CHANNEL, channel_id)
    return [
        f"https://evil.example/ws/{user}/channels/{channel}/",
        f"{BASE}/ws/{ids.encode(ids.USER, other_id)}/channels/{channel}/",  # wrong owner
        f"{BASE}/ws/{user}/channels/{ids.encode(ids.CHANNEL, 999_999)}/",  # unknown
        f"{BASE}/ws/{user}/channels/{channel}/?x=1",
        f"{BASE}/ws/{user}/channels/{channel}/videos/",
        f"{BASE}/ws/{user}/channels/not-a-channel/",
        f"{BASE}/ws/{user}/",
        "http://[::1",
        "",
        "x" * 5000,
        42,
        None,
        [f"{BASE}/ws/{user}/channels/{channel}/"],
        {"url": f"{BASE}/ws/{user}/channels/{channel}/"},
    ]


@pytest.mark.parametrize("case", range(14))
def test_invalid_channel_urls_are_400(
    client: TestClient, db: Database, settings: Settings, case: int
) -> None:
    fan = make_user(db)
    owner = make_user(db)
    channel = make_channel(db, owner)
    body = _invalid_urls(owner.id, channel.id, fan.id)[case]
    response = client.post(
        f"/ws/{uid(fan)}/subscriptions/", json=body, headers=rockpack_bearer(settings, fan)
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": "Invalid channel url"}
    assert subscriber_state(db, channel) == (0, 0)


def test_a_private_channel_of_someone_else_cannot_be_subscribed(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    channel = make_channel(db, make_user(db), public=False)
    response = client.post(
        f"/ws/{uid(fan)}/subscriptions/",
        json=channel_url(channel),
        headers=rockpack_bearer(settings, fan),
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": "Invalid channel url"}


def test_unsubscribe_deletes_and_counts_down(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    channel = make_channel(db, make_user(db))
    created = client.post(
        f"/ws/{uid(fan)}/subscriptions/",
        json=channel_url(channel),
        headers=rockpack_bearer(settings, fan),
    ).json()
    path = created["resource_url"].removeprefix(BASE)

    deleted = client.delete(path, headers=rockpack_bearer(settings, fan))
    again = client.delete(path, headers=rockpack_bearer(settings, fan))

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert again.status_code == 404
    assert subscriber_state(db, channel) == (0, 0)


def test_unsubscribe_of_unknown_malformed_or_foreign_ids_is_404(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    other = make_user(db)
    channel = make_channel(db, make_user(db))
    foreign = client.post(
        f"/ws/{uid(other)}/subscriptions/",
        json=channel_url(channel),
        headers=rockpack_bearer(settings, other),
    ).json()["id"]
    base = f"/ws/{uid(fan)}/subscriptions/"
    for sub in (foreign, ids.encode(ids.SUBSCRIPTION, 424242), "nope", cid(channel)):
        response = client.delete(f"{base}{sub}/", headers=rockpack_bearer(settings, fan))
        assert response.status_code == 404, sub
    assert subscriber_state(db, channel) == (1, 1)


def test_list_renders_channels_with_owner_and_subscription_url(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    owner = make_user(db, first_name="Olga", picture_url="http://img.example/o.jpg")
    older = make_channel(db, owner, title="Older", description="first")
    newer = make_channel(db, owner, title="Newer")
    hidden = make_channel(db, owner, title="Hidden")
    url = f"/ws/{uid(fan)}/subscriptions/"
    subs = {}
    for channel in (older, newer, hidden):
        body = client.post(
            url, json=channel_url(channel), headers=rockpack_bearer(settings, fan)
        ).json()
        subs[channel.id] = body["resource_url"]
    set_public(db, hidden, False)

    response = client.get(url, headers=rockpack_bearer(settings, fan))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private"
    owner_json = {
        "id": uid(owner),
        "resource_url": f"{BASE}/ws/{uid(owner)}/",
        "display_name": "Olga",
        "avatar_thumbnail_url": "http://img.example/o.jpg",
    }
    assert response.json() == {
        "channels": {
            "total": 2,
            "items": [
                {
                    "position": 0,
                    "id": cid(newer),
                    "resource_url": channel_url(newer),
                    "subscription_resource_url": subs[newer.id],
                    "title": "Newer",
                    "description": "About things",
                    "category": "",
                    "public": True,
                    "subscriber_count": 1,
                    "cover": {"thumbnail_url": "", "aoi": [0.0, 0.0, 1.0, 1.0]},
                    "owner": owner_json,
                },
                {
                    "position": 1,
                    "id": cid(older),
                    "resource_url": channel_url(older),
                    "subscription_resource_url": subs[older.id],
                    "title": "Older",
                    "description": "first",
                    "category": "",
                    "public": True,
                    "subscriber_count": 1,
                    "cover": {"thumbnail_url": "", "aoi": [0.0, 0.0, 1.0, 1.0]},
                    "owner": owner_json,
                },
            ],
        }
    }
    page = client.get(
        url, params={"start": 1, "size": 1}, headers=rockpack_bearer(settings, fan)
    ).json()
    assert [(i["position"], i["id"]) for i in page["channels"]["items"]] == [(1, cid(older))]
    assert page["channels"]["total"] == 2
    # The hidden subscription still exists and can be removed; the counter stays exact.
    assert (
        client.delete(
            subs[hidden.id].removeprefix(BASE), headers=rockpack_bearer(settings, fan)
        ).status_code
        == 204
    )
    assert subscriber_state(db, hidden) == (0, 0)


def test_page_size_is_clamped_to_1000(client: TestClient, db: Database, settings: Settings) -> None:
    fan = make_user(db)
    response = client.get(
        f"/ws/{uid(fan)}/subscriptions/",
        params={"size": 5000},
        headers=rockpack_bearer(settings, fan),
    )
    assert response.status_code == 200
    assert response.json() == {"channels": {"items": [], "total": 0}}
