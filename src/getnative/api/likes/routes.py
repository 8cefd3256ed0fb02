"""The likes API: list videos with their like counts, read and toggle the caller's like, `me`.

The caller is the user of its IP address (`getnative.accounts.ip_users`). Routes are sync (FastAPI
runs them in the thread pool), except the toggle, the hot write, which runs on the event loop
(reCAPTCHA, then one statement on the async driver) through a lean handler (see `toggle_like`);
each opens exactly one transaction. The
reCAPTCHA call happens before anything is written, so a slow verifier never holds a database
write lock nor a worker thread.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from typing_extensions import TypedDict  # pydantic needs it below Python 3.12

from getnative.accounts.ip_users import (
    find_ip_user,
    get_or_create_ip_user,
    hash_ip,
    public_username,
)
from getnative.accounts.models import User
from getnative.api.likes.deps import AppContainer, ClientKey, parse_video_id
from getnative.catalog.models import Video
from getnative.channels.service import require_visible_video, video_visible_filter
from getnative.likes import service as likes
from getnative.likes.recaptcha import RecaptchaExpectations, require_human_async
from getnative.web.client_ip import client_ip_from_scope, client_key
from getnative.web.deps import container_of
from getnative.web.responses import FastJSONResponse

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


class LikeState(TypedDict):
    """`{"userLike": true}` or `{"userLike": null}`: the origin never answers `false`."""

    userLike: bool | None


def render_like(liked: bool) -> LikeState:
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
def get_like(video_id: str, container: AppContainer, client: ClientKey) -> LikeState:
    """Whether the caller's IP likes the video (reading never creates the IP's user)."""
    vid = parse_video_id(video_id)
    with container.db.session(write=False) as session:
        require_visible_video(session, vid, viewer_id=None)
        user = find_ip_user(session, key=container.settings.ip_hash_key, ip=client)
        return render_like(likes.is_liked(session, video_id=vid, user_id=user.id if user else None))


RECAPTCHA_HEADER = "X-Recaptcha-Token"
_RECAPTCHA_HEADER_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": RECAPTCHA_HEADER,
            "in": "header",
            "required": False,
            "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": RECAPTCHA_HEADER},
        }
    ]
}
"""The toggle's reCAPTCHA header as FastAPI documented it when it was a `Header` parameter."""


@router.post(
    "/videos/{video_id}/like", response_model=LikeState, openapi_extra=_RECAPTCHA_HEADER_DOC
)
async def toggle_like(video_id: str, request: Request) -> Response:
    """Toggle the caller's like, after the reCAPTCHA check; answers the new state.

    All on the event loop: the reCAPTCHA round trip is awaited before anything is written (a
    slow verifier holds no database lock), then the toggle is one statement on the async
    driver (`likes.ip_toggle`).
    """
    # This docstring is the served OpenAPI description: the notes below stay out of it.
    # The hot write takes only the path and the `Request` (the container, client IP and key and
    # the reCAPTCHA header are read here, as the other routes' dependencies and a `Header`
    # parameter would read them), so the route table runs it with a lean handler instead of
    # FastAPI's generic one (`web.route_table`): dependency solving was a large share of its
    # Python time. The header stays documented through `openapi_extra`, as FastAPI did. The
    # client key is derived from the IP resolved once (parsing addresses showed in profiles).
    container = container_of(request)
    settings = container.settings
    ip = client_ip_from_scope(request.scope, container.trusted_proxies)
    vid = parse_video_id(video_id)
    verifier = container.recaptcha_verifier
    if verifier is not None:  # none configured: the check is skipped (`require_human_async`)
        await require_human_async(
            verifier,
            request.headers.get(RECAPTCHA_HEADER),
            remote_ip=ip,
            expected=RecaptchaExpectations(
                settings.recaptcha_min_score,
                settings.recaptcha_action,
                tuple(settings.recaptcha_hostnames),
            ),
        )
    # The key is the resolved IP itself for IPv4, already in its canonical spelling, which
    # `hash_ip` then takes as it is (`accounts.ip_users.is_canonical_ipv4`).
    client = client_key(ip, settings.ipv6_client_prefix)  # `Container.client_key`
    ip_hash = hash_ip(settings.ip_hash_key, client)
    toggled = await container.like_toggles.toggle(video_id=vid, ip_hash=ip_hash)
    return FastJSONResponse(render_like(toggled.liked))


@router.get("/me")
def me(container: AppContainer, client: ClientKey) -> dict[str, Any]:
    """The caller's IP user, created on first sight."""
    with container.db.session(write=True) as session:
        user = get_or_create_ip_user(session, key=container.settings.ip_hash_key, ip=client)
        return render_user(user)
