"""The likes API's one-statement toggle (`likes.ip_toggle`) on both backends, called directly
and through the batches of `likes.toggle_batches` (which on PostgreSQL run the toggles that
queue behind one in flight as one statement): the rules of the old ORM toggle, and exact
counters under many concurrent toggles, either way."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy import func, select

from getnative.accounts import service as accounts
from getnative.accounts.models import User
from getnative.db import Database
from getnative.errors import AuthenticationFailed, NotFound
from getnative.likes import ip_toggle
from getnative.likes.ip_toggle import toggle_ip_like
from getnative.likes.models import Like
from getnative.likes.toggle_batches import LikeToggles
from tests.factories import like_state, make_channel, make_instance, make_member, make_video

Toggle = Callable[[int, str], Coroutine[Any, Any, ip_toggle.Toggled]]


@pytest.fixture(params=["alone", "batched"])
def toggle(request: pytest.FixtureRequest, db: Database) -> Toggle:
    """One toggle: the statement called directly, or through batches that form as soon as one
    toggle is in flight (`max_in_flight=1`)."""
    if request.param == "alone":
        return lambda video_id, ip_hash: toggle_ip_like(db, video_id=video_id, ip_hash=ip_hash)
    toggles = LikeToggles(db, max_in_flight=1)
    return lambda video_id, ip_hash: toggles.toggle(video_id=video_id, ip_hash=ip_hash)


def run_toggles(db: Database, toggle: Toggle, jobs: list[tuple[int, str]]) -> list[bool]:
    """Run every (video id, ip hash) toggle at once on a pool, as the server's worker does."""

    async def all_at_once() -> list[bool]:
        await db.start_async()
        try:
            results = await asyncio.gather(*(toggle(v, h) for v, h in jobs))
        finally:
            await db.stop_async()
        return [result.liked for result in results]

    return asyncio.run(all_at_once())


def toggle_once(toggle: Toggle, video_id: int, ip_hash: str) -> ip_toggle.Toggled:
    return asyncio.run(toggle(video_id, ip_hash))


def ip_user(db: Database, ip_hash: str) -> User | None:
    with db.session(write=False) as session:
        return session.scalar(select(User).where(User.ip_hash == ip_hash))


def test_toggle_creates_the_user_and_flips_with_the_counter(db: Database, toggle: Toggle) -> None:
    video = make_video(db)
    first = toggle_once(toggle, video.id, "a" * 64)
    assert first == ip_toggle.Toggled(liked=True, like_count=1)
    user = ip_user(db, "a" * 64)
    assert user is not None
    assert (user.kind, user.is_active, user.username, user.email) == ("ip", True, None, None)
    assert (user.lang, user.token_version) == ("en", 0)
    assert toggle_once(toggle, video.id, "a" * 64) == ip_toggle.Toggled(liked=False, like_count=0)
    assert like_state(db, video.id) == (0, 0)


def test_unknown_or_private_video_is_not_found_and_creates_nothing(
    db: Database, toggle: Toggle
) -> None:
    owner = make_member(db)
    private_only = make_instance(db, make_channel(db, owner, public=False)).video_id
    for video_id in (private_only, 10**12):
        with pytest.raises(NotFound):
            toggle_once(toggle, video_id, "b" * 64)
    assert ip_user(db, "b" * 64) is None
    assert like_state(db, private_only) == (0, 0)


def test_a_deactivated_ip_user_can_remove_a_like_but_not_add_one(
    db: Database, toggle: Toggle
) -> None:
    liked, other = make_video(db), make_video(db)
    toggle_once(toggle, liked.id, "c" * 64)
    with db.session() as session:
        user = session.scalars(select(User).where(User.ip_hash == "c" * 64)).one()
        user.is_active = False  # deactivated without the withdrawal: the like is still there
    assert toggle_once(toggle, liked.id, "c" * 64).liked is False
    with pytest.raises(AuthenticationFailed):
        toggle_once(toggle, other.id, "c" * 64)
    assert like_state(db, liked.id) == (0, 0)
    assert like_state(db, other.id) == (0, 0)


def test_many_parallel_toggles_keep_every_counter_exact(db: Database, toggle: Toggle) -> None:
    """300 toggles at once over 3 videos and 40 addresses, several of each (video, address)
    pair in flight together: each like_count equals its rows, and each pair ends liked exactly
    when it was toggled an odd number of times (every toggle really flipped)."""
    videos = [make_video(db).id for _ in range(3)]
    rng = random.Random(5)
    jobs = [(rng.choice(videos), f"{rng.randrange(40):064x}") for _ in range(300)]
    run_toggles(db, toggle, jobs)

    for video_id in videos:
        count, rows = like_state(db, video_id)
        assert count == rows
    per_pair = Counter(jobs)
    with db.session(write=False) as session:
        liked = set(
            session.execute(select(Like.video_id, User.ip_hash).join(User, User.id == Like.user_id))
            .tuples()
            .all()
        )
        users = session.scalar(select(func.count()).where(User.kind == "ip"))
    assert liked == {pair for pair, n in per_pair.items() if n % 2 == 1}
    assert users == len({ip for _, ip in jobs})


def test_one_address_toggling_with_itself_flips_every_time(db: Database, toggle: Toggle) -> None:
    """The contended case: 31 toggles of one address at once (the first ones also race to
    create its user). They run one after another, so the answers alternate in some order."""
    video = make_video(db)
    answers = run_toggles(db, toggle, [(video.id, "d" * 64)] * 31)
    assert answers.count(True) == 16
    assert answers.count(False) == 15
    assert like_state(db, video.id) == (1, 1)


def test_deactivation_racing_toggles_leaves_no_like(db: Database, toggle: Toggle) -> None:
    """A deactivation (which locks the user row first) racing toggles of that IP user on
    eight videos: afterwards no like of the user remains and every counter equals its rows."""
    videos = [make_video(db).id for _ in range(8)]
    toggle_once(toggle, make_video(db).id, "e" * 64)  # the user exists, with a like
    user = ip_user(db, "e" * 64)
    assert user is not None

    async def race() -> None:
        await db.start_async()
        try:
            toggles = [toggle(v, "e" * 64) for v in videos]
            results = await asyncio.gather(
                *toggles, asyncio.to_thread(deactivate), return_exceptions=True
            )
        finally:
            await db.stop_async()
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, AuthenticationFailed):
                raise result

    def deactivate() -> None:
        with db.session() as session:
            row = session.get(User, user.id)
            assert row is not None
            accounts.deactivate(session, row)

    asyncio.run(race())
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Like.user_id == user.id)) == 0
    for video_id in videos:
        assert like_state(db, video_id) == (0, 0)
