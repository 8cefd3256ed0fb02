"""Rendering domain records as Get Native JSON (dates, record lists, alias fields).

Shared by every Get Native route that returns a video, so a video looks the same in
`GET /videos`, `GET /videos/:id` and `POST /study`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from getnative.accounts.models import User
from getnative.catalog.models import (
    Collocation,
    Speaker,
    Subcategory,
    Transcript,
    TranscriptCue,
    Video,
)
from getnative.catalog.models import WritingQuestion as WritingQuestionModel
from getnative.catalog.pages import (
    RELATED_VIDEOS_LIMIT,
    CollocationView,
    CueView,
    TranscriptView,
    VideoDetail,
    summary_of,
    unique_by_id,
)
from getnative.likes.models import Like
from getnative.likes.service import liked_video_ids
from getnative.study.models import Cue

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=4096)
def gn_date(value: datetime) -> str:
    """`Sat Dec 14 04:35:55 +0000 2015`, the format of every date in this dialect (of a UTC
    datetime). What `strftime("%a %b %d %H:%M:%S +0000 %Y")` gives in the C locale, in half its
    time, and remembered: a page repeats its speakers' and subcategories' dates."""
    return "%s %s %02d %02d:%02d:%02d +0000 %d" % (  # noqa: UP031 (the fastest of the three)
        _DAYS[value.weekday()],
        _MONTHS[value.month],
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.year,
    )


def record_list(records: Sequence[Any]) -> dict[str, Any]:
    return {"count": len(records), "records": list(records)}


def render_speaker(speaker: Speaker | None) -> dict[str, Any] | None:
    if speaker is None:
        return None
    picture = speaker.picture_url or ""
    return {
        "id": speaker.id,
        "name": speaker.name,
        "description": speaker.description,
        "location": speaker.location,
        "lang": speaker.lang,
        "gender": speaker.gender,
        "created_at": gn_date(speaker.created_at),
        "picture_url": picture,
        "thumbnail_image_url": picture,
        "is_silhouette_picture": not speaker.picture_url,
    }


def render_subcategory(subcategory: Subcategory | None) -> dict[str, Any] | None:
    if subcategory is None:
        return None
    return {
        "id": subcategory.id,
        "name": subcategory.name,
        "category_id": subcategory.category_id,
        "created_at": gn_date(subcategory.created_at),
    }


def cued_video_ids(session: Session, *, user_id: int | None, video_ids: list[int]) -> set[int]:
    if user_id is None or not video_ids:
        return set()
    rows = session.scalars(
        select(Cue.video_id).where(Cue.user_id == user_id, Cue.video_id.in_(video_ids))
    )
    return set(rows)


def render_video_summary(
    video: Any, speaker: Any, subcategory: Any, *, cued: bool | None, liked: bool | None
) -> dict[str, Any]:
    """The video object of lists (`GET /videos`, related videos), from a `Video` and its
    speaker and subcategory, or from a summary row of `catalog.pages` (see `render_row`)."""
    return {
        "id": video.id,
        "created_at": gn_date(video.created_at),
        "lang": video.lang,
        "description": video.description,
        "speaker": render_speaker(speaker),
        "subcategory": render_subcategory(subcategory),
        "loop_count": video.loop_count,
        "loop_velocity": video.loop_velocity,
        "thumbnail_image_url": video.thumbnail_image_url,
        "picture_url": video.thumbnail_image_url,
        "video_url": video.video_url,
        "length": video.length,
        "like_count": video.like_count,
        "cued": cued,
        "liked": liked,
    }


def render_video_summaries(
    session: Session, videos: Sequence[Video], user: User | None
) -> list[dict[str, Any]]:
    """Summaries with `cued`/`liked` resolved in two queries for the whole list.

    Anonymous callers get `cued: null` (the document marks `cued` nullable: there is no cue
    without a user) and `liked: false` (a plain Boolean in the document, and the client tests it
    for truthiness), the same in lists and on the detail page.
    """
    ids = [video.id for video in videos]
    user_id = user.id if user else None
    cued = cued_video_ids(session, user_id=user_id, video_ids=ids)
    liked = liked_video_ids(session, user_id=user_id, video_ids=ids)
    return [
        render_video_summary(
            video,
            video.speaker,
            video.subcategory,
            cued=(video.id in cued) if user else None,
            liked=video.id in liked,
        )
        for video in videos
    ]


def add_matches(
    records: list[dict[str, Any]], matches: Mapping[int, Sequence[TranscriptCue | CueView]]
) -> None:
    """`matches` of each searched video summary: its matching cues (empty: none matched)."""
    for record in records:
        record["matches"] = [render_cue(cue) for cue in matches.get(record["id"], [])]


def render_collocation(collocation: Collocation | CollocationView) -> dict[str, Any]:
    examples = [{"text": example.text} for example in collocation.usage_examples]
    return {
        "id": collocation.id,
        "text": collocation.text,
        "description": collocation.description,
        "pronunciation": collocation.pronunciation,
        "ipa_spelling": collocation.pronunciation,
        "usage_examples": record_list(examples),
    }


def render_cue(cue: TranscriptCue | CueView) -> dict[str, Any]:
    """A timed cue: `cues` of a transcript, `matches` of a searched video."""
    return {"start_ms": cue.start_ms, "end_ms": cue.end_ms, "text": cue.text}


def render_transcript(transcript: Transcript | TranscriptView) -> dict[str, Any]:
    return {
        "id": transcript.id,
        "text": transcript.text,
        "lang": transcript.lang,
        "language_code": transcript.lang,
        "collocations": record_list([render_collocation(c) for c in transcript.collocations]),
        "cues": [render_cue(cue) for cue in transcript.cues],
    }


def writing_questions_for(session: Session, video: Video) -> list[WritingQuestionModel]:
    """The video's own questions, then its subcategory's."""
    query = select(WritingQuestionModel).where(WritingQuestionModel.video_id == video.id)
    own = list(session.scalars(query.order_by(WritingQuestionModel.id)))
    if video.subcategory_id is None:
        return own
    shared = session.scalars(
        select(WritingQuestionModel)
        .where(
            WritingQuestionModel.subcategory_id == video.subcategory_id,
            WritingQuestionModel.video_id.is_(None),
        )
        .order_by(WritingQuestionModel.id)
    )
    return own + list(shared)


def related_videos(session: Session, video: Video) -> list[Video]:
    """Same subcategory first, then same speaker; same language; newest first."""
    base = (
        select(Video)
        .options(joinedload(Video.speaker), joinedload(Video.subcategory))
        .where(Video.id != video.id, Video.lang == video.lang, Video.source == "getnative")
        .order_by(Video.id.desc())
        .limit(RELATED_VIDEOS_LIMIT)
    )
    found: list[Video] = []
    for column, value in (
        (Video.subcategory_id, video.subcategory_id),
        (Video.speaker_id, video.speaker_id),
    ):
        if value is not None:  # "no subcategory" does not make videos related
            found.extend(session.scalars(base.where(column == value)))
    return unique_by_id(found)[:RELATED_VIDEOS_LIMIT]


def _own_likes(session: Session, video: Video, user: User | None) -> list[dict[str, Any]]:
    if user is None:
        return []
    like = session.scalar(select(Like).where(Like.video_id == video.id, Like.user_id == user.id))
    return [] if like is None else [{"id": like.id, "created_at": gn_date(like.created_at)}]


def load_video_for_detail(session: Session, video_id: int) -> Video | None:
    return session.scalar(
        select(Video)
        .where(Video.id == video_id)
        .options(
            joinedload(Video.speaker),
            joinedload(Video.subcategory),
            selectinload(Video.transcripts)
            .selectinload(Transcript.collocations)
            .selectinload(Collocation.usage_examples),
            selectinload(Video.transcripts).selectinload(Transcript.cues),
        )
    )


def render_video_detail(session: Session, video: Video, user: User | None) -> dict[str, Any]:
    """`GET /videos/:id` through the ORM: the `video` of `POST /study`."""
    related = related_videos(session, video)
    questions = [{"id": q.id, "text": q.text} for q in writing_questions_for(session, video)]
    return _detail_body(
        render_video_summaries(session, [video], user)[0],
        render_video_summaries(session, related, user),
        like_count=video.like_count,
        own_likes=_own_likes(session, video, user),
        signed_in=user is not None,
        transcripts=video.transcripts,
        questions=questions,
    )


def render_detail_page(detail: VideoDetail, *, signed_in: bool) -> dict[str, Any]:
    """`GET /videos/:id` from the rows of `catalog.pages.video_detail`."""
    own_like = detail.own_like
    own_likes = []
    if signed_in and own_like is not None:
        own_likes = [{"id": own_like.id, "created_at": gn_date(own_like.created_at)}]
    return _detail_body(
        render_summary_row(detail.video, signed_in=signed_in),
        [render_summary_row(row, signed_in=signed_in) for row in detail.related],
        like_count=summary_of(detail.video).video.like_count,
        own_likes=own_likes,
        signed_in=signed_in,
        transcripts=detail.transcripts,
        questions=[{"id": q.id, "text": q.text} for q in detail.writing_questions],
    )


def _detail_body(
    summary: dict[str, Any],
    related: list[dict[str, Any]],
    *,
    like_count: int,
    own_likes: list[dict[str, Any]],
    signed_in: bool,
    transcripts: Sequence[Transcript | TranscriptView],
    questions: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        **summary,
        "related_videos": record_list(related),
        "has_related_videos": bool(related),
        "likes": {"count": like_count, "records": own_likes},
        "liked": bool(own_likes) if signed_in else False,
        "transcripts": record_list([render_transcript(t) for t in transcripts]),
        "writing_questions": record_list(questions),
    }


def render_summary_row(row: Sequence[Any], *, signed_in: bool) -> dict[str, Any]:
    """A video summary from a summary row of `catalog.pages` (flags as on the ORM path)."""
    video, speaker, subcategory, cued, liked = summary_of(row)
    return render_video_summary(
        video,
        speaker,
        subcategory,
        cued=bool(cued) if signed_in else None,
        liked=bool(liked) if signed_in else False,
    )
