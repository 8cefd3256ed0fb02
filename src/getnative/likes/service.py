"""Liking: the one piece of state all three dialects write.

The counter `videos.like_count` must equal the number of like rows under any concurrency. Every
change therefore (1) changes the like row with a single statement whose result says whether a row
was really inserted or deleted, and (2) moves the counter by exactly that, with an atomic
`like_count = like_count ± 1` in the same transaction. Two racing requests can both run, but only
the one whose statement changed a row moves the counter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Update, delete, exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningDelete

from getnative import metrics
from getnative.accounts.models import User
from getnative.catalog.models import Video
from getnative.db import dialect_insert, dialect_of, floor_at_zero, insert_select_values, utcnow
from getnative.errors import AuthenticationFailed, NotFound
from getnative.likes.models import Like


def _require_video(session: Session, video_id: int) -> None:
    if session.scalar(select(Video.id).where(Video.id == video_id)) is None:
        raise NotFound("Video not found.", code="video_not_found")


def _lock_active_user(session: Session, user_id: int) -> None:
    """Share-lock the liker's row and require it active, before a like row is inserted.

    A deactivation locks the same row for update before withdrawing the likes (`lock_user_for
    _deactivation`), so on PostgreSQL a like in flight either commits first (and is withdrawn
    with the others) or waits and then finds the account inactive: no like of a deactivated user
    can remain or appear. (The foreign key's KEY SHARE lock does not conflict with the
    deactivation's UPDATE, hence the explicit FOR SHARE.) SQLite serialises writers anyway.
    """
    query = (
        select(User.id)
        .where(User.id == user_id, User.is_active.is_(True))
        .with_for_update(read=True)
    )
    if session.scalar(query) is None:
        raise AuthenticationFailed("The account is no longer active.", code="token_revoked")


def lock_user_for_deactivation(session: Session, user_id: int) -> None:
    """Take the user row's update lock first (see `_lock_active_user`)."""
    session.execute(select(User.id).where(User.id == user_id).with_for_update())


# The statements are built here once for both ways in: the ORM session of the Get Native and
# Rockpack routes and the likes API's async toggle (`likes.ip_toggle`), which also nests them in
# one PostgreSQL statement, hence the ids may be SQL expressions.
SqlInt = int | ColumnElement[int]


def insert_like_statement(
    dialect: str,
    video_id: SqlInt,
    user_id: SqlInt,
    *,
    when: ColumnElement[bool] | None = None,
    now: datetime | ColumnElement[datetime] | None = None,
) -> Any:
    """Insert the like unless it exists, `RETURNING` the id only when this statement created it.

    `when`: insert only if this SQL condition holds (an `INSERT ... SELECT ... WHERE`); `now`:
    the creation time (a bound parameter in a statement that is built once), default now."""
    created_at = utcnow() if now is None else now
    row = {"video_id": video_id, "user_id": user_id, "is_like": True, "created_at": created_at}
    insert = dialect_insert(dialect, Like)
    if when is None:
        insert = insert.values(**row)
    else:
        names, values = insert_select_values(Like, row)
        insert = insert.from_select(names, select(*values).where(when), include_defaults=False)
    return insert.on_conflict_do_nothing(index_elements=["video_id", "user_id"]).returning(Like.id)


def delete_like_statement(video_id: SqlInt, user_id: SqlInt) -> ReturningDelete[int]:
    """Delete the like, `RETURNING` the id only when there was one to delete."""
    return delete(Like).where(Like.video_id == video_id, Like.user_id == user_id).returning(Like.id)


def move_counter_statement(dialect: str, video_id: SqlInt, delta: SqlInt) -> Update:
    """Atomic `like_count + delta`, floored at 0 (the likes page's documented behaviour).

    `delta` may be an expression (the one-statement toggle's inserted minus deleted rows), so the
    floor is always applied; it costs nothing when the sum is not negative."""
    new_value = moved_counter(dialect, delta)
    return update(Video).where(Video.id == video_id).values(like_count=new_value)


def moved_counter(dialect: str, delta: SqlInt) -> ColumnElement[int]:
    """The counter's new value, `like_count + delta` floored at 0, for an UPDATE of videos."""
    return floor_at_zero(dialect, Video.like_count + delta)


def _insert_like_row(session: Session, video_id: int, user_id: int) -> bool:
    """Insert the like unless it exists; True when this statement created it."""
    _lock_active_user(session, user_id)
    statement = insert_like_statement(dialect_of(session), video_id, user_id)
    return session.execute(statement).first() is not None


def _delete_like_row(session: Session, video_id: int, user_id: int) -> bool:
    return session.execute(delete_like_statement(video_id, user_id)).first() is not None


def _move_counter(session: Session, video_id: int, delta: int) -> None:
    session.execute(move_counter_statement(dialect_of(session), video_id, delta))


def like(session: Session, *, video_id: int, user_id: int) -> bool:
    """Like the video (idempotent). True when a new like was recorded."""
    _require_video(session, video_id)
    created = _insert_like_row(session, video_id, user_id)
    if created:
        _move_counter(session, video_id, +1)
        metrics.count_like_change("like")
    return created


def unlike(session: Session, *, video_id: int, user_id: int) -> bool:
    """Remove the like (idempotent). True when a like was removed."""
    _require_video(session, video_id)
    removed = _delete_like_row(session, video_id, user_id)
    if removed:
        _move_counter(session, video_id, -1)
        metrics.count_like_change("unlike")
    return removed


def toggle(session: Session, *, video_id: int, user_id: int) -> bool:
    """Flip the like; returns the new state (True liked, False not)."""
    _require_video(session, video_id)
    if _delete_like_row(session, video_id, user_id):
        _move_counter(session, video_id, -1)
        metrics.count_like_change("unlike")
        return False
    if _insert_like_row(session, video_id, user_id):
        _move_counter(session, video_id, +1)
        metrics.count_like_change("like")
    # Inserting found a concurrent like of the same user already there: it is liked either way.
    return True


def is_liked(session: Session, *, video_id: int, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return bool(
        session.scalar(select(exists().where(Like.video_id == video_id, Like.user_id == user_id)))
    )


def liked_video_ids(session: Session, *, user_id: int | None, video_ids: list[int]) -> set[int]:
    """Which of `video_ids` the user likes, in one query (for list renderings)."""
    if user_id is None or not video_ids:
        return set()
    rows = session.scalars(
        select(Like.video_id).where(Like.user_id == user_id, Like.video_id.in_(video_ids))
    )
    return set(rows)


def remove_all_likes_of_user(session: Session, user_id: int) -> int:
    """Withdraw every like of a user (account deactivation); returns how many were removed.

    The counters move in video id order, the order in which a batch of likes API toggles
    (`likes.toggle_batches`) locks its videos: two writers holding several videos' rows must
    take them in the same order, or they can deadlock."""
    likes_of_user = select(Like.video_id).where(Like.user_id == user_id).order_by(Like.video_id)
    video_ids = list(session.scalars(likes_of_user))
    for video_id in video_ids:
        if _delete_like_row(session, video_id, user_id):
            _move_counter(session, video_id, -1)
    return len(video_ids)
