"""Full-text search over videos, one design for SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Each video has a `search_document`: its description, speaker name, subcategory name and
transcript texts, normalised by `normalize`. Languages written without spaces (Japanese, Chinese)
have every CJK character spaced out, so that both word-based indexes see them as one-character
tokens; a CJK query becomes a phrase of its characters, which matches exactly the substring.
Latin words are lower-cased and matched as whole words, every query term required (AND); a
double-quoted part of the query is matched as an exact phrase. Timed cues
(`getnative.catalog.clips`) are indexed the same way, from their own `search_text`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    Text,
    bindparam,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from getnative.catalog.models import Video
from getnative.db import dialect_of

MAX_QUERY_LENGTH = 100
MAX_QUERY_TERMS = 16

_CJK = (
    r"\u3040-\u30ff"  # hiragana, katakana
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    r"\uac00-\ud7af"  # hangul syllables
    r"\uff66-\uff9f"  # half-width katakana
)
_CJK_CHAR = re.compile(f"([{_CJK}])")
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def normalize(value: str) -> str:
    """Document form: NFKC, case-folded, CJK characters separated by spaces."""
    return " ".join(_CJK_CHAR.sub(r" \1 ", _fold(value)).split())


@dataclass(frozen=True)
class QueryTerm:
    """A query unit: a word, or a run of CJK characters matched as a phrase."""

    tokens: tuple[str, ...]


_QUOTED = re.compile(r'"([^"]*)"')


def _tokens(text: str) -> list[tuple[str, ...]]:
    """Each word alone, each CJK run as the phrase of its characters."""
    return [
        tuple(token) if _CJK_CHAR.match(token) else (token,)
        for token in (match.group(0) for match in _TOKEN.finditer(text))
    ]


def parse_query(query: str) -> list[QueryTerm]:
    """Split a user query into terms; punctuation and operators are dropped, never interpreted.

    A double-quoted part is one term: the exact phrase of its words, in order. An unpaired quote
    is ignored.
    """
    terms: list[QueryTerm] = []
    folded = _fold(query)
    position = 0
    for quoted in _QUOTED.finditer(folded):
        terms.extend(QueryTerm(tokens) for tokens in _tokens(folded[position : quoted.start()]))
        phrase = tuple(token for tokens in _tokens(quoted.group(1)) for token in tokens)
        if phrase:
            terms.append(QueryTerm(phrase))
        position = quoted.end()
    terms.extend(QueryTerm(tokens) for tokens in _tokens(folded[position:]))
    return terms[:MAX_QUERY_TERMS]


PAIR_JOINER = "_"
"""Joins the two words of a pair; query tokens never contain it (see _TOKEN)."""


def word_pairs(value: str) -> str:
    """Every two adjacent words (or CJK characters) of `value`, as `a_b` tokens joined by spaces.

    PostgreSQL's GIN index over tsvectors keeps no positions, so a phrase of two common words
    must recheck every row holding both; an index over these pairs finds the phrase directly.
    """
    tokens = [token for tokens in _tokens(_fold(value)) for token in tokens]
    return " ".join(f"{a}{PAIR_JOINER}{b}" for a, b in pairwise(tokens))


def phrase_pairs(terms: list[QueryTerm]) -> list[str]:
    """The word pairs that a cue must hold to contain every phrase of `terms`."""
    return sorted({f"{a}{PAIR_JOINER}{b}" for term in terms for a, b in pairwise(term.tokens)})


def build_document(
    *, description: str, speaker: str, subcategory: str, transcripts: list[str]
) -> str:
    return normalize(" ".join([description, speaker, subcategory, *transcripts]))


def refresh_search_document(session: Session, video: Video) -> None:
    """Recompute the video's document from its current related rows."""
    session.flush()
    session.refresh(video, ["speaker", "subcategory", "transcripts"])
    video.search_document = build_document(
        description=video.description,
        speaker=video.speaker.name if video.speaker else "",
        subcategory=video.subcategory.name if video.subcategory else "",
        transcripts=[transcript.text for transcript in video.transcripts],
    )


def fts5_query(terms: list[QueryTerm]) -> str:
    # Tokens are letters/digits only (see _TOKEN), so quoting them is enough to be inert.
    return " AND ".join('"' + " ".join(term.tokens) + '"' for term in terms)


def tsquery_text(terms: list[QueryTerm]) -> str:
    return " & ".join(
        "(" + " <-> ".join(f"'{token}'" for token in term.tokens) + ")" for term in terms
    )


