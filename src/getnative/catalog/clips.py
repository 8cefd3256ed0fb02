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
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    Subquery,
    Text,
    bindparam,
    false,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute

from getnative.catalog.models import TranscriptCue, Video
from getnative.catalog.pages import CueView, Viewer, _summary_select, check_page_token
from getnative.catalog.phrase_index import cue_pairs
from getnative.catalog.search import (
    QueryTerm,
    fts5_matches,
    fts5_query,
    parse_query,
    phrase_pairs,
    tsquery_text,
)
from getnative.catalog.service import (
    CATALOG_SOURCE,
    DEFAULT_LANG,
)
from getnative.db import Database, WarmStatement

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


@dataclass(frozen=True)
class _Shape:
    """What decides a page statement's SQL; everything else is a bound value (`_page_values`).

    Building the statement costs far more Python than running a cached one (tens of ms under
    load against 1 ms of SQL), so statements are built once per shape (`_page_statement`).
    """

    dialect: str
    signed_in: bool
    max_id: bool
    phrase: bool  # PostgreSQL: walk a word pair of `cue_pairs`
    words: bool  # with a phrase: single words to require besides


def _page_values(
    dialect: str, query: ClipQuery, viewer: Viewer | None
) -> tuple[_Shape, dict[str, Any]] | None:
    """The shape and the bound values of `query`'s page (None: no searchable term)."""
    terms = parse_query(query.q)
    if not terms:
        return None
    values: dict[str, Any] = {"lang": query.lang, "count": query.count, "max_id": query.max_id}
    if viewer is not None:
        values |= {"user_id": viewer.user_id, "token_version": viewer.token_version}
    pairs = phrase_pairs(terms) if dialect != "sqlite" else []
    words = [term for term in terms if len(term.tokens) == 1]
    if dialect == "sqlite":
        values[f"{_FTS5_TABLE}_query"] = fts5_query(terms)
    else:
        values["all_terms"] = tsquery_text(terms)
    if pairs:
        values["phrases"] = tsquery_text([term for term in terms if len(term.tokens) > 1])
        values["pair"] = _rarest(pairs)
        if words:
            values["words"] = tsquery_text(words)
    shape = _Shape(
        dialect, viewer is not None, query.max_id is not None, bool(pairs), bool(pairs and words)
    )
    return shape, values


def _ranked_clips(shape: _Shape) -> Subquery:
    """The page's clips, best first: `id, video_id, start_ms, end_ms, text, rank` of the best
    `:count` among the newest `CLIP_CANDIDATES` matching cues.

    One scan produces the window with its rank (computed for the window's rows only), so the
    page is a single statement: join it to the video summaries and order by `clip_order`.
    """
    filters = [Video.source == CATALOG_SOURCE, Video.lang == bindparam("lang", type_=String)]
    if shape.dialect == "sqlite":
        window = _fts5_window(filters, shape.max_id)
    else:
        window = _tsvector_window(shape, filters)
    best = select(window).order_by(window.c.rank.desc(), window.c.id.desc())
    return best.limit(bindparam("count", type_=Integer)).subquery("clips")


CLIP_FIELDS = ("id", "start_ms", "end_ms", "text")
_VIEWER = Viewer(bindparam("user_id"), bindparam("token_version"))  # type: ignore[arg-type]


@lru_cache(maxsize=64)
def _page_statement(shape: _Shape) -> Select[Any]:
    clips = _ranked_clips(shape)
    return (
        _summary_select(_VIEWER if shape.signed_in else None)
        .add_columns(*(clips.c[name].label(f"clip_{name}") for name in CLIP_FIELDS))
        .join(clips, clips.c.video_id == Video.id)
        .order_by(*clip_order(clips))
    )


def clips_page_statement(dialect: str, query: ClipQuery, viewer: Viewer | None) -> Select[Any]:
    """A `GET /clips` page in one statement with its values bound, best first: per clip the
    video summary row of `GET /videos` (`catalog.pages`: the video's columns, `speaker_*`,
    `subcategory_*`, for a viewer `cued`, `liked` and `token_ok`) and the cue as `clip_id`,
    `clip_start_ms`, `clip_end_ms`, `clip_text`. Plain columns: no ORM objects to hydrate."""
    page = _page_values(dialect, query, viewer)
    if page is None:
        return select(literal_column("1")).where(literal_column("1") == 0)
    shape, values = page
    return _page_statement(shape).params(values)


async def clips_page(db: Database, query: ClipQuery, viewer: Viewer | None) -> Sequence[Row[Any]]:
    """The rows of the page, read on the async driver; a revoked token is a 401 (checked in the
    page query itself, or on its own when the page is empty)."""
    rows: Sequence[Row[Any]] = []
    async with db.async_connection() as connection:
        page = _page_values(connection.dialect.name, query, viewer)
        if page is not None:
            shape, values = page
            statement = _page_statement(shape)
            rows = (await connection.execute(statement, values)).all()  # serial: db._ASYNC_SESSION
    await check_page_token(db, viewer, rows[0] if rows else None)
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


def _window(
    rank: ColumnElement[Any],
    filters: list[ColumnElement[bool]],
    newest_first: ColumnElement[int] | InstrumentedAttribute[int],
    max_id: bool,
) -> Select[Any]:
    """The newest matching cues of catalog videos in the language, below the cursor, walked by
    `newest_first` (the cue id, or a column equal to it that an ordered index covers)."""
    if max_id:
        filters = [*filters, newest_first <= bindparam("max_id", type_=BigInteger)]
    return (
        select(*_CUE_COLUMNS, rank.label("rank"))
        .join(Video, Video.id == TranscriptCue.video_id)
        .where(*filters)
        .order_by(newest_first.desc())
        .limit(CLIP_CANDIDATES)
    )


