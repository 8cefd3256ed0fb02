"""Every hot query can be served by an index (PostgreSQL), and SQLite search is driven by FTS5.

The test database is tiny, so the planner would rightly choose sequential scans; with
`enable_seqscan = off` a plan that still scans a big table sequentially has no index it could
use. The plans on the 1M-video data set are recorded in bench/RESULTS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from getnative.catalog import clips
from getnative.catalog import service as catalog
from getnative.catalog.models import Video
from getnative.catalog.search import apply_search
from getnative.channels.social_service import _feed_statement, feed_values
from getnative.db import Database
from getnative.likes.models import Like


def _plan(session: Session, statement: Select) -> str:  # type: ignore[type-arg]
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))


def _video_page(session: Session, q: str | None = None) -> Select:  # type: ignore[type-arg]
    query = catalog.VideoQuery(lang="en", max_id=500000, q=q)
    statement = select(Video).where(Video.source == "getnative", Video.lang == query.lang)
    statement = statement.where(Video.id <= 500000)
    if q:
        return apply_search(session, statement, q).limit(9)
    return statement.order_by(Video.id.desc()).limit(9)


@pytest.fixture
def pg(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("plans are checked on PostgreSQL, the production store")
    return db


def _clips_page(_session: Session, q: str) -> Select:  # type: ignore[type-arg]
    query = clips.ClipQuery(q=q, max_id=500000)
    return clips.clips_page_statement("postgresql", query, None)


@pytest.mark.parametrize(
    "name",
    ["video_page", "search_page", "feed", "like_lookup", "video_detail", "clips", "clips_phrase"],
)
def test_hot_query_uses_an_index(pg: Database, name: str) -> None:
    with pg.session(write=False) as session:
        statements: dict[str, Callable[[], Any]] = {
            "video_page": lambda: _video_page(session),
            "search_page": lambda: _video_page(session, "business"),
            "feed": lambda: _feed_statement(True).params(
                **feed_values(user_id=1, token_version=0, locale="en", start=0, size=20)
            ),
            "like_lookup": lambda: select(Like.id).where(Like.video_id == 1, Like.user_id == 1),
            "video_detail": lambda: select(Video).where(Video.id == 42),
            "clips": lambda: _clips_page(session, "business"),
            "clips_phrase": lambda: _clips_page(session, '"business card"'),
        }
        plan = _plan(session, statements[name]())
    tables = (
        "videos",
        "likes",
        "channels",
        "video_instances",
        "subscriptions",
        "transcript_cues",
        "cue_pairs",
        "feed_entries",
    )
    for table in tables:
        assert f"Seq Scan on {table}" not in plan, plan


def test_a_phrase_is_found_through_the_ordered_pair_index(pg: Database) -> None:
    """A quoted phrase reads `cue_pairs` by its (pair, cue id) key, not a bitmap of every cue
    holding the pair. Which walk the planner takes depends on the statistics of this tiny
    database; on the 10M-cue data set it is the backward walk (bench/RESULTS.md, Clips)."""
    with pg.session(write=False) as session:
        plan = _plan(session, _clips_page(session, '"business card"'))
    assert "pk_cue_pairs" in plan, plan
    assert "ix_transcript_cues_search_pairs" not in plan, plan


def test_sqlite_search_walks_the_full_text_index_newest_first(db: Database) -> None:
    """On SQLite, FTS5 itself must drive the search candidates, newest first, so that the
    candidate LIMIT stops the walk and bm25 runs on those rows only. Driven by the videos
    index instead, SQLite ranked every match: 5.8 s for a common word over 100k videos."""
    if not db.is_sqlite:
        pytest.skip("the FTS5 plan is SQLite's")
    with db.session(write=False) as session:
        statement = _video_page(session, "business")
        compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = [row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    candidates = plan[plan.index("MATERIALIZE anon_1") + 1]
    assert candidates.startswith("SCAN video_search VIRTUAL TABLE"), plan


def test_sqlite_clips_walk_the_cue_index_newest_first(db: Database) -> None:
    """The same for the clips window: FTS5 (`cue_search`) drives it, newest first, so the
    window's LIMIT stops the walk (ordered by the cue id, SQLite sorted every match)."""
    if not db.is_sqlite:
        pytest.skip("the FTS5 plan is SQLite's")
    with db.session(write=False) as session:
        statement = clips.clips_page_statement(
            "sqlite", clips.ClipQuery(q="business", max_id=500000), None
        )
        compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = [row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    window = plan[plan.index("CO-ROUTINE anon_1") : plan.index("SCAN anon_1")]
    assert window[1].startswith("SCAN cue_search VIRTUAL TABLE"), plan
    assert not any("TEMP B-TREE" in step for step in window), plan  # no sort of every match
