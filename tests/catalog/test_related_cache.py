"""Anonymous detail pages' related videos from `catalog.related_cache`: the same page as the
one-statement path, at most a second old, stale at once when the catalog moves."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from getnative.api.getnative.render import render_detail_page
from getnative.catalog import pages
from getnative.catalog.events import catalog_changed, catalog_generation
from getnative.catalog.models import Video
from getnative.catalog.related_cache import RelatedVideosCache
from getnative.db import Database
from tests.factories import (
    make_speaker,
    make_user,
    make_video,
    make_youtube_video,
    subcategory_ids,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def page(db: Database, video_id: int, related: RelatedVideosCache | None) -> dict[str, Any] | None:
    """The rendered anonymous detail page, through the cache or (None) the one statement."""
    detail = asyncio.run(pages.video_detail(db, video_id, None, related))
    return None if detail is None else render_detail_page(detail, signed_in=False)


def related_ids(body: dict[str, Any] | None) -> list[int]:
    assert body is not None
    return [record["id"] for record in body["related_videos"]["records"]]


def test_kept_rows_expire_with_their_ttl() -> None:
    clock = Clock()
    cache = RelatedVideosCache(1.0, clock=clock)
    cache.put((1, "en"), [(7,)], generation=catalog_generation())
    assert cache.get((1, "en")) == [(7,)]
    clock.now += 0.99
    assert cache.get((1, "en")) == [(7,)]
    clock.now += 0.01
    assert cache.get((1, "en")) is None


def test_a_catalog_change_makes_kept_rows_stale() -> None:
    cache = RelatedVideosCache(1.0, clock=Clock())
    cache.put((1, "en"), [(7,)], generation=catalog_generation())
    catalog_changed()
    assert cache.get((1, "en")) is None


def test_rows_read_before_a_catalog_change_are_not_kept_as_current() -> None:
    cache = RelatedVideosCache(1.0, clock=Clock())
    generation = catalog_generation()
    catalog_changed()  # lands while the walk is read
    cache.put((1, "en"), [(7,)], generation=generation)
    assert cache.get((1, "en")) is None


def test_entries_are_bounded_oldest_out_first() -> None:
    cache = RelatedVideosCache(1.0, max_entries=2, clock=Clock())
    for subcategory in (1, 2, 3):
        cache.put((subcategory, "en"), [(subcategory,)], generation=catalog_generation())
    assert cache.get((1, "en")) is None
    assert (cache.get((2, "en")), cache.get((3, "en"))) == ([(2,)], [(3,)])


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache = RelatedVideosCache(0)
    assert not cache.enabled
    cache.put((1, "en"), [(7,)], generation=catalog_generation())
    assert cache.get((1, "en")) is None


@pytest.fixture
def busy_subcategory(db: Database) -> tuple[int, list[Video]]:
    """A subcategory with nine English catalog videos, one Japanese and one from YouTube."""
    (sub,) = subcategory_ids(db, "Travel", ["Train Stations"])
    videos = [make_video(db, subcategory_id=sub) for _ in range(9)]
    make_video(db, lang="ja", subcategory_id=sub)
    make_youtube_video(db, subcategory_id=sub, lang="en")
    return sub, videos


def test_the_cached_page_is_the_one_statement_page(
    db: Database, busy_subcategory: tuple[int, list[Video]]
) -> None:
    _, videos = busy_subcategory
    cache = RelatedVideosCache(1.0)
    for video in (videos[-1], videos[0], videos[4], videos[-1]):  # the newest one twice
        assert page(db, video.id, cache) == page(db, video.id, None)
    newest_first = [video.id for video in reversed(videos)]
    assert related_ids(page(db, videos[0].id, cache)) == newest_first[:6]
    assert related_ids(page(db, videos[-1].id, cache)) == newest_first[1:7]


def test_a_new_video_shows_within_the_ttl_or_at_once_after_a_catalog_change(
    db: Database, busy_subcategory: tuple[int, list[Video]]
) -> None:
    sub, videos = busy_subcategory
    clock = Clock()
    cache = RelatedVideosCache(1.0, clock=clock)
    before = related_ids(page(db, videos[0].id, cache))
    newer = make_video(db, subcategory_id=sub)  # outside an import: the catalog did not move
    assert related_ids(page(db, videos[0].id, cache)) == before  # kept, at most a second
    clock.now += 1.0
    assert related_ids(page(db, videos[0].id, cache))[0] == newer.id
    newest = make_video(db, subcategory_id=sub)
    catalog_changed()  # as an import does when it commits
    assert related_ids(page(db, videos[0].id, cache))[:2] == [newest.id, newer.id]


def test_signed_in_pages_never_take_kept_rows(
    db: Database, busy_subcategory: tuple[int, list[Video]]
) -> None:
    sub, videos = busy_subcategory
    cache = RelatedVideosCache(1.0, clock=Clock())
    page(db, videos[0].id, cache)  # an anonymous page keeps the walk
    newer = make_video(db, subcategory_id=sub)
    user = make_user(db)
    viewer = pages.Viewer(user.id, user.token_version)

    detail = asyncio.run(pages.video_detail(db, videos[0].id, viewer, cache))

    assert detail is not None
    assert detail.related[0][0] == newer.id  # the viewer's own statement, not the kept rows


def test_a_short_subcategory_takes_the_speakers_walk_as_the_statement_does(db: Database) -> None:
    (sub,) = subcategory_ids(db, "Travel", ["Ferries"])
    speaker = make_speaker(db)
    video = make_video(db, subcategory_id=sub, speaker_id=speaker.id)
    same_subcategory = [make_video(db, subcategory_id=sub) for _ in range(2)]
    same_speaker = [make_video(db, speaker_id=speaker.id) for _ in range(5)]
    cache = RelatedVideosCache(1.0)

    body = page(db, video.id, cache)

    assert body == page(db, video.id, None)
    expected = [v.id for v in reversed(same_subcategory)] + [v.id for v in reversed(same_speaker)]
    assert related_ids(body) == expected[:6]


def test_a_video_without_a_subcategory_and_an_unknown_one(db: Database) -> None:
    speaker = make_speaker(db)
    video = make_video(db, speaker_id=speaker.id)
    other = make_video(db, speaker_id=speaker.id)
    with db.session() as session:
        session.get(Video, video.id).subcategory_id = None  # type: ignore[union-attr]
    cache = RelatedVideosCache(1.0)

    assert page(db, video.id, cache) == page(db, video.id, None)
    assert related_ids(page(db, video.id, cache)) == [other.id]
    assert page(db, other.id + 1000, cache) is None
