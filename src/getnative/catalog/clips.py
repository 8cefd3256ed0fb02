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

from sqlalchemy import ColumnElement, Select, Text, cast, func, literal_column, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload

from getnative.catalog.models import TranscriptCue, Video
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
    parse_count,
    parse_optional_id,
    parse_search_text,
    validate_lang,
)
from getnative.errors import InvalidInput

DEFAULT_CLIP_COUNT = 20
CLIP_CANDIDATES = 500
MATCHES_PER_VIDEO = 3


@dataclass(frozen=True)
class ClipQuery:
    """A validated `GET /clips` request."""

    q: str
    lang: str = DEFAULT_LANG
    count: int = DEFAULT_CLIP_COUNT
    max_id: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        q: str | None = None,
        lang: str | None = None,
        count: str | None = None,
        max_id: str | None = None,
    ) -> ClipQuery:
        """Validate raw query-string values with the rules (and error codes) of GET /videos.

        Unlike /videos, a search is the whole point here: a missing or blank `q` is a 400.
        """
        query = parse_search_text(q)
        if query is None:
            raise InvalidInput("The parameter 'q' is required.", code="field_missing", field="q")
        return cls(
            q=query,
            lang=validate_lang(DEFAULT_LANG if lang is None else lang),
            count=parse_count(count, default=DEFAULT_CLIP_COUNT),
            max_id=parse_optional_id(max_id, "max_id"),
        )


def search_clips(session: Session, query: ClipQuery) -> Sequence[TranscriptCue]:
    """The best `query.count` matching cues (with their videos loaded), best first.

    A query with no searchable term matches nothing.
    """
    statement = clips_statement(session, query)
    if statement is None:
        return []
    return session.scalars(statement).all()


def clips_statement(session: Session, query: ClipQuery) -> Select[Any] | None:
    """The SELECT of `search_clips` (None when the query has no searchable term)."""
    terms = parse_query(query.q)
    if not terms:
        return None
    filters = [Video.source == CATALOG_SOURCE, Video.lang == query.lang]
    if query.max_id is not None:
        filters.append(TranscriptCue.id <= query.max_id)
    if _is_sqlite(session):
        ranked = _ranked_fts5(terms, filters)
    else:
        ranked = _ranked_tsvector(terms, filters)
    return ranked.options(
        joinedload(TranscriptCue.video).joinedload(Video.speaker),
        joinedload(TranscriptCue.video).joinedload(Video.subcategory),
    ).limit(query.count)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _candidates(columns: list[Any], filters: list[ColumnElement[bool]]) -> Select[Any]:
    """The newest matching cues of catalog videos in the language, below the cursor."""
    return (
        select(*columns)
        .join(Video, Video.id == TranscriptCue.video_id)
        .where(*filters)
        .order_by(TranscriptCue.id.desc())
        .limit(CLIP_CANDIDATES)
    )


def _ranked_fts5(terms: list[QueryTerm], filters: list[ColumnElement[bool]]) -> Select[Any]:
    matches = fts5_matches("cue_search", terms)
    candidates = (
        _candidates([TranscriptCue.id.label("cue_id"), matches.c.rank], filters)
        .join(matches, matches.c.rowid == TranscriptCue.id)
        .subquery()
    )
    rank: ColumnElement[float] = candidates.c.rank  # bm25: lower is better
    return (
        select(TranscriptCue)
        .join(candidates, candidates.c.cue_id == TranscriptCue.id)
        .order_by(rank.asc(), TranscriptCue.id.desc())
    )


def _ranked_tsvector(terms: list[QueryTerm], filters: list[ColumnElement[bool]]) -> Select[Any]:
    vector: ColumnElement[Any] = literal_column("transcript_cues.search_vector")
    matching = [vector.op("@@")(tsquery(terms))]
    pairs = phrase_pairs(terms)
    if pairs:  # the pair index narrows a phrase to the rows holding it; @@ stays the exact test
        held = func.string_to_array(TranscriptCue.search_pairs, literal_column("' '"))
        matching.append(held.op("@>")(cast(postgresql.array(pairs), postgresql.ARRAY(Text))))
    candidate_ids = _candidates([TranscriptCue.id], [*filters, *matching]).scalar_subquery()
    return (
        select(TranscriptCue)
        .where(TranscriptCue.id.in_(candidate_ids))
        .order_by(func.ts_rank(vector, tsquery(terms)).desc(), TranscriptCue.id.desc())
    )


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
