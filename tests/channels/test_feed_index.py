"""The precomputed feed (`feed_entries`, `getnative.channels.feed_index`) equals the feed
computed from base tables after every kind of write, on both databases."""

from __future__ import annotations

import asyncio
import importlib.util
import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from getnative.accounts.models import User
from getnative.catalog.models import Video, VideoLocale
from getnative.channels import feed_index, service, social_service
from getnative.channels.models import Channel, FeedEntry, Subscription, VideoInstance
from getnative.channels.service import InstanceRef, SourceRef
from getnative.db import Database, conflict_tolerant_insert
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


# The revision that creates the feed's table and triggers and fills it, then the revisions that
# replace trigger functions since, oldest first. Revisions are frozen (they import no
# application code), so when `feed_index` changes, the first test below fails until a new
# revision installs the change (its `FUNCTIONS`, and `PREVIOUS_FUNCTIONS` for its downgrade):
# then add it here.
TABLE_REVISION = "0009_feed_entries_precomputed_feed.py"
FUNCTION_REVISIONS = ["0010_feed_locale_changes_lock_channels.py"]


def _revision(file_name: str) -> Any:
    path = Path(feed_index.__file__).parents[1] / "migrations" / "versions" / file_name
    spec = importlib.util.spec_from_file_location(file_name.removesuffix(".py"), path)
    assert spec is not None
    assert spec.loader is not None
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    return revision


def _function_name(statement: str) -> str:
    return statement.split("(", 1)[0].split()[-1]


def _replaced(statements: list[str], functions: list[str]) -> list[str]:
    """`statements` with each CREATE FUNCTION of a function in `functions` replaced by it."""
    by_name = {_function_name(function): function for function in functions}
    assert all(function.startswith("CREATE FUNCTION") for function in functions)
    assert set(by_name) <= {_function_name(statement) for statement in statements}
    return [
        by_name.get(_function_name(statement), statement)
        if statement.startswith("CREATE FUNCTION")
        else statement
        for statement in statements
    ]


def test_the_feed_revisions_install_what_feed_index_generates() -> None:
    revision = _revision(TABLE_REVISION)
    assert revision.CREATE_TABLE == feed_index.CREATE_TABLE
    assert revision.ADD_PRIMARY_KEY == feed_index.ADD_PRIMARY_KEY
    assert revision.DROP == feed_index.DROP
    users = 2 * revision.FILL_BATCH + 7
    batches = range(1, users + 1, revision.FILL_BATCH)
    frozen = [
        revision.FILL.format(first=first, last=min(first + revision.FILL_BATCH - 1, users))
        for first in batches
    ]
    assert frozen == [statement for _, statement in feed_index.fill_statements(users)]

    installed = revision.CREATE_TRIGGERS["postgresql"]
    for name in FUNCTION_REVISIONS:
        installed = _replaced(installed, _revision(name).FUNCTIONS)
    assert installed == feed_index.CREATE_TRIGGERS["postgresql"]
    assert revision.CREATE_TRIGGERS["sqlite"] == feed_index.CREATE_TRIGGERS["sqlite"]


def test_a_function_revision_downgrades_to_what_came_before() -> None:
    """Each revision of FUNCTION_REVISIONS restores, going down, the text of its functions as
    the revisions before it installed them."""
    installed = _revision(TABLE_REVISION).CREATE_TRIGGERS["postgresql"]
    for name in FUNCTION_REVISIONS:
        revision = _revision(name)
        assert [_function_name(f) for f in revision.PREVIOUS_FUNCTIONS] == [
            _function_name(f) for f in revision.FUNCTIONS
        ]
        assert _replaced(installed, revision.PREVIOUS_FUNCTIONS) == installed
        installed = _replaced(installed, revision.FUNCTIONS)


# --- concurrent writers ------------------------------------------------------------------------

RACE_THREADS = 6
RACE_TRANSACTIONS = 20  # per thread, of 1-3 writes each
RACE_ATTEMPTS = 20
"""Tries of a transaction rolled back by a deadlock. Transactions of random writes lock
channels and videos in any order (locale writes lock a video, then its channels): 19-28
deadlocks a run in three runs on PostgreSQL, up to 7 in one thread, so 5 tries fell short."""
RACE_ROUNDS = 3
"""Races run until one leaves a feed to compare: the random writes can drain it to nothing
(seen once in a full suite: an exact but empty feed compares nothing), and the next round
starts from there."""


