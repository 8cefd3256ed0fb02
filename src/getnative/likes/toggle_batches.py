"""The likes API's toggles under load: concurrent toggles of one process coalesced into one
PostgreSQL statement (`LikeToggles`).

A toggle is one statement (`likes.ip_toggle`), and on the benchmark's random addresses each one
also creates its IP user. Its cost in PostgreSQL is mostly per statement and per transaction:
parse and bind, a snapshot, the commit and its WAL flush, a round trip, and on our side one
asyncpg call and one task resumed per answer. When toggles arrive faster than they finish, the
ones that queue behind the statements in flight are run together, as one set-based statement in
one transaction, when a statement in flight finishes ("natural batching": no toggle waits for
a batch to fill; a toggle that finds fewer than `max_in_flight` statements running runs alone,
at once, exactly as before). Measured in bench/RESULTS.md.

Each toggle of a batch keeps the rules of the single statement, and its answer is judged by the
same function (`ip_toggle.judged_toggle`):
- the video must be one a stranger may see; nothing is created for one that is not;
- the IP user is locked (`FOR NO KEY UPDATE`) before its like changes, and created on first
  sight; a deactivated one may remove a like, not add one;
- the like row changes by statements whose RETURNING says a row really changed, and each
  video's counter moves by exactly the sum of those changes, in the same transaction;
- a toggle whose snapshot could not see a concurrent toggle of its address (the contended case
  of `likes.ip_toggle`) is repeated alone on the locked path.

Two toggles of one address never share a batch (the second waits for the next one), so within a
statement every address has one like to flip. Rows are locked in one order in every statement
(users by `ip_hash`, then videos by id, as the single statement and a deactivation lock a user
before its videos), so two batches cannot deadlock on each other. If a batch fails for any
reason, each of its toggles is run again alone: nothing of a failed statement was committed.

The toggle's answer is sent only after the batch's transaction committed, so an acknowledged
toggle is as durable as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    DateTime,
    Exists,
    Select,
    String,
    bindparam,
    cast,
    column,
    exists,
    func,
    literal_column,
    select,
    union_all,
    update,
)

from getnative import metrics
from getnative.accounts.ip_users import new_ip_user_row
from getnative.accounts.models import User
from getnative.catalog.models import Video
from getnative.channels.service import video_visible_filter
from getnative.db import Database, ReadStatement, dialect_insert, insert_select_values, utcnow
from getnative.likes.ip_toggle import (
    Toggled,
    judged_toggle,
    postgres_statements,
    toggle_after_lock,
    toggle_ip_like,
    toggle_values,
)
from getnative.likes.models import Like
from getnative.likes.service import (
    delete_like_statement,
    insert_like_statement,
    moved_counter,
)

STALLED_EXTRA = 2
"""Statements a process may add to `max_in_flight` while the ones in flight are stalled."""

_VIDEO_IDS = cast(bindparam("video_ids"), ARRAY(BigInteger))
_IP_HASHES = cast(bindparam("ip_hashes"), ARRAY(String))
_NOW = bindparam("now", type_=DateTime(timezone=True))
"""Untyped binds cast in SQL: asyncpg takes Python lists for arrays as they are, and an untyped
bind needs no processing (`db.ReadStatement`)."""


@dataclass(slots=True)
class _Waiting:
    video_id: int
    ip_hash: str
    answer: asyncio.Future[Sequence[Any] | None]
    since: float = 0.0  # the loop's time when it was queued


@dataclass
class LikeToggles:
    """The process's toggles (PostgreSQL): at most `max_in_flight` toggle statements at a time,
    the toggles that arrive meanwhile run together (at most `max_batch` in one statement) when
    one of them finishes. On SQLite, which serialises writers anyway, every toggle runs alone.

    State is per event loop in practice: the queue is empty whenever no toggle is waiting, and
    every waiting toggle belongs to the loop that runs the batches (the server's)."""

    db: Database
    max_in_flight: int = 1
    """0: no batches, every toggle runs alone at once (`GETNATIVE_LIKE_TOGGLES_IN_FLIGHT`)."""
    max_batch: int = 64
    stall_seconds: float = 0.02
    """A toggle queued this long starts a batch even when `max_in_flight` statements run (up to
    `STALLED_EXTRA` more): a statement held up in PostgreSQL (a lock wait, the full-text index's
    pending list merged into it, a checkpoint's flush) must not hold every toggle queued
    behind it."""
    _in_flight: int = field(default=0, init=False)
    _waiting: list[_Waiting] = field(default_factory=list, init=False)
    _batches: set[asyncio.Task[None]] = field(default_factory=set, init=False)
    _timer: asyncio.TimerHandle | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._batching = self.max_in_flight > 0 and not self.db.is_sqlite

    async def toggle(self, *, video_id: int, ip_hash: str) -> Toggled:
        """`ip_toggle.toggle_ip_like`, run alone or in a batch; the same answers and errors."""
        if not self._batching:
            return await toggle_ip_like(self.db, video_id=video_id, ip_hash=ip_hash)
        if self._in_flight < self.max_in_flight and not self._waiting:
            return await self._alone(video_id, ip_hash)
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Sequence[Any] | None] = loop.create_future()
        self._waiting.append(_Waiting(video_id, ip_hash, answer, loop.time()))
        if self._timer is None:
            self._timer = loop.call_later(self.stall_seconds, self._on_stall)
        row = await answer
        if row is None:  # the batch failed as a whole: nothing of it was committed
            return await toggle_ip_like(self.db, video_id=video_id, ip_hash=ip_hash)
        toggled = judged_toggle(row, last=False)
        if toggled is None:
            return await toggle_after_lock(self.db, video_id=video_id, ip_hash=ip_hash)
        return toggled

    async def _alone(self, video_id: int, ip_hash: str) -> Toggled:
        self._in_flight += 1
        try:
            return await toggle_ip_like(self.db, video_id=video_id, ip_hash=ip_hash)
        finally:
            self._in_flight -= 1
            self._start_batch()

    def _start_batch(self) -> None:
        """Run the waiting toggles (distinct addresses, oldest first) as one batch, unless
        `max_in_flight` statements run."""
        if self._waiting and self._in_flight < self.max_in_flight:
            self._launch()

    def _on_stall(self) -> None:
        """The queue's watch: a batch of its own for a queue whose oldest toggle waited
        `stall_seconds`; the watch goes on while toggles wait."""
        self._timer = None
        if not self._waiting:
            return
        loop = asyncio.get_running_loop()
        stalled = self._waited(loop) >= self.stall_seconds
        if stalled and self._in_flight < self.max_in_flight + STALLED_EXTRA:
            self._launch()
        if self._waiting:
            wait = max(self.stall_seconds - self._waited(loop), self.stall_seconds / 4)
            self._timer = loop.call_later(wait, self._on_stall)

    def _waited(self, loop: asyncio.AbstractEventLoop) -> float:
        return loop.time() - self._waiting[0].since if self._waiting else 0.0

    def _launch(self) -> None:
        batch = self._next_batch()
        if not self._waiting and self._timer is not None:
            self._timer.cancel()  # nothing left to watch
            self._timer = None
        if not batch:
            return
        self._in_flight += 1
        task = asyncio.get_running_loop().create_task(self._run(batch))
        self._batches.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._batches.discard)

    def _next_batch(self) -> list[_Waiting]:
        batch: list[_Waiting] = []
        left: list[_Waiting] = []
        addresses: set[str] = set()
        for waiting in self._waiting:
            if waiting.answer.done():  # its request was cancelled: nothing to write
                continue
            if len(batch) < self.max_batch and waiting.ip_hash not in addresses:
                addresses.add(waiting.ip_hash)
                batch.append(waiting)
            else:
                left.append(waiting)
        self._waiting = left
        return batch

    async def _run(self, batch: list[_Waiting]) -> None:
        committed = False
        try:
            rows = await self._rows(batch)
            committed = True
        except Exception:  # whatever it was, each toggle's own try reports it (or succeeds)
            rows = [None] * len(batch)
        except BaseException:  # cancelled (the server stops): so are the toggles waiting on it
            for waiting in batch:
                waiting.answer.cancel()
            raise
        finally:
            self._in_flight -= 1
        metrics.count_like_batch(len(batch), committed=committed)
        for waiting, row in zip(batch, rows, strict=True):
            if not waiting.answer.done():  # its request may have been cancelled meanwhile
                waiting.answer.set_result(row)
        self._start_batch()

    async def _rows(self, batch: list[_Waiting]) -> Sequence[Sequence[Any] | None]:
        """One answer row per toggle (the single statement's columns); a batch of one runs the
        single statement, which is cheaper than the set-based one."""
        if len(batch) == 1:
            alone = toggle_values(batch[0].video_id, batch[0].ip_hash)
            return await self.db.fetch(postgres_statements()[0], alone, write=True)
        values = {
            "video_ids": [waiting.video_id for waiting in batch],
            "ip_hashes": [waiting.ip_hash for waiting in batch],
            "now": utcnow(),
        }
        return await self.db.fetch(batch_statement(), values, write=True)


