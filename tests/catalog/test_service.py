"""The catalog's per-user rules called directly: cueing a video for later."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from getnative.catalog import service as catalog
from getnative.db import Database
from getnative.errors import NotFound
from tests.factories import cue_rows, video_and_user


def test_cue_service_reports_whether_it_changed_anything(db: Database) -> None:
    keys = video_and_user(db)
    with db.session() as session:
        assert catalog.cue(session, **keys) is True
        assert catalog.cue(session, **keys) is False
    with db.session() as session:
        assert catalog.uncue(session, **keys) is True
        assert catalog.uncue(session, **keys) is False
    with db.session() as session, pytest.raises(NotFound):
        catalog.cue(session, video_id=keys["video_id"] + 1000, user_id=keys["user_id"])


def test_concurrent_cues_of_the_same_video_make_one_row(db: Database) -> None:
    """Racing inserts must not trip the unique constraint: exactly one wins, none fails."""
    keys = video_and_user(db)
    barrier = threading.Barrier(6)

    def cue_once() -> bool:
        barrier.wait(timeout=10)
        with db.session() as session:
            return catalog.cue(session, **keys)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: cue_once(), range(6)))

    assert results.count(True) == 1
    assert cue_rows(db, keys["user_id"]) == [keys["video_id"]]
