"""The precomputed feed (`feed_entries`, `getnative.channels.feed_index`) equals the feed
computed from base tables after every kind of write, on both databases."""

from __future__ import annotations

import asyncio
import importlib.util
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select, text, update

from getnative.accounts.models import User
from getnative.catalog.models import Video, VideoLocale
from getnative.channels import feed_index, service, social_service
from getnative.channels.models import Channel, FeedEntry, Subscription, VideoInstance
from getnative.channels.service import InstanceRef, SourceRef
from getnative.db import Database
from tests.factories import (
    T0,
    make_channel,
    make_instance,
    make_user,
    make_youtube_video,
    set_public,
)

# The feed's definition, written from base tables independently of the triggers: every
# instance of every channel the user subscribes to and may see; `restricted` when the video
# has locale rows.
EXPECTED = """
SELECT s.user_id, i.date_added, i.id,
       EXISTS (SELECT 1 FROM video_locales l WHERE l.video_id = i.video_id)
FROM subscriptions s
JOIN channels c ON c.id = s.channel_id
JOIN video_instances i ON i.channel_id = s.channel_id
WHERE c.public OR c.owner_id = s.user_id
"""


def _entries(db: Database) -> tuple[set[tuple[int, int, bool]], set[tuple[int, int, bool]]]:
    with db.session(write=False) as session:
        expected = {
            (user, instance, bool(restricted))
            for user, _date, instance, restricted in session.execute(text(EXPECTED))
        }
        dates = dict(session.execute(select(VideoInstance.id, VideoInstance.date_added)).all())
        stored = set()
        for entry in session.scalars(select(FeedEntry)):
            assert entry.date_added == dates.get(entry.instance_id), entry.instance_id
            stored.add((entry.user_id, entry.instance_id, entry.restricted))
    return expected, stored


def _assert_exact(db: Database) -> int:
    expected, stored = _entries(db)
    assert stored == expected
    return len(stored)


def _feed_from_base(db: Database, user_id: int, locale: str | None) -> tuple[list[int], int]:
    with db.session(write=False) as session:
        ids = list(
            session.scalars(
                social_service._feed_query(user_id, locale)
                .with_only_columns(VideoInstance.id)
                .order_by(VideoInstance.date_added.desc(), VideoInstance.id.desc())
                .limit(social_service.FEED_DEPTH)
            )
        )
    return ids, len(ids)


def _feed(db: Database, user_id: int, locale: str | None) -> tuple[list[int], int]:
    async def read() -> tuple[list[social_service.FeedItem], int]:
        return await social_service.feed(
            db, user_id=user_id, token_version=0, locale=locale, start=0, size=1000
        )

    items, total = asyncio.run(read())
    return [item.instance.id for item in items], total


def _assert_feeds(db: Database, *users: User) -> None:
    for user in users:
        for locale in (None, "en", "fr-CA"):
            assert _feed(db, user.id, locale) == _feed_from_base(db, user.id, locale)


