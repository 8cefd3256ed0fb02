"""Integration fixes between the Rockpack services and the shared account rules."""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.accounts.service import deactivate
from getnative.channels import social_service
from getnative.channels.models import Subscription
from getnative.config import Settings
from getnative.db import Database
from getnative.errors import NotFound
from getnative.notifications.models import Notification
from tests.clients import channel_url, cid, uid
from tests.factories import make_channel, make_user, rockpack_bearer, subscriber_state


def test_owner_view_unread_count_agrees_with_the_unread_count_resource(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    fan = make_user(db)
    auth = rockpack_bearer(settings, owner)
    channel = make_channel(db, owner)
    with db.session() as session:
        # A Get Native welcome is no Rockpack notification: it must not count anywhere in /ws.
        session.add(Notification(user_id=owner.id, kind="welcome", title="Welcome"))
    subscribed = client.post(
        f"/ws/{uid(fan)}/subscriptions/",
        json=channel_url(channel),
        headers=rockpack_bearer(settings, fan),
    )
    assert subscribed.status_code == 201

    view = client.get(f"/ws/{uid(owner)}/", headers=auth).json()
    resource = client.get(f"/ws/{uid(owner)}/notifications/unread_count/", headers=auth).json()

    assert resource == 1
    assert view["notifications"]["unread_count"] == resource


def test_a_deactivated_subscriber_leaves_count_and_list(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    stays, leaves = make_user(db), make_user(db)
    channel = make_channel(db, owner)
    for user in (stays, leaves):
        response = client.post(
            f"/ws/{uid(user)}/subscriptions/",
            json=channel_url(channel),
            headers=rockpack_bearer(settings, user),
        )
        assert response.status_code == 201
    assert subscriber_state(db, channel) == (2, 2)

    with db.session() as session:
        user = session.get(User, leaves.id)
        assert user is not None
        deactivate(session, user)

    assert subscriber_state(db, channel) == (1, 1)
    path = f"/ws/{uid(owner)}/channels/{cid(channel)}/"
    assert client.get(path).json()["subscriber_count"] == 1
    users = client.get(f"{path}subscribers/").json()["users"]
    assert users["total"] == 1
    assert [item["id"] for item in users["items"]] == [uid(stays)]


def test_deactivating_a_user_without_subscriptions_moves_no_counter(db: Database) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    loner = make_user(db)
    with db.session() as session:
        user = session.get(User, loner.id)
        assert user is not None
        deactivate(session, user)
    assert subscriber_state(db, channel) == (0, 0)


def test_deactivation_racing_unsubscribes_keeps_counters_exact(db: Database) -> None:
    """Each subscription is removed once, by whichever side deletes the row; only that side
    moves the counter (the old code moved it by the rows it had merely selected)."""
    leaver = make_user(db)
    channels = [make_channel(db, make_user(db)) for _ in range(4)]
    with db.session() as session:
        for channel in channels:
            social_service.subscribe(session, user_id=leaver.id, channel_id=channel.id)
        subscription_ids = list(
            session.scalars(select(Subscription.id).where(Subscription.user_id == leaver.id))
        )
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(subscription_ids) + 1)

    def run_deactivation() -> None:
        try:
            barrier.wait()
            with db.session() as session:
                user = session.get(User, leaver.id)
                assert user is not None
                deactivate(session, user)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def run_unsubscribe(subscription_id: int) -> None:
        try:
            barrier.wait()
            with db.session() as session, contextlib.suppress(NotFound):
                social_service.unsubscribe(
                    session, user_id=leaver.id, subscription_id=subscription_id
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run_deactivation)]
    threads += [threading.Thread(target=run_unsubscribe, args=(key,)) for key in subscription_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [subscriber_state(db, channel) for channel in channels] == [(0, 0)] * len(channels)
