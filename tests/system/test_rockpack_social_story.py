"""The whole social story over HTTP, and the counters under concurrency."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.channels import social_service
from getnative.channels.models import Subscription
from getnative.config import Settings
from getnative.db import Database
from getnative.errors import NotFound
from tests.clients import BASE, channel_url, cid, uid, vid
from tests.factories import (
    like_state,
    make_channel,
    make_instance,
    make_user,
    rockpack_bearer,
    set_public,
    subscriber_state,
)


def test_subscribe_star_notify_feed_and_privacy(
    client: TestClient, db: Database, settings: Settings
) -> None:
    a = make_user(db, username="anna")
    b = make_user(db, username="ben")
    auth_a = rockpack_bearer(settings, a)
    auth_b = rockpack_bearer(settings, b)
    channel = make_channel(db, a)
    old = make_instance(db, channel, minutes=1)
    new = make_instance(db, channel, minutes=2)

    # B subscribes: A is notified.
    subscribed = client.post(
        f"/ws/{uid(b)}/subscriptions/", json=channel_url(channel), headers=auth_b
    )
    assert subscribed.status_code == 201
    assert subscriber_state(db, channel) == (1, 1)

    # B stars: A is notified, the like is counted once.
    star = {"action": "star", "video_instance": vid(new)}
    assert client.post(f"/ws/{uid(b)}/activity/", json=star, headers=auth_b).status_code == 204
    assert like_state(db, new.video_id) == (1, 1)

    # A reads the notifications, the unread count, marks one read.
    listing = client.get(f"/ws/{uid(a)}/notifications/", headers=auth_a).json()["notifications"]
    assert listing["total"] == 2
    kinds = [(item["message_type"], item["message"]["user"]["id"]) for item in listing["items"]]
    assert kinds == [("starred", uid(b)), ("subscribed", uid(b))]
    assert listing["items"][0]["message"]["video"]["id"] == vid(new)
    assert listing["items"][1]["message"]["channel"]["id"] == cid(channel)
    unread = f"/ws/{uid(a)}/notifications/unread_count/"
    assert client.get(unread, headers=auth_a).json() == 2
    starred_id = listing["items"][0]["id"]
    marked = client.post(
        f"/ws/{uid(a)}/notifications/", json={"mark_read": [starred_id]}, headers=auth_a
    )
    assert marked.status_code == 204
    assert client.get(unread, headers=auth_a).json() == 1

    # B's feed shows A's videos newest first, with the star counted.
    feed_url = f"/ws/{uid(b)}/subscriptions/recent_videos/"
    feed = client.get(feed_url, params={"locale": "en"}, headers=auth_b).json()["videos"]
    assert [item["id"] for item in feed["items"]] == [vid(new), vid(old)]
    assert feed["items"][0]["video"]["star_count"] == 1
    assert feed["items"][0]["channel"]["owner"]["resource_url"] == f"{BASE}/ws/{uid(a)}/"

    # A makes the channel private: it leaves B's feed and subscriptions list.
    set_public(db, channel, False)
    assert client.get(feed_url, headers=auth_b).json() == {"videos": {"total": 0, "items": []}}
    subs = client.get(f"/ws/{uid(b)}/subscriptions/", headers=auth_b).json()
    assert subs == {"channels": {"items": [], "total": 0}}
    activity = client.get(f"/ws/{uid(b)}/activity/", headers=auth_b).json()
    assert activity["subscribed"] == []
    assert activity["recently_starred"] == [ids.encode(ids.VIDEO, new.video_id)]
    # ... and B can no longer star or view its videos.
    assert client.post(f"/ws/{uid(b)}/activity/", json=star, headers=auth_b).status_code == 400


def _run_threads(workers: list[threading.Thread]) -> None:
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def test_concurrent_subscribe_and_unsubscribe_keep_the_counter_exact(db: Database) -> None:
    channel = make_channel(db, make_user(db))
    users = [make_user(db) for _ in range(6)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(users) * 2)

    def subscribe(user_id: int) -> None:
        try:
            barrier.wait()
            for _ in range(4):
                with db.session() as session:
                    social_service.subscribe(session, user_id=user_id, channel_id=channel.id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def unsubscribe(user_id: int) -> None:
        try:
            barrier.wait()
            for _ in range(4):
                with db.session() as session:
                    found = session.scalar(
                        select(Subscription.id).where(
                            Subscription.user_id == user_id,
                            Subscription.channel_id == channel.id,
                        )
                    )
                    with contextlib.suppress(NotFound):
                        social_service.unsubscribe(session, user_id=user_id, subscription_id=found)
        except BaseException as exc:
            errors.append(exc)

    threads: list[threading.Thread] = []
    for user in users:
        threads.append(threading.Thread(target=subscribe, args=(user.id,)))
        threads.append(threading.Thread(target=unsubscribe, args=(user.id,)))
    _run_threads(threads)

    assert errors == []
    count, rows = subscriber_state(db, channel)
    assert count == rows
    assert 0 <= rows <= len(users)


def test_concurrent_stars_of_one_user_count_once_and_notify_once(db: Database) -> None:
    owner = make_user(db)
    fan = make_user(db)
    instance = make_instance(db, make_channel(db, owner))
    results: list[Any] = []
    barrier = threading.Barrier(6)

    def star() -> None:
        barrier.wait()
        with db.session() as session:
            results.append(social_service.star(session, user_id=fan.id, instance_id=instance.id))

    _run_threads([threading.Thread(target=star) for _ in range(6)])

    assert sorted(results) == [False] * 5 + [True]
    assert like_state(db, instance.video_id) == (1, 1)
    with db.session(write=False) as session:
        rows, total = social_service.list_social_notifications(
            session, user_id=owner.id, start=0, size=10
        )
    assert total == 1 and rows[0].kind == "starred"


def test_leaving_all_channels_moves_each_counter_once(db: Database) -> None:
    leaver = make_user(db)
    stayer = make_user(db)
    channels = [make_channel(db, make_user(db)) for _ in range(3)]
    with db.session() as session:
        for channel in channels:
            social_service.subscribe(session, user_id=leaver.id, channel_id=channel.id)
        social_service.subscribe(session, user_id=stayer.id, channel_id=channels[0].id)
    with db.session() as session:
        assert social_service.leave_all_channels(session, leaver.id) == 3
        assert social_service.leave_all_channels(session, leaver.id) == 0
    assert [subscriber_state(db, c) for c in channels] == [(1, 1), (0, 0), (0, 0)]
