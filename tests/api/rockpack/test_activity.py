"""POST/GET /ws/USERID/activity/: star (the shared like), view, and the recent activity ids."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.catalog.models import Video
from getnative.channels.models import VideoView
from getnative.config import Settings
from getnative.db import Database
from getnative.likes import service as likes
from getnative.notifications.models import Notification
from tests.clients import assert_rockpack_error, cid, uid, vid
from tests.factories import (
    like_state,
    make_channel,
    make_instance,
    make_user,
    rockpack_bearer,
    set_public,
)


def _notifications(db: Database, user_id: int) -> list[Notification]:
    with db.session(write=False) as session:
        return list(session.scalars(select(Notification).where(Notification.user_id == user_id)))


def test_star_likes_the_video_once_and_notifies_the_owner_once(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    fan = make_user(db)
    channel = make_channel(db, owner)
    instance = make_instance(db, channel)
    url = f"/ws/{uid(fan)}/activity/"
    headers = rockpack_bearer(settings, fan)
    body = {"action": "star", "video_instance": vid(instance)}

    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)

    assert first.status_code == 204
    assert first.content == b""
    assert again.status_code == 204
    assert like_state(db, instance.video_id) == (1, 1)
    starred = _notifications(db, owner.id)
    assert [(n.kind, n.actor_id, n.channel_id, n.video_instance_id) for n in starred] == [
        ("starred", fan.id, channel.id, instance.id)
    ]


def test_star_is_the_same_like_as_other_dialects(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    fan = make_user(db)
    instance = make_instance(db, make_channel(db, owner))
    with db.session() as session:
        likes.like(session, video_id=instance.video_id, user_id=fan.id)

    response = client.post(
        f"/ws/{uid(fan)}/activity/",
        json={"action": "star", "video_instance": vid(instance)},
        headers=rockpack_bearer(settings, fan),
    )

    assert response.status_code == 204
    assert like_state(db, instance.video_id) == (1, 1)
    assert _notifications(db, owner.id) == []  # not a new like: no notification


def test_starring_your_own_video_notifies_nobody(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    instance = make_instance(db, make_channel(db, owner))
    response = client.post(
        f"/ws/{uid(owner)}/activity/",
        json={"action": "star", "video_instance": vid(instance)},
        headers=rockpack_bearer(settings, owner),
    )
    assert response.status_code == 204
    assert like_state(db, instance.video_id) == (1, 1)
    assert _notifications(db, owner.id) == []


def test_view_records_a_row_and_counts(
    client: TestClient, db: Database, settings: Settings
) -> None:
    viewer = make_user(db)
    instance = make_instance(db, make_channel(db, make_user(db)))
    headers = rockpack_bearer(settings, viewer)
    body = {"action": "view", "video_instance": vid(instance)}

    for locale in ("en-GB", None):
        params = {"locale": locale} if locale else {}
        response = client.post(
            f"/ws/{uid(viewer)}/activity/", json=body, params=params, headers=headers
        )
        assert response.status_code == 204

    with db.session(write=False) as session:
        views = session.scalars(select(VideoView).order_by(VideoView.id)).all()
        assert [(v.user_id, v.video_instance_id, v.locale) for v in views] == [
            (viewer.id, instance.id, "en-GB"),
            (viewer.id, instance.id, None),
        ]
        assert session.scalar(select(Video.view_count).where(Video.id == instance.video_id)) == 2


def test_a_private_channel_is_visible_to_its_owner_only(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    stranger = make_user(db)
    instance = make_instance(db, make_channel(db, owner, public=False))
    body = {"action": "view", "video_instance": vid(instance)}

    hidden = client.post(
        f"/ws/{uid(stranger)}/activity/",
        json=body,
        headers=rockpack_bearer(settings, stranger),
    )
    own = client.post(
        f"/ws/{uid(owner)}/activity/",
        json=body,
        headers=rockpack_bearer(settings, owner),
    )

    assert hidden.status_code == 400
    assert hidden.json() == {
        "error": "invalid_request",
        "form_errors": {"video_instance": ["invalid id"]},
    }
    assert own.status_code == 204


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"action": "star", "video_instance": "vi_unknown__"}, {"video_instance": ["invalid id"]}),
        ({"action": "star", "video_instance": 12}, {"video_instance": ["invalid id"]}),
        ({"action": "star"}, {"video_instance": ["invalid id"]}),
        ({"action": "share", "video_instance": None}, {"action": None, "video_instance": None}),
        (
            {"action": ["star"], "video_instance": "x" * 10_000},
            {"action": None, "video_instance": None},
        ),
        ({"video_instance": "VALID"}, {"action": None}),
    ],
)
def test_invalid_activity_is_a_400_with_every_field(
    client: TestClient,
    db: Database,
    settings: Settings,
    body: dict[str, Any],
    errors: dict[str, Any],
) -> None:
    user = make_user(db)
    instance = make_instance(db, make_channel(db, user))
    if body.get("video_instance") == "VALID":
        body = {**body, "video_instance": vid(instance)}
    response = client.post(
        f"/ws/{uid(user)}/activity/", json=body, headers=rockpack_bearer(settings, user)
    )
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "invalid_request"
    assert set(payload["form_errors"]) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert payload["form_errors"][field] == messages


def test_unknown_instance_of_a_valid_shape_is_invalid(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    response = client.post(
        f"/ws/{uid(user)}/activity/",
        json={"action": "star", "video_instance": ids.encode(ids.VIDEO_INSTANCE, 987654)},
        headers=rockpack_bearer(settings, user),
    )
    assert response.status_code == 400
    assert response.json()["form_errors"] == {"video_instance": ["invalid id"]}


@pytest.mark.parametrize(
    ("content", "params"),
    [
        (b"{not json", {}),
        (b'"star"', {}),
        (b"[1, 2]", {}),
        (b"", {}),
        (b'{"action": "view", "video_instance": "x"}', {"locale": "x" * 40}),
        (b'{"action": "view", "video_instance": "x"}', {"locale": "en;DROP"}),
    ],
)
def test_malformed_bodies_and_locales_are_400(
    client: TestClient, db: Database, settings: Settings, content: bytes, params: dict[str, str]
) -> None:
    user = make_user(db)
    response = client.post(
        f"/ws/{uid(user)}/activity/",
        content=content,
        params=params,
        headers={**rockpack_bearer(settings, user), "Content-Type": "application/json"},
    )
    assert_rockpack_error(response, 400)


def test_recent_activity_lists_ids_newest_first(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    other = make_user(db)
    public = make_channel(db, other)
    hidden = make_channel(db, other)
    first = make_instance(db, public)
    second = make_instance(db, public)
    secret = make_instance(db, hidden)
    headers = rockpack_bearer(settings, user)
    url = f"/ws/{uid(user)}/activity/"
    for instance, action in [
        (first, "view"),
        (second, "view"),
        (first, "view"),
        (secret, "view"),
        (second, "star"),
        (first, "star"),
    ]:
        body = {"action": action, "video_instance": vid(instance)}
        assert client.post(url, json=body, headers=headers).status_code == 204
    channel_url = f"http://testserver/ws/{uid(other)}/channels/{cid(public)}/"
    assert (
        client.post(
            f"/ws/{uid(user)}/subscriptions/", json=channel_url, headers=headers
        ).status_code
        == 201
    )
    set_public(db, hidden, False)

    response = client.get(url, headers=headers)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert response.json() == {
        "recently_viewed": [vid(first), vid(second)],
        "recently_starred": [
            ids.encode(ids.VIDEO, first.video_id),
            ids.encode(ids.VIDEO, second.video_id),
        ],
        "subscribed": [cid(public)],
    }


def test_recent_activity_of_a_new_user_is_empty(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    response = client.get(f"/ws/{uid(user)}/activity/", headers=rockpack_bearer(settings, user))
    assert response.json() == {"recently_viewed": [], "recently_starred": [], "subscribed": []}
