"""`likes.toggle_batches`: toggles that queue behind the ones in flight run together, each
keeping its own answer and error; a failed batch is repeated toggle by toggle; SQLite and
`max_in_flight=0` never batch. (The toggle's rules through batches: `test_ip_toggle.py`.)"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from getnative.accounts.models import User
from getnative.db import Database, ReadStatement
from getnative.errors import AuthenticationFailed, NotFound
from getnative.likes import ip_toggle, toggle_batches
from getnative.likes.models import Like
from getnative.likes.toggle_batches import LikeToggles
from tests.factories import like_state, make_video


class Statements:
    """Wraps `db.fetch` to count the batch statements run and their sizes; `fail` makes every
    batch statement fail as PostgreSQL would reject it."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch, *, fail: bool = False):
        self.batch_sizes: list[int] = []
        self.fail = fail
        fetch = db.fetch

        async def counted(
            read: ReadStatement, values: Mapping[str, Any], *, write: bool = False
        ) -> Sequence[Sequence[Any]]:
            if read is toggle_batches.batch_statement():
                self.batch_sizes.append(len(values["video_ids"]))
                if self.fail:
                    raise asyncpg.DeadlockDetectedError("deadlock detected")
            return await fetch(read, values, write=write)

        monkeypatch.setattr(db, "fetch", counted)


def all_at_once(db: Database, toggles: list[LikeToggles], jobs: list[tuple[int, str]]) -> list[Any]:
    """Every (video id, ip hash) toggle at once, job k through `toggles[k % len(toggles)]`
    (several LikeToggles: several server processes); exceptions are returned, not raised."""

    async def run() -> list[Any]:
        await db.start_async()
        try:
            return await asyncio.gather(
                *(
                    toggles[k % len(toggles)].toggle(video_id=v, ip_hash=h)
                    for k, (v, h) in enumerate(jobs)
                ),
                return_exceptions=True,
            )
        finally:
            await db.stop_async()

    return asyncio.run(run())


def liked_pairs(db: Database) -> set[tuple[int, str | None]]:
    with db.session(write=False) as session:
        rows = session.execute(
            select(Like.video_id, User.ip_hash).join(User, User.id == Like.user_id)
        )
        return set(rows.tuples().all())


def address(k: int) -> str:
    return f"{k:064x}"


