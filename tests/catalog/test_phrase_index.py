"""`cue_pairs`, PostgreSQL's ordered index of cue word pairs: its triggers follow every write of
`transcript_cues`, and revision 0008 fills it from the cues that exist (SQLite has FTS5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from getnative.catalog.models import Transcript, TranscriptCue, Video
from getnative.catalog.search import normalize, word_pairs
from getnative.db import Database
from getnative.migrate import alembic_config, upgrade
from tests.factories import make_video
from tests.servers import create_postgres_database, drop_postgres_database, require_postgres


@pytest.fixture
def pg(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("cue_pairs is PostgreSQL's; SQLite finds phrases with FTS5")
    return db


def _add_cues(db: Database, video_id: int, *texts: str) -> list[int]:
    with db.session() as session:
        transcript = session.scalars(
            sa.select(Transcript).where(Transcript.video_id == video_id)
        ).one()
        cues = [
            TranscriptCue(
                transcript_id=transcript.id,
                video_id=video_id,
                start_ms=1000 * index,
                end_ms=1000 * index + 900,
                text=text,
                search_text=normalize(text),
                search_pairs=word_pairs(text),
            )
            for index, text in enumerate(texts)
        ]
        session.add_all(cues)
        session.flush()
        return [cue.id for cue in cues]


def _pairs(db: Database) -> set[tuple[str, int]]:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT pair, cue_id FROM cue_pairs")
        return {(pair, cue_id) for pair, cue_id in rows}


def _expected(db: Database) -> set[tuple[str, int]]:
    """What `cue_pairs` must hold: each cue's distinct `search_pairs`."""
    with db.session(write=False) as session:
        cues = session.execute(sa.select(TranscriptCue.id, TranscriptCue.search_pairs))
        return {(pair, cue_id) for cue_id, pairs in cues for pair in pairs.split()}


def test_inserted_cues_get_their_pairs_once(pg: Database) -> None:
    video = make_video(pg)
    school, _, bye = _add_cues(pg, video.id, "My school friend", "la la la", "Bye")

    pairs = _pairs(pg)

    assert pairs == _expected(pg)
    assert {("my_school", school), ("school_friend", school), ("la_la", school + 1)} == pairs
    assert not any(cue_id == bye for _, cue_id in pairs)  # one word: no pair


def test_pairs_follow_updated_and_deleted_cues(pg: Database) -> None:
    video, other = make_video(pg), make_video(pg)
    changed, kept = _add_cues(pg, video.id, "business card", "train station")
    (elsewhere,) = _add_cues(pg, other.id, "station ticket")
    with pg.session() as session:
        cue = session.get(TranscriptCue, changed)
        assert cue is not None
        cue.text, cue.search_text = "school friend", normalize("school friend")
        cue.search_pairs = word_pairs("school friend")
        session.get(TranscriptCue, kept).start_ms = 5  # type: ignore[union-attr]
    assert _pairs(pg) == {
        ("school_friend", changed),
        ("train_station", kept),
        ("station_ticket", elsewhere),
    }

    with pg.session() as session:
        session.execute(sa.delete(Video).where(Video.id == video.id))  # cascades to its cues

    assert _pairs(pg) == {("station_ticket", elsewhere)}


def test_truncating_cues_empties_the_pairs(pg: Database) -> None:
    _add_cues(pg, make_video(pg).id, "business card")

    with pg.engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE transcript_cues")

    assert _pairs(pg) == set()


@pytest.fixture
def fresh_pg() -> Iterator[Database]:
    require_postgres()
    url, admin = create_postgres_database()
    database = Database(url)
    yield database
    database.dispose()
    drop_postgres_database(admin, url)


def test_revision_0008_fills_pairs_from_existing_cues_and_goes_back(fresh_pg: Database) -> None:
    upgrade(fresh_pg.engine, "0007")
    video = make_video(fresh_pg)
    _add_cues(fresh_pg, video.id, "my school friend", "the the the end", "one")

    upgrade(fresh_pg.engine)

    assert _pairs(fresh_pg) == _expected(fresh_pg)
    assert len(_pairs(fresh_pg)) == 4  # my_school, school_friend, the_the (once), the_end
    _add_cues(fresh_pg, video.id, "business card")  # the triggers are on after the backfill
    assert _pairs(fresh_pg) == _expected(fresh_pg)
    assert _pair_gin_indexes(fresh_pg) == 0

    config = alembic_config()
    with fresh_pg.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")

    assert _pair_gin_indexes(fresh_pg) == 1
    assert not sa.inspect(fresh_pg.engine).has_table("cue_pairs")


def _pair_gin_indexes(db: Database) -> int:
    with db.engine.connect() as connection:
        ix = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_transcript_cues_search_pairs'"
        count: int = connection.exec_driver_sql(ix).scalar_one()
        return count
