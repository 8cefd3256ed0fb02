"""The catalog's hot pages (`GET /videos`, `GET /videos/:id`) as Core reads on the async driver.

They are the busiest reads, so they run as `ReadStatement`s through `Database.fetch` (raw
asyncpg on PostgreSQL, no thread-pool hop), select plain columns read by position (no ORM
objects) and put everything a page needs into one statement: the viewer's `cued`/`liked` flags
and the token check (`token_is_current`) are columns of the page query itself, the detail
page's transcripts, cues, collocations and writing questions come back as JSON arrays built by
the database (`db.json_rows`), and its related videos as further rows of the same statement
(an anonymous caller's related videos come from `catalog.related_cache` instead, at most a
second old: they are the same for every video of a subcategory and language).

The rules are those of `catalog.service` (the same WHERE: `catalog_page_filter`) and
`api/getnative/render.py` (related videos, question order); the renderers turn these rows into
the dialect's JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, TypeVar

import orjson
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from getnative.accounts.revocation import token_is_current, token_revoked
from getnative.catalog.events import catalog_generation
from getnative.catalog.models import (
    Collocation,
    Speaker,
    Subcategory,
    Transcript,
    TranscriptCue,
    UsageExample,
    Video,
    WritingQuestion,
)
from getnative.catalog.related_cache import RelatedVideosCache
from getnative.catalog.service import (
    CATALOG_SOURCE,
    DEFAULT_COUNT,
    VideoQuery,
    catalog_page_filter,
)
from getnative.db import Database, ReadStatement, json_rows
from getnative.likes.models import Like
from getnative.study.models import Cue

T = TypeVar("T")
RELATED_VIDEOS_LIMIT = 6


class VideoView(NamedTuple):
    """A summary row's video columns, with the model's attribute names (the renderers take
    either)."""

    id: int
    created_at: datetime
    lang: str
    description: str
    loop_count: int
    loop_velocity: float | None
    thumbnail_image_url: str
    video_url: str
    length: int
    like_count: int


class SpeakerView(NamedTuple):
    id: int
    name: str
    description: str
    location: str
    lang: str
    gender: str | None
    created_at: datetime
    picture_url: str | None


class SubcategoryView(NamedTuple):
    id: int
    name: str
    category_id: int
    created_at: datetime


VIDEO_FIELDS = VideoView._fields
SPEAKER_FIELDS = SpeakerView._fields
SUBCATEGORY_FIELDS = SubcategoryView._fields
VIEWER_FIELDS = ("cued", "liked", "token_ok")
SUMMARY_COLUMNS = (
    *VIDEO_FIELDS,
    *(f"speaker_{name}" for name in SPEAKER_FIELDS),
    *(f"subcategory_{name}" for name in SUBCATEGORY_FIELDS),
    *VIEWER_FIELDS,
)
"""The columns of `_summary_select`, in order: rows are read by position."""
_SPEAKER_AT = len(VIDEO_FIELDS)
_SUBCATEGORY_AT = _SPEAKER_AT + len(SPEAKER_FIELDS)
_CUED, _LIKED, TOKEN_OK = (SUMMARY_COLUMNS.index(name) for name in VIEWER_FIELDS)


@dataclass(frozen=True)
class Viewer:
    """Who asks: the claims of a verified token, not yet checked against the database."""

    user_id: int
    token_version: int


class Summary(NamedTuple):
    """A summary row taken apart: the video, its speaker and subcategory (None when it has
    none), and the viewer's flags (None for an anonymous caller)."""

    video: VideoView
    speaker: SpeakerView | None
    subcategory: SubcategoryView | None
    cued: bool | None
    liked: bool | None


def summary_of(row: Sequence[Any]) -> Summary:
    """The parts of a row whose first columns are those of `_summary_select`."""
    speaker = row[_SPEAKER_AT]
    subcategory = row[_SUBCATEGORY_AT]
    return Summary(
        VideoView._make(row[:_SPEAKER_AT]),
        None if speaker is None else SpeakerView._make(row[_SPEAKER_AT:_SUBCATEGORY_AT]),
        None if subcategory is None else SubcategoryView._make(row[_SUBCATEGORY_AT:_CUED]),
        row[_CUED],
        row[_LIKED],
    )


