"""The like rules called directly: the counter follows the like rows."""

from __future__ import annotations

from getnative.catalog.models import Video
from getnative.db import Database
from getnative.likes import service as likes
from tests.factories import video_and_user


def test_like_counter_follows_rows(db: Database) -> None:
    keys = video_and_user(db)
    with db.session() as session:
        assert likes.toggle(session, **keys) is True
        assert likes.like(session, **keys) is False
    with db.session() as session:
        assert session.get(Video, keys["video_id"]).like_count == 1  # type: ignore[union-attr]
        assert likes.toggle(session, **keys) is False
        assert likes.unlike(session, **keys) is False
    with db.session() as session:
        assert session.get(Video, keys["video_id"]).like_count == 0  # type: ignore[union-attr]
