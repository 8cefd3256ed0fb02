"""GET/POST /ws/USERID/notifications/ and unread_count: Rockpack's starred/subscribed messages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from getnative.notifications import service as notifications
from getnative.notifications.models import Notification
from tests.clients import BASE, cid, uid, vid
from tests.factories import (
    make_channel,
    make_instance,
    make_user,
    make_youtube_video,
    rockpack_bearer,
)

THUMBNAIL = "http://i.ytimg.com/vi/m04evx91lh8/mqdefault.jpg"


def _arrange(db: Database) -> dict[str, Any]:
    """Owner A with a channel and an instance; fan B subscribed, then starred; plus a welcome."""
    owner = make_user(db, first_name="Ann", last_name="Owner")
    fan = make_user(db, username="bee", picture_url="http://img.example/bee.jpg")
    channel = make_channel(db, owner)
    instance = make_instance(
        db, channel, video=make_youtube_video(db, thumbnail_image_url=THUMBNAIL)
    )
    with db.session() as session:
        notifications.create_welcome(session, owner.id)
        notifications.notify_subscribed(
            session, owner_id=owner.id, actor_id=fan.id, channel_id=channel.id
        )
        session.flush()
        notifications.notify_starred(
            session,
            owner_id=owner.id,
            actor_id=fan.id,
            channel_id=channel.id,
            video_instance_id=instance.id,
        )
    with db.session(write=False) as session:
        rows = session.scalars(
            select(Notification).where(Notification.user_id == owner.id).order_by(Notification.id)
        ).all()
    return {
        "owner": owner,
        "fan": fan,
        "channel": channel,
        "instance": instance,
        "welcome": rows[0],
        "subscribed": rows[1],
        "starred": rows[2],
    }


def test_list_renders_starred_and_subscribed_exactly(
    client: TestClient, db: Database, settings: Settings
) -> None:
    a = _arrange(db)
    owner, fan, channel, instance = a["owner"], a["fan"], a["channel"], a["instance"]

    response = client.get(
        f"/ws/{uid(owner)}/notifications/", headers=rockpack_bearer(settings, owner)
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=60"
    user = {
        "id": uid(fan),
        "resource_url": f"{BASE}/ws/{uid(fan)}/",
        "display_name": "bee",
        "avatar_thumbnail_url": "http://img.example/bee.jpg",
    }
    channel_ref = {
        "resource_url": f"{BASE}/ws/{uid(owner)}/channels/{cid(channel)}/",
        "id": cid(channel),
    }
    assert response.json() == {
        "notifications": {
            "total": 2,
            "items": [
                {
                    "id": a["starred"].id,
                    "message_type": "starred",
                    "date_created": a["starred"].created_at.isoformat(),
                    "read": False,
                    "message": {
                        "video": {
                            "thumbnail_url": THUMBNAIL,
                            "id": vid(instance),
                            "channel": channel_ref,
                        },
                        "user": user,
                    },
                },
                {
                    "id": a["subscribed"].id,
                    "message_type": "subscribed",
                    "date_created": a["subscribed"].created_at.isoformat(),
                    "read": False,
                    "message": {"channel": {**channel_ref, "thumbnail_url": ""}, "user": user},
                },
            ],
        }
    }


def test_list_pages_with_start_and_size(
    client: TestClient, db: Database, settings: Settings
) -> None:
    a = _arrange(db)
    url = f"/ws/{uid(a['owner'])}/notifications/"
    headers = rockpack_bearer(settings, a["owner"])

    second = client.get(url, params={"start": 1, "size": 1}, headers=headers).json()
    beyond = client.get(url, params={"start": 5}, headers=headers).json()

    assert second["notifications"]["total"] == 2
    assert [item["id"] for item in second["notifications"]["items"]] == [a["subscribed"].id]
    assert beyond == {"notifications": {"total": 2, "items": []}}


@pytest.mark.parametrize(
    "params", [{"start": -1}, {"size": "ten"}, {"start": str(10**30)}, {"size": -5}]
)
def test_bad_paging_is_400(
    client: TestClient, db: Database, settings: Settings, params: dict[str, Any]
) -> None:
    user = make_user(db)
    response = client.get(
        f"/ws/{uid(user)}/notifications/", params=params, headers=rockpack_bearer(settings, user)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_unread_count_and_mark_read(client: TestClient, db: Database, settings: Settings) -> None:
    a = _arrange(db)
    stranger = make_user(db)
    with db.session() as session:
        notifications.notify_subscribed(
            session, owner_id=stranger.id, actor_id=a["fan"].id, channel_id=a["channel"].id
        )
    base = f"/ws/{uid(a['owner'])}/notifications/"
    headers = rockpack_bearer(settings, a["owner"])

    before = client.get(f"{base}unread_count/", headers=headers)
    with db.session(write=False) as session:
        foreign_id = session.scalar(
            select(Notification.id).where(Notification.user_id == stranger.id)
        )
    marked = client.post(base, json={"mark_read": [a["starred"].id, foreign_id]}, headers=headers)
    after = client.get(f"{base}unread_count/", headers=headers)
    listing = client.get(base, headers=headers).json()

    assert before.status_code == 200
    assert before.headers["Cache-Control"] == "private, max-age=60"
    assert before.json() == 2  # the welcome is not a Rockpack notification
    assert marked.status_code == 204
    assert marked.content == b""
    assert after.json() == 1
    assert [item["read"] for item in listing["notifications"]["items"]] == [True, False]
    with db.session(write=False) as session:
        assert (
            session.scalar(select(Notification.read).where(Notification.id == foreign_id)) is False
        )


def test_mark_read_of_nothing_is_fine(client: TestClient, db: Database, settings: Settings) -> None:
    user = make_user(db)
    response = client.post(
        f"/ws/{uid(user)}/notifications/",
        json={"mark_read": []},
        headers=rockpack_bearer(settings, user),
    )
    assert response.status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"mark_read": ["1"]},
        {"mark_read": [1.5]},
        {"mark_read": [True]},
        {"mark_read": 1},
        {"mark_read": [10**30]},
        {"mark_read": [-1]},
        {"mark_read": list(range(1, 1002))},
        {"ids": [1]},
        [1, 2],
        "mark_read",
    ],
)
def test_mark_read_rejects_anything_but_a_list_of_ids(
    client: TestClient, db: Database, settings: Settings, body: Any
) -> None:
    user = make_user(db)
    response = client.post(
        f"/ws/{uid(user)}/notifications/", json=body, headers=rockpack_bearer(settings, user)
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid id list", "error": "invalid_request"}