class CueView(NamedTuple):
    start_ms: int
    end_ms: int
    text: str


class UsageExampleView(NamedTuple):
    text: str


class CollocationView(NamedTuple):
    id: int
    text: str
    description: str | None
    pronunciation: str | None
    usage_examples: list[UsageExampleView]


class TranscriptView(NamedTuple):
    """A transcript with its parts, with the attribute names of the models (the renderers
    take either)."""

    id: int
    text: str
    lang: str
    collocations: list[CollocationView]
    cues: list[CueView]


class QuestionView(NamedTuple):
    id: int
    text: str


class OwnLike(NamedTuple):
    id: int
    created_at: datetime


@dataclass(frozen=True)
class VideoDetail:
    """A detail page: the video (a summary row), the viewer's like of it, its related videos
    (summary rows), its transcripts and its writing questions (own first, then its
    subcategory's)."""

    video: Sequence[Any]
    own_like: OwnLike | None
    related: list[Sequence[Any]]
    transcripts: list[TranscriptView]
    writing_questions: list[QuestionView]


def _summary_select(viewer: Viewer | None) -> Select[Any]:
    """A video summary per row (`SUMMARY_COLUMNS`): the video, its speaker and subcategory
    (`speaker_*`, `subcategory_*`), and `cued`, `liked` and `token_ok` (the viewer's flags and
    the token check; NULL for an anonymous caller)."""
    columns: list[ColumnElement[Any]] = [getattr(Video, name) for name in VIDEO_FIELDS]
    columns += [getattr(Speaker, name).label(f"speaker_{name}") for name in SPEAKER_FIELDS]
    columns += [
        getattr(Subcategory, name).label(f"subcategory_{name}") for name in SUBCATEGORY_FIELDS
    ]
    if viewer is None:
        columns += [_null_of(Boolean).label(name) for name in VIEWER_FIELDS]
    else:
        user_id = viewer.user_id
        cued = select(Cue.id).where(Cue.user_id == user_id, Cue.video_id == Video.id).exists()
        liked = select(Like.id).where(Like.user_id == user_id, Like.video_id == Video.id).exists()
        current = token_is_current(user_id=user_id, token_version=viewer.token_version)
        columns += [cued.label("cued"), liked.label("liked"), current.label("token_ok")]
    return (
        select(*columns)
        .select_from(Video)
        .outerjoin(Speaker, Video.speaker_id == Speaker.id)
        .outerjoin(Subcategory, Video.subcategory_id == Subcategory.id)
    )


# Statements are built once per shape with bound parameters, not per request: building a
# select costs more Python than executing a cached one.
_VIEWER = Viewer(bindparam("user_id"), bindparam("token_version"))  # type: ignore[arg-type]
_TOKEN_CHECK = ReadStatement(
    select(token_is_current(user_id=_VIEWER.user_id, token_version=_VIEWER.token_version))
)


def _viewer_values(viewer: Viewer | None) -> dict[str, int]:
    if viewer is None:
        return {}
    return {"user_id": viewer.user_id, "token_version": viewer.token_version}


async def require_current_token(db: Database, viewer: Viewer | None) -> None:
    """The token check on its own, for the rare answers with no page row to carry it (an empty
    page, an unknown video, a 400): a revoked token is still a 401 there."""
    if viewer is not None:
        rows = await db.fetch(_TOKEN_CHECK, _viewer_values(viewer))
        if not rows[0][0]:
            raise token_revoked()


async def check_page_token(db: Database, viewer: Viewer | None, row: Sequence[Any] | None) -> None:
    """The token rule for a page read: its first row carries the check (`TOKEN_OK`); an empty
    page checks the token on its own."""
    if viewer is None:
        return
    if row is None:
        await require_current_token(db, viewer)
    elif not row[TOKEN_OK]:
        raise token_revoked()


