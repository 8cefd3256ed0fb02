"""Get Native routes: categories, speakers, videos (list, search, detail), like and cue.

Thin adapters: query values arrive as raw strings so that every malformed value is reported by
the domain's parsers as a Get Native 400 (FastAPI's own coercion would accept `cued_only=yes`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from getnative.api.getnative.deps import CurrentUser, DbSession, optional_user
from getnative.api.getnative.render import (
    load_video_for_detail,
    record_list,
    render_speaker,
    render_video_detail,
    render_video_summaries,
)
from getnative.api.getnative.schemas_catalog import VideoDetail, VideoList
from getnative.catalog import service
from getnative.catalog.models import Category
from getnative.errors import NotFound
from getnative.likes import service as likes
from getnative.web.deps import container_of
from getnative.web.responses import FastJSONResponse

router = APIRouter(tags=["catalog"])


def _render_category(category: Category) -> dict[str, Any]:
    subcategories = [{"id": s.id, "name": s.name} for s in category.subcategories]
    return {"id": category.id, "name": category.name, "subcategories": record_list(subcategories)}


@router.get("/categories")
def list_categories(session: DbSession) -> dict[str, Any]:
    return record_list([_render_category(c) for c in service.list_categories(session)])


@router.get("/speakers/{speaker_id}")
def get_speaker(speaker_id: str, session: DbSession) -> dict[str, Any]:
    speaker = service.get_speaker(session, service.parse_id(speaker_id))
    rendered = render_speaker(speaker)
    assert rendered is not None
    return rendered


@router.get("/videos", response_model=VideoList)
async def list_videos(
    request: Request,
    lang: str | None = None,
    count: str | None = None,
    max_id: str | None = None,
    subcategory_id: str | None = None,
    category_id: str | None = None,
    q: str | None = None,
    cued_only: str | None = None,
) -> Response:
    """One thread-pool hop and one connection for the whole page: authenticate, query, render
    (instead of a hop per dependency), then serialised once with orjson, not validated again."""
    raw = {
        "lang": lang,
        "count": count,
        "max_id": max_id,
        "subcategory_id": subcategory_id,
        "category_id": category_id,
        "q": q,
        "cued_only": cued_only,
    }

    def page() -> dict[str, Any]:
        with container_of(request).db.session(write=False) as session:
            user = optional_user(request, session)  # auth errors before parameter errors
            query = service.VideoQuery.parse(**raw)
            videos = service.list_videos(session, query, user_id=user.id if user else None)
            return record_list(render_video_summaries(session, videos, user))

    return FastJSONResponse(await run_in_threadpool(page))


@router.get("/videos/{video_id}", response_model=VideoDetail)
async def get_video(video_id: str, request: Request) -> Response:
    """Same shape as the list: one hop, one connection, orjson."""

    def page() -> dict[str, Any]:
        with container_of(request).db.session(write=False) as session:
            user = optional_user(request, session)
            parsed = service.parse_id(video_id)
            video = load_video_for_detail(session, parsed) if parsed else None
            if video is None or video.source != service.CATALOG_SOURCE:
                raise NotFound("Video not found.", code="video_not_found")
            return render_video_detail(session, video, user)

    return FastJSONResponse(await run_in_threadpool(page))


def _no_content() -> Response:
    return Response(status_code=204)


@router.post("/videos/{video_id}/like", status_code=204)
def like_video(video_id: str, session: DbSession, user: CurrentUser) -> Response:
    parsed = service.parse_id(video_id)
    service.require_catalog_video(session, parsed)
    likes.like(session, video_id=parsed, user_id=user.id)
    return _no_content()


@router.post("/videos/{video_id}/unlike", status_code=204)
def unlike_video(video_id: str, session: DbSession, user: CurrentUser) -> Response:
    parsed = service.parse_id(video_id)
    service.require_catalog_video(session, parsed)
    likes.unlike(session, video_id=parsed, user_id=user.id)
    return _no_content()


@router.post("/videos/{video_id}/cue", status_code=204)
def cue_video(video_id: str, session: DbSession, user: CurrentUser) -> Response:
    service.cue(session, video_id=service.parse_id(video_id), user_id=user.id)
    return _no_content()


@router.post("/videos/{video_id}/uncue", status_code=204)
def uncue_video(video_id: str, session: DbSession, user: CurrentUser) -> Response:
    service.uncue(session, video_id=service.parse_id(video_id), user_id=user.id)
    return _no_content()