SEARCH_CANDIDATES = 500
"""Relevance is ranked among the newest matches below the cursor, at most this many of them.

Ranking every match of a common word over a million videos costs seconds; taking the newest
candidates first is an index walk, and the page the client sees is the best of those. Paging
with `max_id` moves the window to older matches.
"""


def apply_search(session: Session, query: Select[Any], q: str) -> Select[Any]:
    """Restrict `query` (a filtered `select(Video)`) to videos matching `q`, ordered by relevance
    among the newest `SEARCH_CANDIDATES` matches, then newest first.

    A query with no searchable term matches nothing (rather than everything).
    """
    terms = parse_query(q)
    if not terms:
        return query.where(literal_column("1") == 0)
    if dialect_of(session) == "sqlite":
        return _apply_fts5(query, fts5_matches(_FTS5_TABLE, terms))
    return _apply_tsvector(query, tsquery(terms))


_FTS5_TABLE = "video_search"
_BOUND_TSQUERY = "search_query"


def apply_bound_search(dialect: str, query: Select[Any]) -> Select[Any]:
    """`apply_search` with the terms left as a bound parameter, so that the statement is built
    once per page shape and run with `bound_search_values` (the async search page)."""
    if dialect == "sqlite":
        # The placeholder term is replaced by the value of `bound_search_values`.
        return _apply_fts5(query, fts5_matches(_FTS5_TABLE, [QueryTerm(("",))]))
    text_value = bindparam(_BOUND_TSQUERY, type_=Text)
    return _apply_tsvector(query, func.to_tsquery(literal_column("'simple'"), text_value))


def bound_search_values(dialect: str, terms: list[QueryTerm]) -> dict[str, str]:
    """The values of `apply_bound_search`'s parameter for `terms` (at least one term)."""
    if dialect == "sqlite":
        return {f"{_FTS5_TABLE}_query": fts5_query(terms)}
    return {_BOUND_TSQUERY: tsquery_text(terms)}


def fts5_matches(table: str, terms: list[QueryTerm]) -> Subquery:
    """`(rowid, rank)` of the rows of FTS5 table `table` matching `terms` (lower rank: better)."""
    return (
        select(literal_column("rowid").label("rowid"), literal_column("rank").label("rank"))
        .select_from(text(table))
        .where(
            text(f"{table} MATCH :{table}_query").bindparams(
                **{f"{table}_query": fts5_query(terms)}
            )
        )
        .subquery()
    )


def tsquery(terms: list[QueryTerm]) -> ColumnElement[Any]:
    """The PostgreSQL tsquery of `terms` over documents indexed with the 'simple' configuration."""
    return func.to_tsquery(literal_column("'simple'"), tsquery_text(terms))


def _apply_fts5(query: Select[Any], matches: Subquery) -> Select[Any]:
    # Ordered by the FTS5 rowid, not by videos.id (the same value): then FTS5 itself walks its
    # doclist newest first and the LIMIT stops it, so bm25 runs on SEARCH_CANDIDATES rows only.
    # Ordered by videos.id, SQLite ranked every match first: 5.8 s for a word in every video
    # of the 100k bench set, 17 ms this way.
    candidates = (
        query.with_only_columns(Video.id.label("video_id"), matches.c.rank)
        .join(matches, matches.c.rowid == Video.id)
        .order_by(matches.c.rowid.desc())
        .limit(SEARCH_CANDIDATES)
        .subquery()
    )
    rank: ColumnElement[float] = candidates.c.rank  # FTS5 rank: lower is better
    return query.join(candidates, candidates.c.video_id == Video.id).order_by(
        rank.asc(), Video.id.desc()
    )


def _apply_tsvector(query: Select[Any], terms: ColumnElement[Any]) -> Select[Any]:
    vector: ColumnElement[Any] = literal_column("videos.search_vector")
    matching = vector.op("@@")(terms)
    # Ids only, newest first: the planner can walk an id index and stop at the limit, or use
    # the GIN index for rare terms; ranking happens below on at most SEARCH_CANDIDATES rows.
    candidate_ids = (
        query.with_only_columns(Video.id)
        .where(matching)
        .order_by(Video.id.desc())
        .limit(SEARCH_CANDIDATES)
        .scalar_subquery()
    )
    return query.where(Video.id.in_(candidate_ids)).order_by(
        func.ts_rank(vector, terms).desc(), Video.id.desc()
    )