async def video_page(
    db: Database, query: VideoQuery, viewer: Viewer | None
) -> Sequence[Sequence[Any]]:
    """One `GET /videos` page without search, newest first: one statement, summary rows."""
    rows = await db.fetch(_page_statement(PageShape.of(query, viewer)), page_values(query, viewer))
    await check_page_token(db, viewer, rows[0] if rows else None)
    return rows


@dataclass(frozen=True)
class PageShape:
    """What decides a `GET /videos` page statement's SQL; the rest are bound values
    (`page_values`). Statements are cached per shape."""

    signed_in: bool
    max_id: bool
    subcategory_id: bool
    category_id: bool
    cued_only: bool
    count: int

    @classmethod
    def of(cls, query: VideoQuery, viewer: Viewer | None) -> PageShape:
        return cls(
            viewer is not None,
            query.max_id is not None,
            query.subcategory_id is not None,
            query.category_id is not None,
            query.cued_only,
            query.count,
        )


def page_values(query: VideoQuery, viewer: Viewer | None) -> dict[str, Any]:
    """The bound values of `filtered_page`'s statement for `query`."""
    return {
        "lang": query.lang,
        "max_id": query.max_id,
        "subcategory_id": query.subcategory_id,
        "category_id": query.category_id,
        **_viewer_values(viewer),
    }


def filtered_page(shape: PageShape) -> Select[Any]:
    """Summary rows under the WHERE of a page shape (`catalog_page_filter`), its values bound
    (`page_values`), neither ordered nor limited: the list page and the search page do that."""

    def given(name: str, present: bool) -> Any:
        return bindparam(name) if present else None

    template = VideoQuery(
        lang=bindparam("lang"),  # type: ignore[arg-type]
        max_id=given("max_id", shape.max_id),
        subcategory_id=given("subcategory_id", shape.subcategory_id),
        category_id=given("category_id", shape.category_id),
        cued_only=shape.cued_only,
    )
    viewer = _VIEWER if shape.signed_in else None
    user_id = viewer.user_id if viewer else None
    statement = catalog_page_filter(_summary_select(viewer), template, user_id=user_id)
    _require_columns(statement, SUMMARY_COLUMNS)
    return statement


@lru_cache(maxsize=512)
def _page_statement(shape: PageShape) -> ReadStatement:
    """The statement of one page shape; the page size is part of it (a literal LIMIT: see
    `db.ReadStatement`), and pages of the default size are nearly all of them."""
    statement = filtered_page(shape).order_by(Video.id.desc()).limit(shape.count)
    return ReadStatement(statement)


def _nested_parts(dialect: str, video_id: int) -> list[ColumnElement[Any]]:
    """The detail page's nested parts as JSON columns (uncorrelated: they take the id)."""
    transcript_ids = select(Transcript.id).where(Transcript.video_id == video_id)
    collocation_ids = select(Collocation.id).where(Collocation.transcript_id.in_(transcript_ids))
    subcategory = select(Video.subcategory_id).where(Video.id == video_id).scalar_subquery()
    own_question = WritingQuestion.video_id == video_id
    shared_question = and_(
        WritingQuestion.subcategory_id == subcategory, WritingQuestion.video_id.is_(None)
    )
    parts = {
        "transcripts": json_rows(
            dialect,
            [Transcript.id, Transcript.text, Transcript.lang],
            where=[Transcript.video_id == video_id],
            order_by=[Transcript.id],
        ),
        "cues": json_rows(
            dialect,
            [
                TranscriptCue.transcript_id,
                TranscriptCue.start_ms,
                TranscriptCue.end_ms,
                TranscriptCue.text,
            ],
            where=[TranscriptCue.transcript_id.in_(transcript_ids)],
            order_by=[TranscriptCue.start_ms, TranscriptCue.id],
        ),
        "collocations": json_rows(
            dialect,
            [
                Collocation.transcript_id,
                Collocation.id,
                Collocation.text,
                Collocation.description,
                Collocation.pronunciation,
            ],
            where=[Collocation.transcript_id.in_(transcript_ids)],
            order_by=[Collocation.position, Collocation.id],
        ),
        "usage_examples": json_rows(
            dialect,
            [UsageExample.collocation_id, UsageExample.text],
            where=[UsageExample.collocation_id.in_(collocation_ids)],
            order_by=[UsageExample.position, UsageExample.id],
        ),
        "writing_questions": json_rows(
            dialect,
            [WritingQuestion.id, WritingQuestion.text],
            where=[or_(own_question, shared_question)],
            order_by=[WritingQuestion.video_id.is_(None), WritingQuestion.id],
        ),
    }
    return [column.label(name) for name, column in parts.items()]