def _pick_instance(channel_id: int, rng: random.Random) -> Any:
    """One instance of the channel as the statement sees it (none: the write changes nothing)."""
    return (
        select(VideoInstance.id)
        .where(VideoInstance.channel_id == channel_id)
        .order_by(VideoInstance.id)
        .offset(rng.randrange(4))
        .limit(1)
        .scalar_subquery()
    )


def _race_writes(
    users: list[int], channels: list[int], videos: list[int]
) -> list[Callable[[Session, random.Random], None]]:
    """The writes that change who sees which instance, each on random rows: subscribe,
    unsubscribe, add a video, remove one, move one to another channel, make a channel private
    or public, restrict a video to a locale or lift that (which rewrites feed rows that
    removals may be deleting: `test_a_removal_beside_a_locale_change_removes_the_feed_row`)."""

    def subscribe(session: Session, rng: random.Random) -> None:
        session.execute(
            conflict_tolerant_insert(session, Subscription)
            .values(user_id=rng.choice(users), channel_id=rng.choice(channels))
            .on_conflict_do_nothing()
        )

    def unsubscribe(session: Session, rng: random.Random) -> None:
        session.execute(
            delete(Subscription).where(
                Subscription.user_id == rng.choice(users),
                Subscription.channel_id == rng.choice(channels),
            )
        )

    def add_video(session: Session, rng: random.Random) -> None:
        session.execute(
            insert(VideoInstance).values(
                channel_id=rng.choice(channels),
                video_id=rng.choice(videos),
                position=rng.randrange(10),
                date_added=T0 + timedelta(minutes=rng.randrange(10_000)),
            )
        )

    def remove_video(session: Session, rng: random.Random) -> None:
        picked = _pick_instance(rng.choice(channels), rng)
        session.execute(delete(VideoInstance).where(VideoInstance.id == picked))

    def move_video(session: Session, rng: random.Random) -> None:
        picked = _pick_instance(rng.choice(channels), rng)
        session.execute(
            update(VideoInstance)
            .where(VideoInstance.id == picked)
            .values(channel_id=rng.choice(channels))
        )

    def make_private_or_public(session: Session, rng: random.Random) -> None:
        session.execute(
            update(Channel)
            .where(Channel.id == rng.choice(channels))
            .values(public=rng.random() < 0.5)
        )

    def restrict_or_lift(session: Session, rng: random.Random) -> None:
        video_id = rng.choice(videos)
        if rng.random() < 0.5:
            session.execute(
                conflict_tolerant_insert(session, VideoLocale)
                .values(video_id=video_id, locale="fr")
                .on_conflict_do_nothing()
            )
        else:
            session.execute(delete(VideoLocale).where(VideoLocale.video_id == video_id))

    return [  # more additions than removals: the feed does not drain to nothing
        subscribe,
        subscribe,
        unsubscribe,
        add_video,
        add_video,
        remove_video,
        move_video,
        make_private_or_public,
        restrict_or_lift,
    ]


