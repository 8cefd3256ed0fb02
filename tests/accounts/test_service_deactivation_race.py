"""Review point 4: a deactivation racing likes in flight leaves no like of that user behind,
and `like_count` still equals the rows (PostgreSQL used to keep likes created meanwhile)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from getnative.accounts import service as accounts
from getnative.accounts.models import User
from getnative.catalog.models import Video
from getnative.db import Database
from getnative.errors import AuthenticationFailed
from getnative.likes import service as likes
from getnative.likes.models import Like
from tests.factories import make_user, make_video

LIKES = 8
TRIALS = 4


def _race_once(db: Database) -> None:
    user = make_user(db)
    videos = [make_video(db).id for _ in range(LIKES)]
    start = threading.Barrier(LIKES + 1)

    def like(video_id: int) -> None:
        start.wait()
        try:
            with db.session() as session:
                likes.like(session, video_id=video_id, user_id=user.id)
        except AuthenticationFailed:
            pass  # the account was deactivated first: refused, nothing written

    def deactivate() -> None:
        start.wait()
        with db.session() as session:
            accounts.deactivate(session, session.get(User, user.id))

    threads = [threading.Thread(target=like, args=(v,)) for v in videos]
    threads.append(threading.Thread(target=deactivate))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Like.user_id == user.id)) == 0
        counts = session.execute(select(Video.id, Video.like_count).where(Video.id.in_(videos)))
        assert all(count == 0 for _, count in counts)


def test_no_like_of_a_deactivated_user_remains_or_appears(db: Database) -> None:
    for _ in range(TRIALS):
        _race_once(db)
    # and afterwards a like of the deactivated user is refused outright
    user = make_user(db, is_active=False)
    video = make_video(db).id
    with pytest.raises(AuthenticationFailed), db.session() as session:
        likes.like(session, video_id=video, user_id=user.id)
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Like.user_id == user.id)) == 0
