"""The like rules called directly: the counter follows the like rows."""

from __future__ import annotations

from getnative.catalog.models import Video
from getnative.db import Database
from getnative.likes import service as likes
from tests.factories import make_user, make_video


def test_like_counter_follows_rows(db: Database) -> None:
    video = make_video(db)
    user = make_user(db)
    with db.session() as session:
        assert likes.toggle(session, video_id=video.id, user_id=user.id) is True
        assert likes.like(session, video_id=video.id, user_id=user.id) is False
    with db.session() as session:
        assert session.get(Video, video.id).like_count == 1  # type: ignore[union-attr]
        assert likes.toggle(session, video_id=video.id, user_id=user.id) is False
        assert likes.unlike(session, video_id=video.id, user_id=user.id) is False
    with db.session() as session:
        assert session.get(Video, video.id).like_count == 0  # type: ignore[union-attr]
