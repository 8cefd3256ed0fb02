"""The likes API: list videos with their like counts, read and toggle the caller's like, `me`.

The caller is the user of its IP address (`getnative.accounts.ip_users`). Routes are sync: FastAPI
runs them in the thread pool, and each opens exactly one transaction. The reCAPTCHA call happens
before the write transaction opens, so a slow verifier never holds a database write lock.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from sqlalchemy import select

from getnative.accounts.ip_users import find_ip_user, get_or_create_ip_user, public_username
from getnative.accounts.models import User
from getnative.api.likes.deps import AppContainer, ClientIP, ClientKey, parse_video_id
from getnative.catalog.models import Video
from getnative.channels.service import require_visible_video, video_visible_filter
from getnative.likes import service as likes
from getnative.likes.recaptcha import require_human

router = APIRouter()
MAX_VIDEOS = 1000


def render_video(video: Video) -> dict[str, Any]:
    """A video as the likes client reads it (the jefftube `Video` type, plus our own fields)."""
    return {
        "id": str(video.id),
        "title": video.title,
        "description": video.description,
        "filename": video.video_url,
        "video_url": video.video_url,
        "thumbnail_url": video.thumbnail_image_url or None,
        "hasThumbnail": bool(video.thumbnail_image_url),
        "length": video.length,
        "views": video.view_count,
        "likes": video.like_count,
        "dislikes": 0,
        "is_shorts": False,
        "created_at": video.created_at.isoformat().replace("+00:00", "Z"),
    }


def render_user(user: User) -> dict[str, Any]:
    return {"id": str(user.id), "username": public_username(user)}


def render_like(liked: bool) -> dict[str, bool | None]:
    """The origin answers `true` or `null`, never `false`."""
    return {"userLike": True if liked else None}


@router.get("/videos")
def list_videos(
    container: AppContainer,
    limit: Annotated[int, Query(ge=1, le=MAX_VIDEOS)] = MAX_VIDEOS,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> list[dict[str, Any]]:
    """Videos a stranger may see (catalog, or in a public channel), newest first."""
    with container.db.session(write=False) as session:
        videos = session.scalars(
            select(Video)
            .where(video_visible_filter(None))
            .order_by(Video.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [render_video(video) for video in videos]


@router.get("/videos/{video_id}/like")
def get_like(video_id: str, container: AppContainer, client: ClientKey) -> dict[str, bool | None]:
    """Whether the caller's IP likes the video (reading never creates the IP's user)."""
    vid = parse_video_id(video_id)
    with container.db.session(write=False) as session:
        require_visible_video(session, vid, viewer_id=None)
        user = find_ip_user(session, key=container.settings.ip_hash_key, ip=client)
        return render_like(likes.is_liked(session, video_id=vid, user_id=user.id if user else None))


@router.post("/videos/{video_id}/like")
def toggle_like(
    video_id: str,
    container: AppContainer,
    ip: ClientIP,
    client: ClientKey,
    recaptcha_token: Annotated[str | None, Header(alias="X-Recaptcha-Token")] = None,
) -> dict[str, bool | None]:
    """Toggle the caller's like, after the reCAPTCHA check; answers the new state."""
    vid = parse_video_id(video_id)
    settings = container.settings
    require_human(
        container.recaptcha_verifier,
        recaptcha_token,
        remote_ip=ip,
        min_score=settings.recaptcha_min_score,
    )
    with container.db.session(write=True) as session:
        # An unknown or private video raises NotFound, which rolls the new user back too.
        require_visible_video(session, vid, viewer_id=None)
        user = get_or_create_ip_user(session, key=settings.ip_hash_key, ip=client, lock=True)
        return render_like(likes.toggle(session, video_id=vid, user_id=user.id))


@router.get("/me")
def me(container: AppContainer, client: ClientKey) -> dict[str, Any]:
    """The caller's IP user, created on first sight."""
    with container.db.session(write=True) as session:
        user = get_or_create_ip_user(session, key=container.settings.ip_hash_key, ip=client)
        return render_user(user)
