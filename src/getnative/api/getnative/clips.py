"""Get Native route `GET /clips`: moments of catalog videos where a phrase is said.

A thin adapter over `getnative.catalog.clips`: raw query strings in, a record list of
`{id, video, start_ms, end_ms, text}` out, the video being the same summary as in `GET /videos`.
The page is one Core statement on the async driver (no thread-pool hop for the page, no ORM
objects), its rows rendered straight to the declared shape and serialised once with orjson.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import Row

from getnative.api.getnative import params
from getnative.api.getnative.deps import OptionalUser
from getnative.api.getnative.render import record_list, render_video_summary
from getnative.api.getnative.schemas_catalog import ClipList
from getnative.catalog import clips
from getnative.web.deps import container_of
from getnative.web.responses import FastJSONResponse

router = APIRouter(tags=["clips"])


def _part(row: Row[Any], prefix: str) -> SimpleNamespace | None:
    """The `prefix`-ed columns of `row` as an object with the model's attribute names."""
    mapping = row._mapping
    if mapping[f"{prefix}id"] is None:
        return None
    return SimpleNamespace(
        **{key[len(prefix) :]: value for key, value in mapping.items() if key.startswith(prefix)}
    )


def render_clip_row(row: Row[Any], *, signed_in: bool) -> dict[str, Any]:
    """A clip with its video summary (flags as on `GET /videos`: `cued` null and `liked` false
    for an anonymous caller)."""
    summary = render_video_summary(
        _part(row, "video_"),
        _part(row, "speaker_"),
        _part(row, "subcategory_"),
        cued=bool(row.cued) if signed_in else None,
        liked=bool(row.liked) if signed_in else False,
    )
    return {
        "id": row.id,
        "video": summary,
        "start_ms": row.start_ms,
        "end_ms": row.end_ms,
        "text": row.text,
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
    user: OptionalUser,
    q: str | None = None,
    lang: str | None = None,
    count: str | None = None,
    max_id: str | None = None,
) -> Response:
    query = params.clip_query(q=q, lang=lang, count=count, max_id=max_id)
    user_id = user.id if user else None
    async with container_of(request).db.async_connection() as connection:
        rows = await clips.clips_page(connection, query, user_id=user_id)
    records = [render_clip_row(row, signed_in=user is not None) for row in rows]
    return FastJSONResponse(record_list(records))
