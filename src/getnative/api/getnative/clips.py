"""Get Native route `GET /clips`: moments of catalog videos where a phrase is said.

A thin adapter over `getnative.catalog.clips`: raw query strings in, a record list of
`{id, video, start_ms, end_ms, text}` out, the video being the same summary as in `GET /videos`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from getnative.accounts.models import User
from getnative.api.getnative.deps import DbSession, OptionalUser
from getnative.api.getnative.render import record_list, render_video_summaries
from getnative.catalog import clips
from getnative.catalog.models import TranscriptCue

router = APIRouter(tags=["clips"])


def render_clips(
    session: Session, cues: Sequence[TranscriptCue], user: User | None
) -> list[dict[str, Any]]:
    """Clips with their video summaries (`cued`/`liked` resolved once for the page)."""
    videos = list({cue.video_id: cue.video for cue in cues}.values())
    summaries = {s["id"]: s for s in render_video_summaries(session, videos, user)}
    return [
        {
            "id": cue.id,
            "video": summaries[cue.video_id],
            "start_ms": cue.start_ms,
            "end_ms": cue.end_ms,
            "text": cue.text,
        }
        for cue in cues
    ]


@router.get(
    "/clips",
    summary="Moments where a phrase is said",
    description=(
        "Timed transcript cues of catalog videos in `lang` that match `q`, best first. All words "
        "are required; a double-quoted part matches the exact phrase; Japanese and other unspaced "
        "text matches as a substring. `count` 1-100 (default 20). `max_id` (a clip id, inclusive) "
        "pages to older clips, as on GET /videos. Errors as on GET /videos; `q` is required."
    ),
)
def list_clips(
    session: DbSession,
    user: OptionalUser,
    q: str | None = None,
    lang: str | None = None,
    count: str | None = None,
    max_id: str | None = None,
) -> dict[str, Any]:
    query = clips.ClipQuery.parse(q=q, lang=lang, count=count, max_id=max_id)
    return record_list(render_clips(session, clips.search_clips(session, query), user))
