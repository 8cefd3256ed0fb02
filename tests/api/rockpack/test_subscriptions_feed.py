"""GET /ws/USERID/subscriptions/recent_videos/: the newest instances of subscribed channels."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from getnative.accounts import service as accounts
from getnative.accounts.models import User
from getnative.api.rockpack import ids
from getnative.catalog.models import Video
from getnative.channels import social_service
from getnative.channels.models import Channel, CoverArt, Subscription, VideoInstance
from getnative.config import Settings
from getnative.db import Database
from tests.clients import BASE, channel_url, cid, uid, vid
from tests.factories import (
    T0,
    make_channel,
    make_cover_art,
    make_instance,
    make_user,
    make_youtube_video,
    rockpack_bearer,
    set_public,
)
from tests.statements import counting_statements


def _subscribe(db: Database, user_id: int, *channels: Channel) -> None:
    with db.session() as session:
        for channel in channels:
            social_service.subscribe(session, user_id=user_id, channel_id=channel.id)


def _feed_ids(client: TestClient, settings: Settings, user: Any, **params: Any) -> list[str]:
    response = client.get(
        f"/ws/{uid(user)}/subscriptions/recent_videos/",
        params=params,
        headers=rockpack_bearer(settings, user),
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["videos"]["items"]]


def test_feed_renders_instances_with_their_channel_and_owner(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    owner = make_user(db, username="curator")
    channel = make_channel(db, owner, title="favourites", description="")
    video = make_youtube_video(
        db, source_id="vSV8un-UscU", title="I Wasn't Talking To You", source_username="yt user"
    )
    instance = make_instance(db, channel, video=video, minutes=5)
    _subscribe(db, fan.id, channel)

    response = client.get(
        f"/ws/{uid(fan)}/subscriptions/recent_videos/",
        params={"locale": "en-us"},
        headers=rockpack_bearer(settings, fan),
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert response.json() == {
        "videos": {
            "total": 1,
            "items": [
                {
                    "position": 0,
                    "id": vid(instance),
                    "title": "I Wasn't Talking To You",
                    "date_added": "2024-01-01T12:05:00+00:00",
                    "video": {
                        "id": ids.encode(ids.VIDEO, video.id),
                        "source": "youtube",
                        "source_id": "vSV8un-UscU",
                        "source_username": "yt user",
                        "duration": 62,
                        "thumbnail_url": "http://i.ytimg.com/vi/vSV8un-UscU/mqdefault.jpg",
                        "view_count": 0,
                        "star_count": 0,
                    },
                    "channel": {
                        "id": cid(channel),
                        "resource_url": channel_url(channel),
                        "title": "favourites",
                        "description": "",
                        "category": "",
                        "public": True,
                        "subscriber_count": 1,
                        "cover": {"thumbnail_url": "", "aoi": [0.0, 0.0, 1.0, 1.0]},
                        "owner": {
                            "id": uid(owner),
                            "resource_url": f"{BASE}/ws/{uid(owner)}/",
                            "display_name": "curator",
                            "avatar_thumbnail_url": "",
                        },
                    },
                }
            ],
        }
    }


def test_feed_is_newest_first_across_channels_and_pages(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    first = make_channel(db, make_user(db))
    second = make_channel(db, make_user(db))
    unsubscribed = make_channel(db, make_user(db))
    a = make_instance(db, first, minutes=1)
    b = make_instance(db, second, minutes=3)
    c = make_instance(db, first, minutes=2)
    tie_low = make_instance(db, second, minutes=4)
    tie_high = make_instance(db, first, minutes=4)  # same date_added: higher id first
    make_instance(db, unsubscribed, minutes=9)
    _subscribe(db, fan.id, first, second)

    everything = _feed_ids(client, settings, fan)
    page = client.get(
        f"/ws/{uid(fan)}/subscriptions/recent_videos/",
        params={"start": 1, "size": 2},
        headers=rockpack_bearer(settings, fan),
    ).json()["videos"]

    expected = [vid(i) for i in (tie_high, tie_low, b, c, a)]
    assert everything == expected
    assert page["total"] == 5
    assert [(i["position"], i["id"]) for i in page["items"]] == [(1, expected[1]), (2, expected[2])]


def test_feed_leaves_out_videos_not_visible_in_the_locale(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    channel = make_channel(db, make_user(db))
    everywhere = make_instance(db, channel, minutes=1)
    british = make_instance(db, channel, minutes=2, locales=["en-gb"])
    french = make_instance(db, channel, minutes=3, locales=["fr"])
    _subscribe(db, fan.id, channel)

    assert _feed_ids(client, settings, fan, locale="en-GB") == [vid(british), vid(everywhere)]
    assert _feed_ids(client, settings, fan, locale="fr-FR") == [vid(french), vid(everywhere)]
    assert _feed_ids(client, settings, fan) == [vid(i) for i in (french, british, everywhere)]


def test_a_channel_turned_private_leaves_the_feed(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    owner = make_user(db)
    channel = make_channel(db, owner)
    instance = make_instance(db, channel)
    _subscribe(db, fan.id, channel)
    _subscribe(db, owner.id, channel)
    set_public(db, channel, False)

    assert _feed_ids(client, settings, fan) == []
    assert _feed_ids(client, settings, owner) == [vid(instance)]  # the owner still sees it
    set_public(db, channel, True)
    assert _feed_ids(client, settings, fan) == [vid(instance)]


@pytest.mark.parametrize("params", [{"locale": "<script>"}, {"start": "x"}, {"size": -1}])
def test_feed_rejects_bad_parameters(
    client: TestClient, db: Database, settings: Settings, params: dict[str, Any]
) -> None:
    fan = make_user(db)
    response = client.get(
        f"/ws/{uid(fan)}/subscriptions/recent_videos/",
        params=params,
        headers=rockpack_bearer(settings, fan),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_the_counter_sees_the_raw_driver(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count below would pass vacuously if the feed's path escaped the counter."""

    async def two_reads() -> None:
        read = social_service.feed_reads()[0]
        values = social_service.feed_values(
            user_id=1, token_version=0, locale=None, start=0, size=1
        )
        await db.fetch(read, values)
        await db.fetch(read, values)

    with counting_statements(monkeypatch) as statements:
        asyncio.run(two_reads())
    assert len([s for s in statements if s != "BEGIN"]) == 2, statements


