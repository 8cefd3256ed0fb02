"""The catalog's hot pages (`GET /videos`, `GET /videos/:id`) as Core reads on the async driver.

They are the busiest reads, so they run on `Database.async_connection` (no thread-pool hop),
select plain columns (no ORM objects) and put everything a page needs into as few statements as
possible: the viewer's `cued`/`liked` flags and the token check (`token_is_current`) are columns
of the page query itself, and the detail page's transcripts, cues, collocations and writing
questions come back as JSON arrays built by the database (`db.json_rows`). A detail page is two
statements (the video, then its related videos, which depend on it), a list page one.

The rules are those of `catalog.service` (the same WHERE: `catalog_page_filter`) and
`api/getnative/render.py` (related videos, question order); the renderers turn these rows into
the dialect's JSON.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

import orjson
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from getnative.accounts.service import token_is_current, token_revoked
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
from getnative.catalog.service import CATALOG_SOURCE, VideoQuery, catalog_page_filter
from getnative.db import json_rows
from getnative.likes.models import Like
from getnative.study.models import Cue

T = TypeVar("T")
RELATED_VIDEOS_LIMIT = 6
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
SPEAKER_FIELDS = (
    "id",
    "name",
    "description",
    "location",
    "lang",
    "gender",
    "created_at",
    "picture_url",
)
SUBCATEGORY_FIELDS = ("id", "name", "category_id", "created_at")


@dataclass(frozen=True)
class Viewer:
    """Who asks: the claims of a verified token, not yet checked against the database."""

    user_id: int
    token_version: int


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


@dataclass(frozen=True)
class VideoDetail:
    """A detail page: the video (a summary row plus the viewer's like), its related videos
    (summary rows), its transcripts and its writing questions (own first, then its
    subcategory's)."""

    video: Row[Any]
    related: list[Row[Any]]
    transcripts: list[TranscriptView]
    writing_questions: list[QuestionView]


def _summary_select(viewer: Viewer | None) -> Select[Any]:
    """A video summary per row: the video, its speaker and subcategory (`speaker_*`,
    `subcategory_*`), and for a viewer `cued`, `liked` and `token_ok`."""
    columns: list[ColumnElement[Any]] = [getattr(Video, name) for name in VIDEO_FIELDS]
    columns += [getattr(Speaker, name).label(f"speaker_{name}") for name in SPEAKER_FIELDS]
    columns += [
        getattr(Subcategory, name).label(f"subcategory_{name}") for name in SUBCATEGORY_FIELDS
    ]
    if viewer is not None:
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


async def require_current_token(connection: AsyncConnection, viewer: Viewer | None) -> None:
    """The token check on its own, for the rare answers with no page row to carry it (an empty
    page, an unknown video, a 400): a revoked token is still a 401 there."""
    if viewer is None:
        return
    current = token_is_current(user_id=viewer.user_id, token_version=viewer.token_version)
    if not await connection.scalar(select(current)):
        raise token_revoked()


async def _check_token(connection: AsyncConnection, viewer: Viewer | None, row: Any) -> None:
    if viewer is None:
        return
    if row is None:
        await require_current_token(connection, viewer)
    elif not row.token_ok:
        raise token_revoked()


async def video_page(
    connection: AsyncConnection, query: VideoQuery, viewer: Viewer | None
) -> Sequence[Row[Any]]:
    """One `GET /videos` page without search, newest first: one statement."""
    statement = _page_statement(
        viewer is not None,
        query.max_id is not None,
        query.subcategory_id is not None,
        query.category_id is not None,
        query.cued_only,
    )
    values = {
        "lang": query.lang,
        "count": query.count,
        "max_id": query.max_id,
        "subcategory_id": query.subcategory_id,
        "category_id": query.category_id,
        **_viewer_values(viewer),
    }
    rows: Sequence[Row[Any]] = (await connection.execute(statement, values)).all()
    await _check_token(connection, viewer, rows[0] if rows else None)
    return rows


def _viewer_values(viewer: Viewer | None) -> dict[str, int]:
    if viewer is None:
        return {}
    return {"user_id": viewer.user_id, "token_version": viewer.token_version}


# Statements are built once per shape with bound parameters, not per request: building a
# select costs more Python than executing a cached one.
_VIEWER = Viewer(bindparam("user_id"), bindparam("token_version"))  # type: ignore[arg-type]


@lru_cache(maxsize=64)
def _page_statement(
    signed_in: bool, max_id: bool, subcategory_id: bool, category_id: bool, cued_only: bool
) -> Select[Any]:
    def given(name: str, present: bool) -> Any:
        return bindparam(name) if present else None

    template = VideoQuery(
        lang=bindparam("lang"),  # type: ignore[arg-type]
        max_id=given("max_id", max_id),
        subcategory_id=given("subcategory_id", subcategory_id),
        category_id=given("category_id", category_id),
        cued_only=cued_only,
    )
    viewer = _VIEWER if signed_in else None
    user_id = viewer.user_id if viewer else None
    statement = catalog_page_filter(_summary_select(viewer), template, user_id=user_id)
    return statement.order_by(Video.id.desc()).limit(bindparam("count"))


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
        return []
    mine = select(Like).where(Like.video_id == Video.id, Like.user_id == viewer.user_id)
    return [
        mine.with_only_columns(Like.id).scalar_subquery().label("own_like_id"),
        mine.with_only_columns(Like.created_at).scalar_subquery().label("own_like_created_at"),
    ]


@lru_cache(maxsize=16)
def _related(signed_in: bool, subcategory: bool, speaker: bool) -> Select[Any] | None:
    """Same subcategory first, then same speaker; same language; newest first (the rule of
    `render.related_videos`), as one UNION of the two newest-first index walks."""
    base = (
        _summary_select(_VIEWER if signed_in else None)
        .where(
            Video.id != bindparam("of_id"),
            Video.lang == bindparam("of_lang"),
            Video.source == CATALOG_SOURCE,
        )
        .order_by(Video.id.desc())
        .limit(RELATED_VIDEOS_LIMIT)
    )
    walks = [
        base.where(column == bindparam(name)).add_columns(literal(rank).label("walk")).subquery()
        for rank, (column, name, present) in enumerate(
            (
                (Video.subcategory_id, "of_subcategory_id", subcategory),
                (Video.speaker_id, "of_speaker_id", speaker),
            )
        )
        if present  # "no subcategory" does not make videos related
    ]
    if not walks:
        return None
    union = union_all(*(select(walk) for walk in walks)).subquery()
    return select(union).order_by(union.c.walk, union.c.id.desc())


async def video_detail(
    connection: AsyncConnection, video_id: int, viewer: Viewer | None
) -> VideoDetail | None:
    """A catalog video's detail page (None: no such catalog video): two statements."""
    statement = _detail_statement(viewer is not None, connection.dialect.name)
    values = {"video_id": video_id, **_viewer_values(viewer)}
    video = (await connection.execute(statement, values)).first() if video_id > 0 else None
    await _check_token(connection, viewer, video)
    if video is None:
        return None
    related_statement = _related(
        viewer is not None, video.subcategory_id is not None, video.speaker_id is not None
    )
    related = []
    if related_statement is not None:
        of = {
            "of_id": video.id,
            "of_lang": video.lang,
            "of_subcategory_id": video.subcategory_id,
            "of_speaker_id": video.speaker_id,
            **_viewer_values(viewer),
        }
        related = (await connection.execute(related_statement, of)).all()
    return VideoDetail(
        video=video,
        related=unique_by_id(related)[:RELATED_VIDEOS_LIMIT],
        transcripts=_transcripts(video),
        writing_questions=[QuestionView(*q) for q in orjson.loads(video.writing_questions)],
    )


def _transcripts(video: Row[Any]) -> list[TranscriptView]:
    """Nest the flat JSON arrays of `_nested_parts` (each already in its order)."""
    cues: dict[int, list[CueView]] = defaultdict(list)
    for transcript_id, *cue in orjson.loads(video.cues):
        cues[transcript_id].append(CueView(*cue))
    examples: dict[int, list[UsageExampleView]] = defaultdict(list)
    for collocation_id, text in orjson.loads(video.usage_examples):
        examples[collocation_id].append(UsageExampleView(text))
    collocations: dict[int, list[CollocationView]] = defaultdict(list)
    for transcript_id, id, text, description, pronunciation in orjson.loads(video.collocations):
        collocation = CollocationView(id, text, description, pronunciation, examples[id])
        collocations[transcript_id].append(collocation)
    return [
        TranscriptView(id, text, lang, collocations[id], cues[id])
        for id, text, lang in orjson.loads(video.transcripts)
    ]


@lru_cache(maxsize=8)
def _detail_statement(signed_in: bool, dialect: str) -> Select[Any]:
    viewer = _VIEWER if signed_in else None
    video_id: Any = bindparam("video_id")
    return (
        _summary_select(viewer)
        .add_columns(*_own_like(viewer), *_nested_parts(dialect, video_id))
        .where(Video.id == video_id, Video.source == CATALOG_SOURCE)
    )


def unique_by_id(items: Iterable[T]) -> list[T]:
    """`items` without repeats of an id, first one kept."""
    seen: set[int] = set()
    unique: list[T] = []
    for item in items:
        key = item.id  # type: ignore[attr-defined]
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
