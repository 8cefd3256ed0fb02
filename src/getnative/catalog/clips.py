"""Moments: the timed cues of transcripts that match a search (GET /clips, `matches` on /videos).

A clip is one cue (its id is the cue's id) of a catalog video, found through the same query
language and the same kind of index as video search (`getnative.catalog.search`): words are all
required, a double-quoted part is an exact phrase, Japanese and other unspaced text matches as a
substring. As in video search, relevance is ranked among the newest `CLIP_CANDIDATES` matches
below the `max_id` cursor, so that a common word costs an index walk, not a sort of millions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Subquery,
    Text,
    cast,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from getnative.catalog.models import Speaker, Subcategory, TranscriptCue, Video
from getnative.catalog.search import (
    QueryTerm,
    fts5_matches,
    fts5_query,
    parse_query,
    phrase_pairs,
    tsquery,
)
from getnative.catalog.service import (
    CATALOG_SOURCE,
    DEFAULT_LANG,
)
from getnative.likes.models import Like
from getnative.study.models import Cue

DEFAULT_CLIP_COUNT = 20
CLIP_CANDIDATES = 100
"""Ranked window: 100 measured 3-20x faster than 500 at 10M cues (bench/RESULTS.md, Clips), and a
page has at most 100 clips; a frequent phrase then walks the id index instead of a huge bitmap."""
MATCHES_PER_VIDEO = 3


@dataclass(frozen=True)
class ClipQuery:
    """A `GET /clips` request in typed values (the dialect parses the query string)."""

    q: str
    lang: str = DEFAULT_LANG
    count: int = DEFAULT_CLIP_COUNT
    max_id: int | None = None


def ranked_clips(dialect: str, query: ClipQuery) -> Subquery | None:
    """The page's clips, best first: `id, video_id, start_ms, end_ms, text, rank` of the best
    `query.count` among the newest `CLIP_CANDIDATES` matching cues (None: no searchable term).

    One scan produces the window with its rank (computed for the window's rows only), so the
    page is a single statement: join it to the video summaries and order by `clip_order`.
    """
    terms = parse_query(query.q)
    if not terms:
        return None
    filters = [Video.source == CATALOG_SOURCE, Video.lang == query.lang]
    if query.max_id is not None:
        filters.append(TranscriptCue.id <= query.max_id)
    window = (_fts5_window if dialect == "sqlite" else _tsvector_window)(terms, filters)
    best = select(window).order_by(window.c.rank.desc(), window.c.id.desc()).limit(query.count)
    return best.subquery("clips")


VIDEO_FIELDS = (
    "id",
    "created_at",
    "lang",
    "description",
    "loop_count",
    "loop_velocity",
    "thumbnail_image_url",
    "video_url",
    "length",
    "like_count",
)
SPEAKER_FIELDS = ("id", "name", "description", "location", "lang", "gender", "created_at")
SUBCATEGORY_FIELDS = ("id", "name", "category_id", "created_at")


def clips_page_statement(dialect: str, query: ClipQuery, *, user_id: int | None) -> Select[Any]:
    """A `GET /clips` page in one statement: per clip its cue columns (`id`, `start_ms`,
    `end_ms`, `text`) and its video summary (`video_*`, `speaker_*`, `subcategory_*`; for a
    signed-in user `cued` and `liked`), best first. Plain columns: no ORM objects to hydrate."""
    clips = ranked_clips(dialect, query)
    if clips is None:
        return select(literal_column("1")).where(literal_column("1") == 0)
    columns: list[ColumnElement[Any]] = [
        clips.c.id,
        clips.c.start_ms,
        clips.c.end_ms,
        clips.c.text,
        *(getattr(Video, name).label(f"video_{name}") for name in VIDEO_FIELDS),
        *(getattr(Speaker, name).label(f"speaker_{name}") for name in SPEAKER_FIELDS),
        Speaker.picture_url.label("speaker_picture_url"),
        *(getattr(Subcategory, name).label(f"subcategory_{name}") for name in SUBCATEGORY_FIELDS),
    ]
    if user_id is not None:
        cued = select(Cue.id).where(Cue.user_id == user_id, Cue.video_id == Video.id).exists()
        liked = select(Like.id).where(Like.user_id == user_id, Like.video_id == Video.id).exists()
        columns += [cued.label("cued"), liked.label("liked")]
    return (
        select(*columns)
        .select_from(clips)
        .join(Video, Video.id == clips.c.video_id)
        .outerjoin(Speaker, Speaker.id == Video.speaker_id)
        .outerjoin(Subcategory, Subcategory.id == Video.subcategory_id)
        .order_by(*clip_order(clips))
    )


async def clips_page(
    connection: AsyncConnection, query: ClipQuery, *, user_id: int | None
) -> Sequence[Row[Any]]:
    """The rows of `clips_page_statement`, read on the async driver."""
    statement = clips_page_statement(connection.dialect.name, query, user_id=user_id)
    rows: Sequence[Row[Any]] = (await connection.execute(statement)).all()
    return rows


def clip_order(clips: Subquery) -> tuple[ColumnElement[Any], ...]:
    """Best first (higher `rank`), newest first among equals."""
    return (clips.c.rank.desc(), clips.c.id.desc())


_CUE_COLUMNS = (
    TranscriptCue.id,
    TranscriptCue.video_id,
    TranscriptCue.start_ms,
    TranscriptCue.end_ms,
    TranscriptCue.text,
)


def _window(rank: ColumnElement[Any], filters: list[ColumnElement[bool]]) -> Select[Any]:
    """The newest matching cues of catalog videos in the language, below the cursor."""
    return (
        select(*_CUE_COLUMNS, rank.label("rank"))
        .join(Video, Video.id == TranscriptCue.video_id)
        .where(*filters)
        .order_by(TranscriptCue.id.desc())
        .limit(CLIP_CANDIDATES)
    )


def _fts5_window(terms: list[QueryTerm], filters: list[ColumnElement[bool]]) -> Subquery:
    matches = fts5_matches("cue_search", terms)
    rank: ColumnElement[float] = -matches.c.rank  # bm25: lower is better, so negate it
    return _window(rank, filters).join(matches, matches.c.rowid == TranscriptCue.id).subquery()


def _tsvector_window(terms: list[QueryTerm], filters: list[ColumnElement[bool]]) -> Subquery:
    vector: ColumnElement[Any] = literal_column("transcript_cues.search_vector")
    matching = [vector.op("@@")(tsquery(terms))]
    pairs = phrase_pairs(terms)
    if pairs:  # the pair index narrows a phrase to the rows holding it; @@ stays the exact test
        held = func.string_to_array(TranscriptCue.search_pairs, literal_column("' '"))
        matching.append(held.op("@>")(cast(postgresql.array(pairs), postgresql.ARRAY(Text))))
    rank = func.ts_rank(vector, tsquery(terms))
    return _window(rank, [*filters, *matching]).subquery()


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _cue_matches(session: Session, terms: list[QueryTerm]) -> ColumnElement[bool]:
    """A condition on `transcript_cues` rows: the cue matches `terms`.

    On SQLite it probes the FTS5 table by rowid (cheap for the few cues of one page of videos).
    """
    if _is_sqlite(session):
        probe = text("cue_search.rowid = transcript_cues.id AND cue_search MATCH :cue_match")
        return (
            select(literal_column("1"))
            .select_from(text("cue_search"))
            .where(probe.bindparams(cue_match=fts5_query(terms)))
            .exists()
        )
    vector: ColumnElement[Any] = literal_column("transcript_cues.search_vector")
    return vector.op("@@")(tsquery(terms))


def matching_cues(
    session: Session, video_ids: Sequence[int], q: str
) -> dict[int, list[TranscriptCue]]:
    """For each video, its first `MATCHES_PER_VIDEO` cues (in time order) that match `q`.

    One query for the whole page; videos without a matching cue are absent.
    """
    terms = parse_query(q)
    if not terms or not video_ids:
        return {}
    order = (TranscriptCue.start_ms, TranscriptCue.id)
    numbered = (
        select(
            TranscriptCue.id,
            func.row_number().over(partition_by=TranscriptCue.video_id, order_by=order).label("n"),
        )
        .where(TranscriptCue.video_id.in_(list(video_ids)), _cue_matches(session, terms))
        .subquery()
    )
    statement = (
        select(TranscriptCue)
        .join(numbered, numbered.c.id == TranscriptCue.id)
        .where(numbered.c.n <= MATCHES_PER_VIDEO)
        .order_by(TranscriptCue.video_id, *order)
    )
    found: dict[int, list[TranscriptCue]] = {}
    for cue in session.scalars(statement):
        found.setdefault(cue.video_id, []).append(cue)
    return found
