"""Get Native route `GET /clips`: moments of catalog videos where a phrase is said.

A thin adapter over `getnative.catalog.clips`: raw query strings in, a record list of
`{id, video, start_ms, end_ms, text}` out, the video being the same summary as in `GET /videos`.
The page is one Core statement on the async driver (no thread-pool hop, no ORM objects), with
the token check in it as on `GET /videos`; its rows are rendered straight to the declared shape
and serialised once with orjson.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import Row

from getnative.api.getnative import params
from getnative.api.getnative.deps import accept_token, slide_viewer, viewer_of
from getnative.api.getnative.render import record_list, render_summary_row
from getnative.api.getnative.schemas_catalog import ClipList
from getnative.catalog import clips
from getnative.errors import InvalidInput
from getnative.web.deps import container_of
from getnative.web.responses import FastJSONResponse

router = APIRouter(tags=["clips"])


def render_clip_row(row: Row[Any], *, signed_in: bool) -> dict[str, Any]:
    """A clip with its video summary (flags as on `GET /videos`: `cued` null and `liked` false
    for an anonymous caller)."""
    return {
        "id": row.clip_id,
        "video": render_summary_row(row, signed_in=signed_in),
        "start_ms": row.clip_start_ms,
        "end_ms": row.clip_end_ms,
        "text": row.clip_text,
    }


@router.get(
    "/clips",
    response_model=ClipList,
    summary="Moments where a phrase is said",
    description=(
        "Timed transcript cues of catalog videos in `lang` that match `q`, best first. All words "
        "are required; a double-quoted part matches the exact phrase; Japanese and other unspaced "
        "text matches as a substring. `count` 1-100 (default 20). `max_id` (a clip id, inclusive) "
        "pages to older clips, as on GET /videos. Errors as on GET /videos; `q` is required."
    ),
)
async def list_clips(
    request: Request,
    q: str | None = None,
    lang: str | None = None,
    count: str | None = None,
    max_id: str | None = None,
) -> Response:
    viewer = viewer_of(request)  # a malformed or expired token: 401 before parameter errors
    try:
        query = params.clip_query(q=q, lang=lang, count=count, max_id=max_id)
    except InvalidInput:
        await accept_token(request, viewer)
        raise
    rows = await clips.clips_page(container_of(request).db, query, viewer)
    slide_viewer(request, viewer)  # the page query found the token current (else it raised)
    records = [render_clip_row(row, signed_in=viewer is not None) for row in rows]
    return FastJSONResponse(record_list(records))