def test_feed_is_one_statement(
    client: TestClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many subscriptions, channels and owners: the page, its owners and covers, the bounded
    total and the token check come from one statement, the request's only one."""
    fan = make_user(db)
    with db.session() as session:
        owners = [make_user_row(session, n) for n in range(20)]
        channels = [
            Channel(owner_id=owner.id, title=f"c{n}", public=True) for n, owner in enumerate(owners)
        ]
        session.add_all(channels)
        session.flush()
        video = make_video_row(session)
        for n, channel in enumerate(channels):
            session.add(Subscription(user_id=fan.id, channel_id=channel.id))
            for m in range(3):
                session.add(
                    VideoInstance(
                        channel_id=channel.id,
                        video_id=video,
                        date_added=T0.replace(minute=m, second=n),
                    )
                )
    headers = rockpack_bearer(settings, fan)

    with counting_statements(monkeypatch) as statements:
        response = client.get(
            f"/ws/{uid(fan)}/subscriptions/recent_videos/",
            params={"locale": "en", "size": 50},
            headers=headers,
        )
    body = response.json()["videos"]
    assert body["total"] == 60
    assert len(body["items"]) == 50
    owner_ids = {uid(owner) for owner in owners}
    for item in body["items"]:
        assert item["video"]["source"] == "youtube"
        assert item["channel"]["cover"]["thumbnail_url"] == ""
        assert item["channel"]["owner"]["id"] in owner_ids
    dates = [item["date_added"] for item in body["items"]]
    assert dates == sorted(dates, reverse=True)
    assert [s for s in statements if s != "BEGIN"] == statements[-1:], statements
    assert "feed_entries" in statements[-1]


def make_user_row(session: Any, n: int) -> User:
    user = User(email=f"owner{n}-{id(session)}@example.com", username=f"owner{n}")
    session.add(user)
    session.flush()
    return user


def make_video_row(session: Any) -> int:
    video = Video(source="youtube", source_id=f"bulk{id(session)}", title="bulk")
    session.add(video)
    session.flush()
    return video.id


def test_the_feed_ends_at_its_depth_and_total_counts_at_most_that(
    client: TestClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(social_service, "FEED_DEPTH", 3)
    fan = make_user(db)
    channel = make_channel(db, make_user(db))
    newest_first = [make_instance(db, channel, minutes=m) for m in range(5)][::-1]
    _subscribe(db, fan.id, channel)
    url = f"/ws/{uid(fan)}/subscriptions/recent_videos/"

    def page(**params: Any) -> dict[str, Any]:
        body: dict[str, Any] = client.get(
            url, params=params, headers=rockpack_bearer(settings, fan)
        ).json()
        return body["videos"]

    first = page(size=2)
    second = page(start=2, size=2)
    beyond = page(start=3)

    assert [i["id"] for i in first["items"]] == [vid(i) for i in newest_first[:2]]
    assert first["total"] == 3
    assert [i["id"] for i in second["items"]] == [vid(newest_first[2])]
    assert second["total"] == 3
    assert beyond == {"total": 3, "items": []}


def test_instances_tied_at_the_depth_are_ordered_by_id_across_channels(
    client: TestClient, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads each channel's newest `depth` instances first: the ones tied on
    date_added at that bound must all reach the feed's (date_added, id) order."""
    monkeypatch.setattr(social_service, "FEED_DEPTH", 2)
    fan = make_user(db)
    crowded = make_channel(db, make_user(db))
    other = make_channel(db, make_user(db))
    tied = [make_instance(db, crowded, minutes=5) for _ in range(3)]
    make_instance(db, other, minutes=1)
    late_tie = make_instance(db, other, minutes=5)
    _subscribe(db, fan.id, crowded, other)

    expected = [vid(i) for i in sorted([*tied, late_tie], key=lambda i: i.id, reverse=True)]
    assert _feed_ids(client, settings, fan) == expected[:2]


def test_total_of_a_page_past_the_end_is_counted(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    channel = make_channel(db, make_user(db))
    make_instance(db, channel)
    make_instance(db, channel, minutes=1)
    _subscribe(db, fan.id, channel)
    response = client.get(
        f"/ws/{uid(fan)}/subscriptions/recent_videos/",
        params={"start": 10, "size": 1},  # size 0 is a 400 since issue 12 (one paging rule)
        headers=rockpack_bearer(settings, fan),
    )
    assert response.json() == {"videos": {"total": 2, "items": []}}


def test_a_channel_cover_renders_in_the_feed_as_in_the_channel_view(
    client: TestClient, db: Database, settings: Settings
) -> None:
    """The cover's `aoi` is a JSON column: the feed's statement runs on the raw driver on
    PostgreSQL, which hands JSON back as text; it must still render as the list of numbers."""
    fan = make_user(db)
    owner = make_user(db)
    cover = make_cover_art(db, owner)
    channel = make_channel(db, owner, cover_art_id=cover.id)
    make_instance(db, channel)
    _subscribe(db, fan.id, channel)

    response = client.get(
        f"/ws/{uid(fan)}/subscriptions/recent_videos/", headers=rockpack_bearer(settings, fan)
    )

    [item] = response.json()["videos"]["items"]
    assert item["channel"]["cover"] == {
        "thumbnail_url": f"{BASE}/media/{cover.thumbnail_key}",
        "aoi": [0.1, 0.2, 0.9, 0.8],
    }
    channel_view = client.get(f"/ws/{uid(owner)}/").json()["channels"]["items"][0]
    assert item["channel"]["cover"] == channel_view["cover"]


@pytest.mark.parametrize("revoke", [accounts.revoke_tokens, accounts.deactivate])
@pytest.mark.parametrize("params", [{"locale": "en", "size": 5}, {"size": 0}, {"locale": "<"}])
def test_a_revoked_token_reads_no_feed(
    client: TestClient,
    db: Database,
    settings: Settings,
    revoke: Callable[[Session, User], None],
    params: dict[str, Any],
) -> None:
    """The token check runs inside the feed's statement on the common request (valid
    parameters) and in `Owner` on the others: a revoked token is the 401 on both, before any
    parameter error."""
    fan = make_user(db)
    channel = make_channel(db, make_user(db))
    make_instance(db, channel)
    _subscribe(db, fan.id, channel)
    headers = rockpack_bearer(settings, fan)
    url = f"/ws/{uid(fan)}/subscriptions/recent_videos/"
    with db.session() as session:
        user = session.get(User, fan.id)
        assert user is not None
        revoke(session, user)

    response = client.get(url, params=params, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="rockpack" error="invalid_token"'


def test_a_changed_item_renders_fresh_on_the_next_request(
    client: TestClient, db: Database, settings: Settings
) -> None:
    """Each worker memoises the JSON of feed items (`render._feed_item_members`) keyed by the
    values they are made of: a change to the video, the channel, its cover or its owner shows
    on the very next request, and an item that moves to another position carries that position."""
    fan = make_user(db)
    owner = make_user(db, username="curator")
    cover = make_cover_art(db, owner)
    channel = make_channel(db, owner, title="before", cover_art_id=cover.id)
    first = make_instance(db, channel, minutes=2)
    make_instance(db, channel, minutes=1)
    _subscribe(db, fan.id, channel)
    url = f"/ws/{uid(fan)}/subscriptions/recent_videos/"
    headers = rockpack_bearer(settings, fan)
    assert client.get(url, headers=headers).status_code == 200

    with db.session() as session:
        video = session.get(Video, first.video_id)
        stored_channel = session.get(Channel, channel.id)
        stored_owner = session.get(User, owner.id)
        stored_cover = session.get(CoverArt, cover.id)
        assert video is not None
        assert stored_channel is not None
        assert stored_owner is not None
        assert stored_cover is not None
        video.like_count = 7
        stored_channel.title = "after"
        stored_owner.first_name = "Ada"
        stored_cover.aoi = [0.0, 0.5, 0.5, 1.0]
    items = client.get(url, headers=headers).json()["videos"]["items"]

    assert [item["position"] for item in items] == [0, 1]
    assert items[0]["video"]["star_count"] == 7
    assert items[0]["channel"]["title"] == "after"
    assert items[0]["channel"]["owner"]["display_name"] == "Ada"
    assert items[0]["channel"]["cover"]["aoi"] == [0.0, 0.5, 0.5, 1.0]
    make_instance(db, channel, minutes=3)  # a newer one: the same items move down one place
    moved = client.get(url, headers=headers).json()["videos"]["items"]
    assert [item["position"] for item in moved] == [0, 1, 2]
    assert moved[1:] == [{**item, "position": item["position"] + 1} for item in items]