def _deadlocked(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "40P01"


@pytest.mark.slow
def test_concurrent_writers_keep_the_feed_exact(db: Database) -> None:
    """Several connections at once subscribe, unsubscribe, add, remove and move videos, make
    channels private or public and restrict videos to locales, in transactions of 1-3 writes
    that stay open a little (so that each trigger runs while others' rows are uncommitted):
    the feed then holds exactly what its definition computes from the base tables.

    On PostgreSQL (READ COMMITTED) this is what `feed_index._lock` argues: without the locks a
    subscribe and an added video committed side by side never reached the feed. A transaction
    that locks two channels in the opposite order of another may deadlock; PostgreSQL rolls it
    back whole (nothing of it reaches any table) and it is tried again, as a client would.
    SQLite serialises writers, so there it is a random sequence of those writes."""
    users = [make_user(db).id for _ in range(5)]
    channels = [make_channel(db, make_user(db), public=n % 2 == 0).id for n in range(4)]
    videos = [make_youtube_video(db, locales=["fr"] if n % 3 == 0 else None).id for n in range(8)]
    with db.session() as session:  # a starting point: some subscribers, some videos
        for n, channel_id in enumerate(channels):
            session.add_all(Subscription(user_id=u, channel_id=channel_id) for u in users[n:])
            session.add_all(
                VideoInstance(channel_id=channel_id, video_id=v, date_added=T0 + timedelta(hours=v))
                for v in videos[n::2]
            )
    _assert_exact(db)
    writes = _race_writes(users, channels, videos)
    rows = 0
    for _round in range(RACE_ROUNDS):  # until the race leaves a feed to compare
        _race(db, writes, first_seed=_round * RACE_THREADS)
        rows = _assert_exact(db)
        if rows:
            break
    assert rows > 0, f"the feed drained to nothing in {RACE_ROUNDS} rounds"
    for user_id in users:
        for locale in (None, "fr"):
            assert _feed(db, user_id, locale) == _feed_from_base(db, user_id, locale)


def _race(
    db: Database, writes: list[Callable[[Session, random.Random], None]], first_seed: int
) -> None:
    """`RACE_THREADS` threads at once (random seeds from `first_seed` on), each committing
    `RACE_TRANSACTIONS` transactions of 1-3 random `writes`; a transaction rolled back by a
    deadlock is tried again whole."""
    start = threading.Barrier(RACE_THREADS)
    committed: list[int] = []
    deadlocks: list[int] = []
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            start.wait()
            for _ in range(RACE_TRANSACTIONS):
                batch = [rng.choice(writes) for _ in range(rng.randint(1, 3))]
                for _attempt in range(RACE_ATTEMPTS):
                    try:
                        with db.session() as session:
                            for write in batch:
                                write(session, rng)
                                time.sleep(rng.random() * 0.002)
                        committed.append(len(batch))
                        break
                    except DBAPIError as error:
                        if not _deadlocked(error):
                            raise
                        deadlocks.append(seed)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    seeds = range(first_seed, first_seed + RACE_THREADS)
    threads = [threading.Thread(target=writer, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(committed) == RACE_THREADS * RACE_TRANSACTIONS, f"{len(deadlocks)} deadlocks"


def _wait_until_a_lock_is_awaited(db: Database) -> None:
    """PostgreSQL: until some session of this database waits for a lock (another thread's
    statement is blocked), at most 10 s."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with db.engine.connect() as connection:
            if connection.scalar(waiting):
                return
        time.sleep(0.02)
    raise TimeoutError("the other writer never waited for a lock")


def test_a_removal_beside_a_locale_change_removes_the_feed_row(db: Database) -> None:
    """A subscriber leaves a channel while, in another transaction, a video of that channel
    gets a locale row: the subscriber's feed row must go.

    On PostgreSQL it stayed (revision 0009; found by the concurrent-writers test): the locale
    trigger rewrote the row (`restricted`) holding only the video's lock, the unsubscribe's
    removal deleted the row by the `ctid` it found (`feed_index._remove_pg`) and waited for
    the rewrite; once that committed, PostgreSQL checked the removal's condition again on the
    row's new version, whose ctid is another, and skipped it. Since 0010 the locale trigger
    also locks the channel, so the removal waits before it looks for the row."""
    owner, fan = make_user(db), make_user(db)
    channel = make_channel(db, owner)
    instance = make_instance(db, channel)
    with db.session() as session:
        social_service.subscribe(session, user_id=fan.id, channel_id=channel.id)
    assert _assert_exact(db) == 1
    errors: list[BaseException] = []

    def unsubscribe() -> None:
        try:
            with db.session() as session:
                social_service.unsubscribe_from_channel(
                    session, user_id=fan.id, channel_id=channel.id
                )
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    leaving = threading.Thread(target=unsubscribe)
    with db.session() as session:
        session.add(VideoLocale(video_id=instance.video_id, locale="fr"))
        session.flush()  # the fan's row rewritten (restricted), not committed yet
        leaving.start()
        if db.is_sqlite:
            time.sleep(0.2)  # the other writer waits for this transaction (BEGIN IMMEDIATE)
        else:
            _wait_until_a_lock_is_awaited(db)  # the removal waits for the rewritten row
    leaving.join()
    assert errors == []
    assert _assert_exact(db) == 0