@cache
def batch_statement() -> ReadStatement:
    """The batch's toggle statement, made once; prepared on every pooled connection at start."""
    return ReadStatement(_batch_select())


def _batch_select() -> Select[Any]:
    """The single statement's steps (`likes.ip_toggle`), each over every toggle of the batch:
    one answer row per toggle, in the order of the arrays (parameters `video_ids`, `ip_hashes`,
    `now`)."""
    toggles = (
        func.unnest(_VIDEO_IDS, _IP_HASHES)
        .table_valued(
            column("video_id", BigInteger), column("ip_hash", String), with_ordinality="n"
        )
        .render_derived()
        .alias("t")
    )
    toggle = select(toggles.c.n, toggles.c.video_id, toggles.c.ip_hash).cte("toggle")
    found = (
        select(toggle.c.n)
        .join(Video, Video.id == toggle.c.video_id)
        .where(video_visible_filter(None))
        .cte("v")
    )
    is_found = toggle.c.n.in_(select(found.c.n))
    u_old = (
        select(User.id, User.is_active, User.ip_hash)
        .where(User.ip_hash.in_(select(toggle.c.ip_hash)))
        .order_by(User.ip_hash)
        .with_for_update(key_share=True)
        .cte("u_old")
    )
    names, values = insert_select_values(User, new_ip_user_row(toggle.c.ip_hash, _NOW))
    u_new = (
        dialect_insert("postgresql", User)
        .from_select(
            names,
            select(*values)
            .where(is_found, toggle.c.ip_hash.not_in(select(u_old.c.ip_hash)))
            .order_by(toggle.c.ip_hash),
            include_defaults=False,
        )
        .on_conflict_do_nothing(index_elements=["ip_hash"])
        .returning(User.id, User.is_active, User.ip_hash)
        .cte("u_new")
    )
    u = union_all(select(u_old.c.id, u_old.c.is_active, u_old.c.ip_hash), select(u_new)).cte("u")
    pair = (
        select(toggle.c.n, toggle.c.video_id, u.c.id.label("user_id"), u.c.is_active)
        .join(u, u.c.ip_hash == toggle.c.ip_hash)
        .where(is_found)
        .cte("p")
    )
    d = (
        delete_like_statement(pair.c.video_id, pair.c.user_id)
        .returning(Like.video_id, Like.user_id)
        .cte("d")
    )
    was_deleted = _same_pair(d, pair)
    i = (
        insert_like_statement(
            "postgresql",
            pair.c.video_id,
            pair.c.user_id,
            when=pair.c.is_active & ~was_deleted,
            now=_NOW,
        )
        .returning(Like.video_id, Like.user_id)
        .cte("i")
    )
    moves = union_all(
        select(i.c.video_id, literal_column("1").label("step")),
        select(d.c.video_id, literal_column("-1").label("step")),
    ).cte("m")
    delta = (
        select(moves.c.video_id, func.sum(moves.c.step).label("step"))
        .group_by(moves.c.video_id)
        .having(func.sum(moves.c.step) != 0)
        .cte("delta")
    )
    locked = (
        select(Video.id)
        .where(Video.id.in_(select(delta.c.video_id)))
        .order_by(Video.id)
        .with_for_update(key_share=True)
        .cte("lv")
    )
    step = select(delta.c.step).where(delta.c.video_id == Video.id).scalar_subquery()
    c = (
        update(Video)
        .where(Video.id.in_(select(locked.c.id)))
        .values(like_count=moved_counter("postgresql", step))
        .returning(Video.id, Video.like_count)
        .cte("c")
    )
    mine = pair.c.n == toggle.c.n
    return (
        select(
            is_found.label("found"),
            pair.c.is_active.label("active"),
            was_deleted.label("deleted"),
            _same_pair(i, pair).label("inserted"),
            select(c.c.like_count).where(c.c.id == toggle.c.video_id).scalar_subquery(),
        )
        .select_from(toggle.outerjoin(pair, mine))
        .order_by(toggle.c.n)
    )


def _same_pair(changed: Any, pair: Any) -> Exists:
    """Whether `changed` (the likes a CTE deleted or inserted) holds the pair's like."""
    return exists().where(
        changed.c.video_id == pair.c.video_id, changed.c.user_id == pair.c.user_id
    )
