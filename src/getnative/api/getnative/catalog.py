"""Get Native routes: categories, speakers, videos (list, search, detail), like and cue.

Thin adapters: query values arrive as raw strings so that every malformed value is reported by
the domain's parsers as a Get Native 400 (FastAPI's own coercion would accept `cued_only=yes`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from getnative.api.getnative import params
from getnative.api.getnative.deps import (
    CurrentUser,
    DbSession,
    accept_token,
    slide_viewer,
    viewer_of,
)
from getnative.api.getnative.render import (
    add_matches,
    record_list,
    render_detail_page,
    render_speaker,
    render_summary_row,
)
from getnative.api.getnative.schemas_catalog import VideoDetail, VideoList
from getnative.catalog import pages, service
from getnative.catalog.models import Category
from getnative.catalog.search_page import search_page
from getnative.errors import InvalidInput, NotFound
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
    speaker = service.get_speaker(session, params.parse_id(speaker_id))
    rendered = render_speaker(speaker)
    assert rendered is not None
    return rendered


@router.get("/videos", response_model=VideoList)
async def list_videos(request: Request, args: Annotated[params.VideoListArgs, Query()]) -> Response:
    """On the event loop: one async connection, one statement (the page with the viewer's
    flags and the token check), rows rendered straight to orjson. A search adds its `matches`
    in a second statement on the same connection (`catalog.search_page`)."""
    viewer = viewer_of(request)  # a malformed or expired token: 401 before parameter errors
    try:
        query = params.video_query(args)
    except InvalidInput:
        await accept_token(request, viewer)
        raise
    db = container_of(request).db
    signed_in = viewer is not None
    matches = None
    if query.q is None:
        rows = await pages.video_page(db, query, viewer)
    else:
        rows, matches = await search_page(db, query, viewer)
    slide_viewer(request, viewer)  # the page query found the token current (else it raised)
    records = [render_summary_row(row, signed_in=signed_in) for row in rows]
    if matches is not None:
        add_matches(records, matches)
    return FastJSONResponse(record_list(records))


@router.get("/videos/{video_id}", response_model=VideoDetail)
async def get_video(video_id: str, request: Request) -> Response:
    """Same shape as the list: one statement (the video with its nested parts, the viewer's
    flags and its related videos), orjson."""
    # Anonymous callers' related videos come from a cache of at most a second
    # (`catalog.related_cache`); this docstring is the served OpenAPI description.
    viewer = viewer_of(request)
    try:
        parsed = params.parse_id(video_id)
    except InvalidInput:
        await accept_token(request, viewer)
        raise
    container = container_of(request)
    detail = await pages.video_detail(container.db, parsed, viewer, container.related_videos)
    slide_viewer(request, viewer)  # the page query found the token current (else it raised)
    if detail is None:
        raise NotFound("Video not found.", code="video_not_found")
    return FastJSONResponse(render_detail_page(detail, signed_in=viewer is not None))


def _no_content() -> Response:
    return Response(status_code=204)


def _catalog_video_id(session: DbSession, video_id: str) -> int:
    """The path's video id, which must name a catalog video: a like is only for one (404)."""
    parsed = params.parse_id(video_id)
    service.require_catalog_video(session, parsed)
    return parsed


@router.post("/videos/{video_id}/like", status_code=204)
def like_video(video_id: str, session: DbSession, user: CurrentUser) -> Response:
    likes.like(session, video_id=_catalog_video_id(session, video_id), user_id=user.id)
    return _no_content()


@router.post("/videos/{video_id}/unlike", status_code=204)
def unlike_video(video_id: str, session: DbSession, user: CurrentUser) -> Response:
    likes.unlike(session, video_id=_catalog_video_id(session, video_id), user_id=user.id)
    return _no_content()


@router.post("/videos/{video_id}/cue", status_code=204)
@router.post("/videos/{video_id}/queue", status_code=204)  # the published client's name
def cue_video(video_id: str, session: DbSession, user: CurrentUser) -> Response:
    service.cue(session, video_id=params.parse_id(video_id), user_id=user.id)
    return _no_content()


@router.post("/videos/{video_id}/uncue", status_code=204)
@router.post("/videos/{video_id}/dequeue", status_code=204)  # the published client's name
def uncue_video(video_id: str, session: DbSession, user: CurrentUser) -> Response:
    service.uncue(session, video_id=params.parse_id(video_id), user_id=user.id)
    return _no_content()