def test_every_kind_of_write_keeps_the_feed_exact(db: Database) -> None:
    owner, fan, other = make_user(db), make_user(db), make_user(db)
    public = make_channel(db, owner)
    private = make_channel(db, owner, public=False)
    second = make_channel(db, other)
    for minutes in range(3):
        make_instance(db, public, minutes=minutes)
        make_instance(db, private, minutes=10 + minutes)
    make_instance(db, second, minutes=20, locales=["fr"])

    with db.session() as session:  # subscribe (the service) and a hand-written insert
        social_service.subscribe(session, user_id=fan.id, channel_id=public.id)
        social_service.subscribe(session, user_id=owner.id, channel_id=private.id)
        session.add(Subscription(user_id=fan.id, channel_id=private.id))  # private: no rows
        session.add(Subscription(user_id=fan.id, channel_id=second.id))
    assert _assert_exact(db) == 3 + 3 + 1
    _assert_feeds(db, fan, owner)

    with db.session() as session:  # add videos to channels with subscribers, in one go
        channel = session.get(Channel, public.id)
        assert channel is not None
        service.append_channel_videos(
            session, channel, [SourceRef("youtube", "aaaaaaaaaaa"), SourceRef("youtube", "b" * 11)]
        )
    assert _assert_exact(db) == 9
    with db.session() as session:  # replace: one kept, the rest removed, one copied in
        channel = session.get(Channel, public.id)
        assert channel is not None
        kept = service.channel_instance_ids(session, public.id)[0]
        copied = session.scalar(
            select(VideoInstance.id).where(VideoInstance.channel_id == second.id)
        )
        assert copied is not None
        service.replace_channel_videos(session, channel, [InstanceRef(kept), InstanceRef(copied)])
    assert _assert_exact(db) == 2 + 3 + 1
    _assert_feeds(db, fan, owner)

    set_public(db, private, True)  # the fan gains sight of the private channel
    assert _assert_exact(db) == 2 + 3 + 3 + 1
    set_public(db, public, False)  # ... and loses the other; its owner is not subscribed
    assert _assert_exact(db) == 3 + 3 + 1
    set_public(db, public, True)
    with db.session() as session:  # the private channel changes hands: the fan owns it now
        session.execute(update(Channel).where(Channel.id == private.id).values(public=False))
        session.execute(update(Channel).where(Channel.id == private.id).values(owner_id=fan.id))
    assert _assert_exact(db) == 2 + 3 + 1
    _assert_feeds(db, fan, owner)

    moved_to = make_youtube_video(db, locales=["de"]).id
    with db.session() as session:  # instances move in time, between channels, to other videos
        first = session.scalars(
            select(VideoInstance).where(VideoInstance.channel_id == second.id)
        ).first()
        assert first is not None
        first.date_added = T0 - timedelta(days=1)
        session.flush()
        first.channel_id = public.id
        session.flush()
        first.video_id = moved_to
        first.position = 7  # a position alone changes nothing
    _assert_exact(db)
    _assert_feeds(db, fan, owner)

    with db.session() as session:  # locale rules of videos change
        video_id = session.scalar(select(VideoInstance.video_id).where(VideoInstance.id == kept))
        assert video_id is not None
        session.add(VideoLocale(video_id=video_id, locale="en"))
        session.flush()
        restricted = session.scalar(
            select(FeedEntry.restricted).where(FeedEntry.instance_id == kept)
        )
        assert restricted is True
        session.execute(
            update(VideoLocale).where(VideoLocale.video_id == video_id).values(locale="fr")
        )
    _assert_exact(db)
    _assert_feeds(db, fan, owner)
    other_video = make_youtube_video(db).id
    with db.session() as session:
        session.execute(
            update(VideoLocale).where(VideoLocale.video_id == video_id).values(video_id=other_video)
        )
    _assert_exact(db)
    with db.session() as session:
        session.execute(delete(VideoLocale))
    _assert_exact(db)
    _assert_feeds(db, fan, owner)

    with db.session() as session:  # a subscription re-pointed by hand, then unsubscribe
        session.execute(
            update(Subscription)
            .where(Subscription.user_id == fan.id, Subscription.channel_id == second.id)
            .values(user_id=other.id)
        )
    _assert_exact(db)
    with db.session() as session:
        social_service.unsubscribe_from_channel(session, user_id=fan.id, channel_id=public.id)
    _assert_exact(db)
    with db.session() as session:
        social_service.leave_all_channels(session, fan.id)
    _assert_exact(db)
    _assert_feeds(db, fan, owner, other)


def test_deletes_through_cascades_leave_no_row_behind(db: Database) -> None:
    """A channel, a user or a video deleted: their subscriptions and instances go by cascade,
    and (PostgreSQL) those cascades' triggers only run once both sides are gone."""
    owner, fan, fan2 = make_user(db), make_user(db), make_user(db)
    channels = [make_channel(db, owner) for _ in range(3)]
    videos = []
    for n, channel in enumerate(channels):
        for minutes in range(2):
            videos.append(make_instance(db, channel, minutes=n * 10 + minutes).video_id)
        with db.session() as session:
            for user in (fan, fan2, owner):
                social_service.subscribe(session, user_id=user.id, channel_id=channel.id)
    assert _assert_exact(db) == 3 * 3 * 2

    with db.session() as session:
        doomed = session.get(Channel, channels[0].id)
        assert doomed is not None
        service.delete_channel(session, doomed)
    assert _assert_exact(db) == 2 * 3 * 2
    with db.session() as session:
        session.execute(delete(Video).where(Video.id == videos[2]))
    assert _assert_exact(db) == 3 * 3
    with db.session() as session:
        session.execute(delete(User).where(User.id == fan.id))
    assert _assert_exact(db) == 2 * 3
    with db.session() as session:
        session.execute(delete(User).where(User.id == owner.id))  # owns every channel left
    assert _assert_exact(db) == 0
    _assert_feeds(db, fan2)


# The newest revision that installs the feed's table and triggers. Revisions are frozen (they
# import no application code), so when `feed_index` changes, this test fails until a new
# revision installs the change: then point it at that revision.
FEED_REVISION = "0009_feed_entries_precomputed_feed.py"


def test_the_newest_feed_revision_installs_what_feed_index_generates() -> None:
    path = Path(feed_index.__file__).parents[1] / "migrations" / "versions" / FEED_REVISION
    spec = importlib.util.spec_from_file_location("feed_revision", path)
    assert spec is not None
    assert spec.loader is not None
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)

    assert revision.CREATE_TABLE == feed_index.CREATE_TABLE
    assert revision.ADD_PRIMARY_KEY == feed_index.ADD_PRIMARY_KEY
    assert revision.CREATE_TRIGGERS == feed_index.CREATE_TRIGGERS
    assert revision.DROP == feed_index.DROP
    users = 2 * revision.FILL_BATCH + 7
    batches = range(1, users + 1, revision.FILL_BATCH)
    frozen = [
        revision.FILL.format(first=first, last=min(first + revision.FILL_BATCH - 1, users))
        for first in batches
    ]
    assert frozen == [statement for _, statement in feed_index.fill_statements(users)]
