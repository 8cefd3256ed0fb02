"""The likes API's toggle (`POST /api/videos/:id/like`) on the async driver, in one statement.

The toggle is the likes API's hot write. Done with the ORM it costs a thread-pool hop and six
round trips (visible video, IP user, its lock, delete, insert, counter, plus BEGIN/COMMIT). On
PostgreSQL it is here one data-modifying statement run in autocommit on a raw asyncpg
connection (prepared at worker start, as the hot reads are), the raw-driver anchor's shape plus
our rules:

    WITH v     AS (the video, if a stranger may see it),
         u_old AS (the IP's user, locked FOR NO KEY UPDATE),
         u_new AS (INSERT the IP's user if there is none and the video was found),
         u     AS (u_old UNION ALL u_new),
         d     AS (DELETE the like),
         i     AS (INSERT the like unless d deleted one, only for an active user),
         c     AS (UPDATE videos SET like_count = like_count + |i| - |d|, if either moved)
    SELECT found, active, deleted, inserted, like_count

The rules of `likes.service` hold: the like row changes by statements whose RETURNING says
whether a row really changed, and the counter moves by exactly that, in the same transaction;
the user row is locked before the like changes, so a deactivation (which locks the same row for
update before withdrawing the likes) either waits for the toggle or makes it find the user
inactive: a deactivated IP user can remove a like but not add one (`AuthenticationFailed`).

One statement has one snapshot. A toggle that waited for another toggle of the same address
(the lock in u_old) does not see the like the other one just inserted: its DELETE finds nothing
and its INSERT conflicts, so nothing changes ("contended"); likewise when two first requests of
an address race to create its user. A contended toggle is repeated in a transaction that takes
the user lock in a statement of its own first, so the toggle statement's snapshot is taken
after the lock is held and sees every earlier toggle of that address: each toggle really flips.
Deadlocks and serialization failures (not expected at READ COMMITTED, but possible under
operator-set isolation) are retried as well, a bounded number of times.

SQLite has no data-modifying CTE; there the same steps are plain statements in one
`BEGIN IMMEDIATE` transaction (SQLite serialises writers, so nothing is contended).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

import asyncpg
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Select,
    String,
    bindparam,
    exists,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from getnative import metrics
from getnative.accounts.ip_users import new_ip_user_row
from getnative.accounts.models import User
from getnative.catalog.models import Video
from getnative.channels.service import visible_video_query
from getnative.db import Database, ReadStatement, dialect_insert, insert_select_values, utcnow
from getnative.errors import AuthenticationFailed, Conflict, NotFound
from getnative.likes.service import (
    delete_like_statement,
    insert_like_statement,
    move_counter_statement,
)

ATTEMPTS = 4
"""The one-statement try, then up to three locked repeats (each of which cannot be contended
by another toggle of the address; the repeats are for the user-creation race and deadlocks)."""

# SQLSTATEs worth repeating the toggle for: serialization failure, deadlock, unique violation.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "23505"})

_VIDEO_ID = bindparam("video_id", type_=BigInteger)
_IP_HASH = bindparam("ip_hash", type_=String)
_NOW = bindparam("now", type_=DateTime(timezone=True))
"""Always `utcnow()`, already aware and in UTC: plain `DateTime` (unlike `UTCDateTime`) needs no
bind processing, so the raw driver takes the value as it is (`db.ReadStatement`)."""


class Toggled(NamedTuple):
    """The like's new state; `like_count` is the video's counter when this toggle moved it.
    (A named tuple: a frozen dataclass's `__init__` cost twice as much, on every toggle.)"""

    liked: bool
    like_count: int | None = None


class _Outcome(NamedTuple):
    """What the SQLite steps found and did, in the order of the toggle statement's columns
    (`judged_toggle` takes either by position: PostgreSQL's row needs no copy into this)."""

    found: bool
    active: bool | None  # None: the address has no user row (creation raced)
    deleted: bool
    inserted: bool
    like_count: int | None


_CONTENDED_LAST = Toggled(liked=True)


async def toggle_ip_like(db: Database, *, video_id: int, ip_hash: str) -> Toggled:
    """Toggle the like of the IP user `ip_hash` (created on first sight) on a video a stranger
    may see; `NotFound` for any other video, `AuthenticationFailed` when a deactivated IP user
    would add a like, `Conflict` when every attempt was contended (not seen in practice).

    On PostgreSQL the first try (the toggle statement alone, in autocommit) runs here rather
    than in a helper coroutine: every coroutine between the route and the driver is a frame
    to create, and to resume when the statement's answer arrives."""
    if db.is_sqlite:
        toggled = await _toggle_sqlite(db, video_id, ip_hash)
    else:
        parameters = toggle_values(video_id, ip_hash)
        try:
            rows = await db.fetch(postgres_statements()[0], parameters, write=True)
        except asyncpg.PostgresError as exc:
            if not _retryable(exc):
                raise
            toggled = None
        else:
            toggled = judged_toggle(rows[0], last=False)
        if toggled is None:
            toggled = await _toggle_after_lock(db, parameters)
    return _uncontended(toggled)


async def toggle_after_lock(db: Database, *, video_id: int, ip_hash: str) -> Toggled:
    """The locked repeats of `toggle_ip_like` (PostgreSQL), for a toggle that was contended
    elsewhere (a batch of `likes.toggle_batches`): the same answers and errors."""
    return _uncontended(await _toggle_after_lock(db, toggle_values(video_id, ip_hash)))


def toggle_values(video_id: int, ip_hash: str) -> dict[str, Any]:
    """The toggle statement's parameters (`postgres_statements`), the time taken now."""
    return {"video_id": video_id, "ip_hash": ip_hash, "now": utcnow()}


def _uncontended(toggled: Toggled | None) -> Toggled:
    if toggled is None:
        raise Conflict("The like is contended; try again.", code="like_contended")
    return toggled


async def _toggle_sqlite(db: Database, video_id: int, ip_hash: str) -> Toggled | None:
    """The toggle's steps in one `BEGIN IMMEDIATE` transaction: never contended (`last`)."""
    async with db.async_connection(write=True) as connection:
        return judged_toggle(await _toggle_in_steps(connection, video_id, ip_hash), last=True)


async def _toggle_after_lock(db: Database, parameters: dict[str, Any]) -> Toggled | None:
    """The repeats of a contended (or deadlocked) first try: the toggle statement in a
    transaction whose first statement takes the user lock (see the module's docstring). Both
    run on the raw asyncpg pool of the hot reads (`Database.fetch_after_lock`), prepared when
    the worker starts: through SQLAlchemy's asyncio layer (a greenlet switch, 17 bound values
    processed, its result objects) the same statement cost about as much Python time as the
    rest of the request (bench/RESULTS.md)."""
    toggle, lock = postgres_statements()
    for attempt in range(1, ATTEMPTS):
        last = attempt + 1 == ATTEMPTS
        try:
            rows = await db.fetch_after_lock(lock, toggle, parameters)
        except asyncpg.PostgresError as exc:
            if last or not _retryable(exc):
                raise
            continue
        toggled = judged_toggle(rows[0], last=last)
        if toggled is not None:
            return toggled
    return None


def _retryable(exc: asyncpg.PostgresError) -> bool:
    return getattr(exc, "sqlstate", None) in RETRYABLE_SQLSTATES


def judged_toggle(outcome: Sequence[Any], *, last: bool) -> Toggled | None:
    """The answer of an outcome (the toggle statement's row or an `_Outcome`: found, active,
    deleted, inserted, like_count), or None when it was contended (worth repeating). On the
    `last` attempt, a contended toggle of an existing user reports the like that is there."""
    found, active, deleted, inserted, like_count = outcome
    if not found:
        raise NotFound("Video not found.", code="video_not_found")
    if deleted:
        metrics.count_like_change("unlike")
        return Toggled(False, like_count)
    if inserted:
        metrics.count_like_change("like")
        return Toggled(True, like_count)
    if active is False:
        raise AuthenticationFailed("The account is no longer active.", code="token_revoked")
    return _CONTENDED_LAST if last and active else None


# --- PostgreSQL: one statement ----------------------------------------------------------------


@cache
def postgres_statements() -> tuple[ReadStatement, ReadStatement]:
    """The toggle and the user lock as the raw driver runs them, made once; the app has them
    prepared on every pooled connection at start (`Database.warm`). Run with NULLs (as the
    warm-up does) the toggle finds no video and so changes nothing."""
    return ReadStatement(_toggle_statement()), ReadStatement(_lock_user_statement())


def _user_query() -> Select[int, bool]:
    return select(User.id, User.is_active).where(User.ip_hash == _IP_HASH)


@cache
def _lock_user_statement() -> Select[int, bool]:
    """The IP user's row lock, alone: `FOR NO KEY UPDATE` keeps foreign-key checks unblocked."""
    return _user_query().with_for_update(key_share=True)


@cache
def _toggle_statement() -> Select[Any]:
    """The toggle of the module's docstring, built once (parameters `video_id`, `ip_hash`,
    `now`)."""
    v = visible_video_query(_VIDEO_ID, viewer_id=None).cte("v")
    found = exists(v.select())
    u_old = _lock_user_statement().cte("u_old")
    names, values = insert_select_values(User, new_ip_user_row(_IP_HASH, _NOW))
    u_new = (
        dialect_insert("postgresql", User)
        .from_select(
            names,
            select(*values).where(found, ~exists(u_old.select())),
            include_defaults=False,
        )
        .on_conflict_do_nothing(index_elements=["ip_hash"])
        .returning(User.id, User.is_active)
        .cte("u_new")
    )
    u = union_all(select(u_old.c.id, u_old.c.is_active), select(u_new.c.id, u_new.c.is_active)).cte(
        "u"
    )
    user_id = select(u.c.id).where(found).scalar_subquery()
    d = delete_like_statement(_VIDEO_ID, user_id).cte("d")
    i = insert_like_statement(
        "postgresql",
        _VIDEO_ID,
        u.c.id,
        when=u.c.is_active & found & ~exists(d.select()),
        now=_NOW,
    ).cte("i")
    delta: ColumnElement[int] = _count(i) - _count(d)
    c = (
        move_counter_statement("postgresql", _VIDEO_ID, delta)
        .where(or_(exists(i.select()), exists(d.select())))
        .returning(Video.like_count)
        .cte("c")
    )
    return select(
        found.label("found"),
        select(u.c.is_active).scalar_subquery().label("active"),
        exists(d.select()).label("deleted"),
        exists(i.select()).label("inserted"),
        select(c.c.like_count).scalar_subquery().label("like_count"),
    )


def _count(cte: Any) -> ColumnElement[int]:
    return select(func.count()).select_from(cte).scalar_subquery()


# --- SQLite: the same steps, one statement each -----------------------------------------------


async def _toggle_in_steps(connection: AsyncConnection, video_id: int, ip_hash: str) -> _Outcome:
    """In the caller's `BEGIN IMMEDIATE` transaction: SQLite serialises writers, so no lock
    and no contention; `found=False` leaves nothing created (the caller's NotFound rolls back)."""
    parameters = {"video_id": video_id, "ip_hash": ip_hash}
    if await connection.scalar(visible_video_query(video_id, None)) is None:
        return _Outcome(found=False, active=None, deleted=False, inserted=False, like_count=None)
    user = (await connection.execute(_user_query(), parameters)).first()
    if user is None:
        insert = dialect_insert("sqlite", User).values(**new_ip_user_row(ip_hash))
        user = (await connection.execute(insert.returning(User.id, User.is_active))).one()
    moved = await _changed_row(connection, delete_like_statement(video_id, user.id))
    if not moved and user.is_active:
        statement = insert_like_statement("sqlite", video_id, user.id)
        moved = await _changed_row(connection, statement)
        delta = 1 if moved else 0
    else:
        delta = -1 if moved else 0
    like_count = None
    if delta:
        counter = move_counter_statement("sqlite", video_id, delta).returning(Video.like_count)
        like_count = await connection.scalar(counter)
    return _Outcome(True, user.is_active, delta < 0, delta > 0, like_count)


async def _changed_row(connection: AsyncConnection, statement: Any) -> bool:
    return (await connection.execute(statement)).first() is not None