def _own_like(viewer: Viewer | None) -> list[ColumnElement[Any]]:
    if viewer is None:
        own_id, own_created_at = _own_like_nulls()
        return [own_id.label("own_like_id"), own_created_at.label("own_like_created_at")]
    mine = select(Like).where(Like.video_id == Video.id, Like.user_id == viewer.user_id)
    return [
        mine.with_only_columns(Like.id).scalar_subquery().label("own_like_id"),
        mine.with_only_columns(Like.created_at).scalar_subquery().label("own_like_created_at"),
    ]


def _null_of(type_: Any) -> ColumnElement[Any]:
    """A typed NULL: PostgreSQL types a bare NULL in a UNION branch as text."""
    return cast(null(), type_)


def _own_like_nulls() -> list[ColumnElement[Any]]:
    likes = Like.__table__.c
    return [_null_of(likes.id.type), _null_of(likes.created_at.type)]


NESTED_PARTS = ("transcripts", "cues", "collocations", "usage_examples", "writing_questions")
DETAIL_COLUMNS = (*SUMMARY_COLUMNS, "own_like_id", "own_like_created_at", *NESTED_PARTS, "walk")
"""The columns of `_detail_statement`: a summary, the detail's own parts, and `walk` (0: the
video itself, 1: a related video of its subcategory, 2: one of its speaker)."""
_OWN_LIKE = DETAIL_COLUMNS.index("own_like_id")
_TRANSCRIPTS, _CUES, _COLLOCATIONS, _EXAMPLES, _QUESTIONS = (
    DETAIL_COLUMNS.index(name) for name in NESTED_PARTS
)


def _require_columns(statement: Select[Any], names: tuple[str, ...]) -> None:
    """Rows are read by position: a statement whose columns moved fails when built."""
    found = tuple(column.key for column in statement.selected_columns)
    if found != names:
        raise RuntimeError(f"columns {found} are not {names}")


def _own_select(viewer: Viewer | None, dialect: str, video_id: Any) -> Select[Any]:
    """The detail page's first row (`walk` 0): the video's summary, the viewer's like of it and
    its nested parts."""
    video = (
        _summary_select(viewer)
        .add_columns(
            *_own_like(viewer), *_nested_parts(dialect, video_id), literal(0).label("walk")
        )
        .where(Video.id == video_id, Video.source == CATALOG_SOURCE)
    )
    _require_columns(video, DETAIL_COLUMNS)
    return video


@lru_cache(maxsize=4)
def _anonymous_own_statement(dialect: str) -> ReadStatement:
    """`_own_select` alone, for an anonymous caller (`video_detail` with a related cache)."""
    return ReadStatement(_own_select(None, dialect, bindparam("video_id")))


def _related_walk(viewer: Viewer | None, column: Any, value: Any, lang: Any) -> Select[Any]:
    """The rule of related videos for one walk (`render.related_videos`): catalog videos whose
    `column` is `value` and whose language is `lang`, newest first (summary rows)."""
    return (
        _summary_select(viewer)
        .where(column == value, Video.lang == lang, Video.source == CATALOG_SOURCE)
        .order_by(Video.id.desc())
    )


@lru_cache(maxsize=1)
def _anonymous_related_statement() -> ReadStatement:
    """The same-subcategory walk of `_detail_statement` for any video of a subcategory and
    language: one row more than a page, so that a page remains without the video itself."""
    walk = _related_walk(
        None, Video.subcategory_id, bindparam("subcategory_id"), bindparam("lang")
    ).limit(RELATED_VIDEOS_LIMIT + 1)
    _require_columns(walk, SUMMARY_COLUMNS)
    return ReadStatement(walk)


