"""Catalog rules: browsing categories, speakers and videos, searching, and the user's cue.

Plain functions over a Session; HTTP dialects parse their inputs into these calls and render the
records they return. Only catalog videos (source `getnative`) are part of the catalog: videos a
Rockpack user added from YouTube live in the same table but never show up here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session, joinedload, selectinload

from getnative.catalog.languages import catalog_lang
from getnative.catalog.models import Category, Speaker, Subcategory, Video
from getnative.catalog.search import apply_search
from getnative.db import MAX_ID, conflict_tolerant_insert, utcnow
from getnative.errors import AuthenticationFailed, NotFound
from getnative.study.models import Cue

CATALOG_SOURCE = "getnative"
DEFAULT_LANG = "en"
DEFAULT_COUNT = 9
MAX_COUNT = 100
LANG_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def validate_lang(value: str) -> str:
    """The language asked for, normalised (`EN` -> `en`, `ja-JP` -> `ja`); see `languages`."""
    return catalog_lang(value)


@dataclass(frozen=True)
class VideoQuery:
    """A `GET /videos` request in typed values (each dialect parses its own query string)."""

    lang: str = DEFAULT_LANG
    count: int = DEFAULT_COUNT
    max_id: int | None = None
    subcategory_id: int | None = None
    category_id: int | None = None
    q: str | None = None
    cued_only: bool = False


# --- categories and speakers ------------------------------------------------------------------


def list_categories(session: Session) -> Sequence[Category]:
    """Every category with its subcategories, both by id (two queries)."""
    query = select(Category).options(selectinload(Category.subcategories)).order_by(Category.id)
    return session.scalars(query).all()


def get_speaker(session: Session, speaker_id: int) -> Speaker:
    speaker = session.get(Speaker, speaker_id) if speaker_id > 0 else None
    if speaker is None:
        raise NotFound("Speaker not found.", code="speaker_not_found")
    return speaker


# --- videos -----------------------------------------------------------------------------------


def list_videos(session: Session, query: VideoQuery, *, user_id: int | None) -> Sequence[Video]:
    """The videos of one `GET /videos` page: newest first, or by relevance when searching.

    `max_id` is an inclusive cursor on the id. No COUNT is run: the page is a LIMIT.
    """
    statement = catalog_page_filter(
        select(Video).options(joinedload(Video.speaker), joinedload(Video.subcategory)),
        query,
        user_id=user_id,
    )
    if query.q is not None:
        statement = apply_search(session, statement, query.q)
    else:
        statement = statement.order_by(Video.id.desc())
    return session.scalars(statement.limit(query.count)).all()


def catalog_page_filter(
    statement: Select[Any], query: VideoQuery, *, user_id: int | None
) -> Select[Any]:
    """The WHERE of a `GET /videos` page (everything but search and order), for a select over
    `videos`: the ORM page above and the Core page of `catalog.pages` share it."""
    statement = statement.where(Video.source == CATALOG_SOURCE, Video.lang == query.lang)
    if query.max_id is not None:
        statement = statement.where(Video.id <= query.max_id)
    if query.subcategory_id is not None:
        statement = statement.where(Video.subcategory_id == query.subcategory_id)
    elif query.category_id is not None:
        in_category = select(Subcategory.id).where(Subcategory.category_id == query.category_id)
        statement = statement.where(Video.subcategory_id.in_(in_category))
    if query.cued_only:
        if user_id is None:
            raise AuthenticationFailed(
                "Authentication is required for cued_only=true.", code="authentication_required"
            )
        cued = select(Cue.video_id).where(Cue.user_id == user_id)
        statement = statement.where(Video.id.in_(cued))
    return statement


def require_catalog_video(session: Session, video_id: int) -> None:
    """NotFound unless `video_id` is a catalog video (what the Get Native dialect can see)."""
    found = 0 < video_id <= MAX_ID and session.scalar(
        select(Video.id).where(Video.id == video_id, Video.source == CATALOG_SOURCE)
    )
    if not found:
        raise NotFound("Video not found.", code="video_not_found")


# --- the cue ----------------------------------------------------------------------------------


def cue(session: Session, *, video_id: int, user_id: int) -> bool:
    """Put the video in the user's cue (idempotent). True when this call added it.

    A single INSERT .. ON CONFLICT DO NOTHING, so two racing requests never hit the unique
    constraint as an error: one inserts, the other does nothing.
    """
    require_catalog_video(session, video_id)
    statement = (
        conflict_tolerant_insert(session, Cue)
        .values(user_id=user_id, video_id=video_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "video_id"])
        .returning(Cue.id)
    )
    return session.execute(statement).first() is not None


def uncue(session: Session, *, video_id: int, user_id: int) -> bool:
    """Take the video out of the user's cue (idempotent). True when it was there."""
    require_catalog_video(session, video_id)
    statement = (
        delete(Cue).where(Cue.user_id == user_id, Cue.video_id == video_id).returning(Cue.id)
    )
    return session.execute(statement).first() is not None