def test_toggles_queued_behind_one_in_flight_run_as_one_batch(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_video(db)
    statements = Statements(db, monkeypatch)
    results = all_at_once(
        db, [LikeToggles(db, max_in_flight=1)], [(video.id, address(k)) for k in range(40)]
    )
    assert [result.liked for result in results] == [True] * 40
    assert like_state(db, video.id) == (40, 40)
    if db.is_sqlite:
        assert statements.batch_sizes == []
    else:
        assert statements.batch_sizes  # the first ran alone, the rest queued behind it
        assert sum(statements.batch_sizes) <= 39
        assert max(statements.batch_sizes) > 1


def test_each_toggle_of_a_batch_gets_its_own_answer_or_error(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One batch holding a like, an unlike, an unknown video and a deactivated user's add."""
    liked, other = make_video(db), make_video(db)
    toggles = LikeToggles(db, max_in_flight=1)
    all_at_once(db, [toggles], [(liked.id, address(1)), (liked.id, address(2))])
    with db.session() as session:
        user = session.scalars(select(User).where(User.ip_hash == address(2))).one()
        user.is_active = False
    statements = Statements(db, monkeypatch)
    jobs = [
        (other.id, address(9)),  # runs alone; the rest queue behind it
        (other.id, address(3)),
        (liked.id, address(1)),
        (10**12, address(4)),
        (other.id, address(2)),
    ]
    results = all_at_once(db, [toggles], jobs)
    if not db.is_sqlite:
        assert statements.batch_sizes == [4]
    assert [getattr(result, "liked", None) for result in results[:3]] == [True, True, False]
    assert isinstance(results[3], NotFound)
    assert isinstance(results[4], AuthenticationFailed)
    assert like_state(db, liked.id) == (1, 1)  # address 2's like stays: it was not toggled
    assert like_state(db, other.id) == (2, 2)
    with db.session(write=False) as session:
        assert session.scalar(select(User).where(User.ip_hash == address(4))) is None


def test_several_processes_batching_the_same_addresses_keep_counters_exact(db: Database) -> None:
    """Three LikeToggles (three server processes) toggling 12 addresses on 3 videos: batches
    contend with each other's toggles of an address (the locked repeat) and yet every toggle
    flips, and every counter equals its rows."""
    videos = [make_video(db).id for _ in range(3)]
    rng = random.Random(11)
    jobs = [(rng.choice(videos), address(rng.randrange(12))) for _ in range(300)]
    processes = [LikeToggles(db, max_in_flight=1) for _ in range(3)]
    results = all_at_once(db, processes, jobs)
    assert not [result for result in results if isinstance(result, BaseException)]
    for video_id in videos:
        count, rows = like_state(db, video_id)
        assert count == rows
    per_pair = Counter(jobs)
    assert liked_pairs(db) == {pair for pair, n in per_pair.items() if n % 2 == 1}


def test_a_failed_batch_is_repeated_toggle_by_toggle(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = make_video(db)
    statements = Statements(db, monkeypatch, fail=True)
    jobs = [(video.id, address(k)) for k in range(20)]
    results = all_at_once(db, [LikeToggles(db, max_in_flight=1)], jobs)
    assert [result.liked for result in results] == [True] * 20
    assert like_state(db, video.id) == (20, 20)
    assert statements.batch_sizes or db.is_sqlite


def test_no_batches_when_turned_off(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    video = make_video(db)
    statements = Statements(db, monkeypatch)
    jobs = [(video.id, address(k)) for k in range(20)]
    results = all_at_once(db, [LikeToggles(db, max_in_flight=0)], jobs)
    assert [result.liked for result in results] == [True] * 20
    assert statements.batch_sizes == []


def test_a_batch_takes_each_address_once_and_at_most_max_batch() -> None:
    toggles = LikeToggles.__new__(LikeToggles)
    toggles.max_batch = 3
    loop = asyncio.new_event_loop()
    try:
        waiting = [
            toggle_batches._Waiting(video_id, ip, loop.create_future())
            for video_id, ip in [(1, "a"), (2, "a"), (3, "b"), (4, "c"), (5, "d")]
        ]
        toggles._waiting = list(waiting)
        assert toggles._next_batch() == [waiting[0], waiting[2], waiting[3]]
        assert toggles._waiting == [waiting[1], waiting[4]]
        assert toggles._next_batch() == [waiting[1], waiting[4]]
        assert toggles._waiting == []
    finally:
        loop.close()


def test_toggles_queued_behind_a_stalled_statement_do_not_wait_for_it(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first toggle's statement is held up (half a second here); the toggles queued behind
    it run as a batch of their own after `stall_seconds`, and finish first."""
    video = make_video(db)
    alone = ip_toggle.toggle_ip_like

    async def held_up(db: Database, *, video_id: int, ip_hash: str) -> Any:
        if ip_hash == address(0):
            await asyncio.sleep(0.5)
        return await alone(db, video_id=video_id, ip_hash=ip_hash)

    monkeypatch.setattr(toggle_batches, "toggle_ip_like", held_up)
    toggles = LikeToggles(db, max_in_flight=1, stall_seconds=0.01)
    finished: list[str] = []

    async def run() -> None:
        async def one(k: int) -> None:
            await toggles.toggle(video_id=video.id, ip_hash=address(k))
            finished.append(address(k))

        await db.start_async()
        try:
            await asyncio.gather(*(one(k) for k in range(6)))
        finally:
            await db.stop_async()

    asyncio.run(run())
    assert finished[-1] == address(0)
    assert like_state(db, video.id) == (6, 6)