@lru_cache(maxsize=8)
def _detail_statement(signed_in: bool, dialect: str) -> ReadStatement:
    """A whole detail page in one statement (one round trip); see `_detail_page`."""
    page = _detail_page(signed_in, dialect)
    return ReadStatement(select(page).order_by(page.c.walk, page.c.id.desc()))


@lru_cache(maxsize=4)
def _anonymous_walks_statement(dialect: str) -> ReadStatement:
    """The related rows of an anonymous `_detail_statement` without its first row: the filter
    on the constant `walk` prunes that branch, nested parts and all, when planned."""
    page = _detail_page(False, dialect)
    return ReadStatement(
        select(page).where(page.c.walk > 0).order_by(page.c.walk, page.c.id.desc())
    )


def _detail_page(signed_in: bool, dialect: str) -> Any:
    """A whole detail page as one subquery: the video with its nested parts,
    then its related videos as the rule of `render.related_videos` has them (same subcategory
    first, then same speaker; same language; newest first), each walk a newest-first index
    walk under a LIMIT, the speaker's only when the subcategory's found fewer than a page.
    The walks find the video's subcategory, speaker and language by uncorrelated subqueries
    (evaluated once), so they need no first round trip; an unknown video gives no row at all,
    and "no subcategory" matches nothing (NULL = NULL is not true).
    """
    viewer = _VIEWER if signed_in else None
    video_id: Any = bindparam("video_id")
    video = _own_select(viewer, dialect, video_id)
    of = aliased(Video, name="of_video")

    def of_video(column: Any) -> Any:
        found = select(getattr(of, column.key)).where(
            of.id == video_id, of.source == CATALOG_SOURCE
        )
        return found.scalar_subquery()

    nulls = [*_own_like_nulls(), *(_null_of(Text) for _ in NESTED_PARTS)]
    detail_only = DETAIL_COLUMNS[len(SUMMARY_COLUMNS) : -1]
    blanks = [null.label(name) for null, name in zip(nulls, detail_only, strict=True)]

    def related(walk: int, column: Any) -> Select[Any]:
        found = (
            _related_walk(viewer, column, of_video(column), of_video(Video.lang))
            .add_columns(*blanks, literal(walk).label("walk"))
            .where(Video.id != video_id)
            .limit(RELATED_VIDEOS_LIMIT)
        )
        _require_columns(found, DETAIL_COLUMNS)
        return found

    same_subcategory = related(1, Video.subcategory_id).cte("same_subcategory")
    # The speaker's videos only matter when the subcategory gave fewer than the page shows
    # (`video_detail` keeps the first RELATED_VIDEOS_LIMIT of subcategory, then speaker): so the
    # speaker walk runs only then (an uncorrelated condition: PostgreSQL's one-time filter
    # skips the walk). Unskipped, it read ~9 cold heap pages of a random page's ~15 (the
    # speaker's newest videos lie on as many pages) for rows that were then dropped.
    subcategory_short = (
        select(func.count()).select_from(same_subcategory).scalar_subquery() < RELATED_VIDEOS_LIMIT
    )
    same_speaker = related(2, Video.speaker_id).where(subcategory_short).subquery()
    return union_all(video, select(same_subcategory), select(same_speaker)).subquery()


async def video_detail(
    db: Database,
    video_id: int,
    viewer: Viewer | None,
    related: RelatedVideosCache | None = None,
) -> VideoDetail | None:
    """A catalog video's detail page (None: no such catalog video): one statement, or for an
    anonymous caller with a `related` cache, the video's own row and its related videos from
    the cache (`_anonymous_rows`)."""
    rows = await _detail_rows(db, video_id, viewer, related)
    video = rows[0] if rows else None
    await check_page_token(db, viewer, video)
    if video is None:
        return None
    own_like = video[_OWN_LIKE]
    return VideoDetail(
        video=video,
        own_like=None if own_like is None else OwnLike(own_like, video[_OWN_LIKE + 1]),
        related=unique_by_id(rows[1:], id_of=itemgetter(0))[:RELATED_VIDEOS_LIMIT],
        transcripts=_transcripts(video),
        writing_questions=[QuestionView(*q) for q in orjson.loads(video[_QUESTIONS])],
    )