_FTS5_TABLE = "cue_search"


def _fts5_window(filters: list[ColumnElement[bool]], max_id: bool) -> Subquery:
    # The placeholder term is replaced by the `cue_search_query` value of `_page_values`.
    matches = fts5_matches(_FTS5_TABLE, [QueryTerm(("",))])
    rank: ColumnElement[float] = -matches.c.rank  # bm25: lower is better, so negate it
    # Walked by the FTS5 rowid (the cue id), as video search does (`search._apply_fts5`):
    # then FTS5 drives, newest first, and the window's LIMIT stops it before bm25 ranks every
    # match.
    window = _window(rank, filters, matches.c.rowid, max_id)
    return window.join(matches, matches.c.rowid == TranscriptCue.id).subquery()


def _tsquery(name: str) -> ColumnElement[Any]:
    """`tsquery` of the bound tsquery text `name` (`search.tsquery_text`)."""
    return func.to_tsquery(literal_column("'simple'"), bindparam(name, type_=Text))


def _tsvector_window(shape: _Shape, filters: list[ColumnElement[bool]]) -> Subquery:
    """Words: the tsvector GIN index (a rare word) or the id walk (a common one), the planner's
    choice. A phrase: the backward walk of its rarest-looking pair in `cue_pairs`, ordered by
    cue id (`phrase_index`); the tsquery stays the exact test."""
    vector: ColumnElement[Any] = literal_column("transcript_cues.search_vector")
    rank = func.ts_rank(vector, _tsquery("all_terms"))
    if not shape.phrase:
        matching = [*filters, vector.op("@@")(_tsquery("all_terms"))]
        return _window(rank, matching, TranscriptCue.id, shape.max_id).subquery()
    # The planner estimates a phrase as "all its words", far rarer than "holds its pair" (it
    # predicted 46 of 13,620 cues of `train_station`, so it read them all by bitmap and sorted
    # them: 416 ms). Behind COALESCE the exact test gets a neutral estimate and the pair walk
    # stops at the window (1-2 ms); the words keep theirs (and their index, when rare). The
    # join on `cue_id + 0` leaves the pair index as the only source of the walk's order, so the
    # planner cannot walk all cues backwards probing each for the pair instead.
    exact = func.coalesce(vector.op("@@")(_tsquery("phrases")), false())
    matching = [*filters, exact]
    if shape.words:
        matching.append(vector.op("@@")(_tsquery("words")))
    pair = cue_pairs.alias("pair")
    held = [*matching, pair.c.pair == bindparam("pair", type_=Text)]
    walk = _window(rank, held, pair.c.cue_id, shape.max_id)
    return walk.join(pair, TranscriptCue.id == pair.c.cue_id + 0).subquery()


def _rarest(pairs: list[str]) -> str:
    """The pair to walk: the longest (longer words are rarer, Zipf), without statistics."""
    return max(pairs, key=len)


@lru_cache(maxsize=4)
def _matches_statement(dialect: str) -> Select[Any]:
    """Per video of `:video_ids`, its first `MATCHES_PER_VIDEO` cues (in time order) matching
    the bound terms (`_matches_values`): `video_id, start_ms, end_ms, text`, by video.

    On SQLite it probes the FTS5 table by rowid (cheap for the few cues of one page of videos).
    """
    matching: ColumnElement[bool]
    if dialect == "sqlite":
        probe = text("cue_search.rowid = transcript_cues.id AND cue_search MATCH :cue_match")
        matching = select(literal_column("1")).select_from(text("cue_search")).where(probe).exists()
    else:
        vector: ColumnElement[Any] = literal_column("transcript_cues.search_vector")
        matching = vector.op("@@")(_tsquery("all_terms"))
    order = (TranscriptCue.start_ms, TranscriptCue.id)
    numbered = (
        select(
            *_CUE_COLUMNS,
            func.row_number().over(partition_by=TranscriptCue.video_id, order_by=order).label("n"),
        )
        .where(TranscriptCue.video_id.in_(bindparam("video_ids", expanding=True)), matching)
        .subquery()
    )
    return (
        select(numbered.c.video_id, numbered.c.start_ms, numbered.c.end_ms, numbered.c.text)
        .where(numbered.c.n <= MATCHES_PER_VIDEO)
        .order_by(numbered.c.video_id, numbered.c.start_ms, numbered.c.id)
    )


def warm_matches(dialect: str, count: int) -> WarmStatement:
    """`matching_cues`' statement for a page of `count` videos, with values that match
    nothing (NULL ids and terms), for `Database.warm_async`."""
    return WarmStatement(
        _matches_statement(dialect), (("video_ids", [None] * count), ("all_terms", None))
    )


async def matching_cues(
    connection: AsyncConnection, video_ids: Sequence[int], terms: list[QueryTerm]
) -> dict[int, list[CueView]]:
    """For each video, its first `MATCHES_PER_VIDEO` cues (in time order) that match `terms`.

    One query for the whole page; videos without a matching cue are absent.
    """
    if not terms or not video_ids:
        return {}
    dialect = connection.dialect.name
    values: dict[str, Any] = {"video_ids": list(video_ids)}
    if dialect == "sqlite":
        values["cue_match"] = fts5_query(terms)
    else:
        values["all_terms"] = tsquery_text(terms)
    found: dict[int, list[CueView]] = {}
    for video_id, start_ms, end_ms, cue_text in await connection.execute(
        _matches_statement(dialect), values
    ):
        found.setdefault(video_id, []).append(CueView(start_ms, end_ms, cue_text))
    return found