async def _detail_rows(
    db: Database, video_id: int, viewer: Viewer | None, related: RelatedVideosCache | None
) -> Sequence[Sequence[Any]]:
    """The rows of `_detail_statement` (none for an id no video can have)."""
    if video_id <= 0:
        return []
    if viewer is None and related is not None and related.enabled:
        return await _anonymous_rows(db, video_id, related)
    statement = _detail_statement(viewer is not None, db.dialect_name)
    return await db.fetch(statement, {"video_id": video_id, **_viewer_values(viewer)})


_SUBCATEGORY_ID = SUMMARY_COLUMNS.index("subcategory_id")
_LANG = SUMMARY_COLUMNS.index("lang")


async def _anonymous_rows(
    db: Database, video_id: int, related: RelatedVideosCache
) -> Sequence[Sequence[Any]]:
    """The rows `_detail_statement` gives an anonymous caller: the video's own row, then its
    same-subcategory walk from `related` (read and kept on a miss). Where that walk is not the
    whole answer (a video without a subcategory, or fewer than a page of other videos in its
    subcategory and language, so that the speaker's walk counts too), the related rows come from
    the statement's walks instead. An unknown video gives no rows, as the statement does."""
    own = await db.fetch(_anonymous_own_statement(db.dialect_name), {"video_id": video_id})
    if not own:
        return own
    video = own[0]
    subcategory_id = video[_SUBCATEGORY_ID]
    others: list[Sequence[Any]] = []
    if subcategory_id is not None:
        key = (subcategory_id, video[_LANG])
        walk = related.get(key)
        if walk is None:
            generation = catalog_generation()
            values = {"subcategory_id": subcategory_id, "lang": video[_LANG]}
            walk = await db.fetch(_anonymous_related_statement(), values)
            related.put(key, walk, generation)
        others = [row for row in walk if row[0] != video_id][:RELATED_VIDEOS_LIMIT]
    if len(others) < RELATED_VIDEOS_LIMIT:
        statement = _anonymous_walks_statement(db.dialect_name)
        others = list(await db.fetch(statement, {"video_id": video_id}))
    return [video, *others]


def _transcripts(video: Sequence[Any]) -> list[TranscriptView]:
    """Nest the flat JSON arrays of `_nested_parts` (each already in its order)."""
    cues: dict[int, list[CueView]] = defaultdict(list)
    for transcript_id, *cue in orjson.loads(video[_CUES]):
        cues[transcript_id].append(CueView(*cue))
    examples: dict[int, list[UsageExampleView]] = defaultdict(list)
    for collocation_id, text in orjson.loads(video[_EXAMPLES]):
        examples[collocation_id].append(UsageExampleView(text))
    collocations: dict[int, list[CollocationView]] = defaultdict(list)
    for transcript_id, id, text, description, pronunciation in orjson.loads(video[_COLLOCATIONS]):
        collocation = CollocationView(id, text, description, pronunciation, examples[id])
        collocations[transcript_id].append(collocation)
    return [
        TranscriptView(id, text, lang, collocations[id], cues[id])
        for id, text, lang in orjson.loads(video[_TRANSCRIPTS])
    ]


def unique_by_id(items: Iterable[T], id_of: Callable[[T], int] = attrgetter("id")) -> list[T]:
    """`items` without repeats of an id, first one kept."""
    seen: set[int] = set()
    unique: list[T] = []
    for item in items:
        key = id_of(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def hot_reads(dialect: str) -> list[ReadStatement]:
    """The statements of the commonest pages (`Database.warm_reads`): the default list page
    and the detail page, anonymous and signed in."""
    return [
        statement
        for signed_in in (False, True)
        for statement in (
            _page_statement(PageShape(signed_in, False, False, False, False, DEFAULT_COUNT)),
            _detail_statement(signed_in, dialect),
        )
    ] + [_anonymous_own_statement(dialect), _anonymous_related_statement()]
