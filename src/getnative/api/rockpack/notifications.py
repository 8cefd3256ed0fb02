"""Rockpack routes: the user's notifications (`starred`, `subscribed`), unread count, mark read.

Only the two Rockpack kinds are listed and counted; other kinds (the Get Native welcome) have no
Rockpack rendering. `mark_read` takes at most MAX_MARK_READ ids of the user's notifications;
ids of other users' notifications are silently ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import Field, Strict
from pydantic_core import ErrorDetails
from sqlalchemy.orm import Session

from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import (
    PRIVATE_CACHE,
    AppContainer,
    DbSession,
    Owner,
    Paging,
    RockpackBody,
    cache,
    json_body,
)
from getnative.api.rockpack.errors import RockpackError, invalid_request
from getnative.api.rockpack.render import (
    channel_url,
    iso,
    paged,
    render_cover,
    render_owner,
)
from getnative.channels import social_service
from getnative.db import MAX_ID
from getnative.notifications import service as notifications
from getnative.notifications.models import KIND_STARRED, Notification
from getnative.web.container import Container

router = APIRouter()
MAX_MARK_READ = 1000


class _Related:
    """The users, channels and instances a page of notifications points at, loaded in bulk."""

    def __init__(self, session: Session, items: Sequence[Notification]) -> None:
        self.users = social_service.users_by_id(
            session, {n.actor_id for n in items if n.actor_id is not None}
        )
        self.channels = social_service.channels_by_id(
            session, {n.channel_id for n in items if n.channel_id is not None}
        )
        self.instances = social_service.instances_by_id(
            session, {n.video_instance_id for n in items if n.video_instance_id is not None}
        )


def _channel_ref(container: Container, related: _Related, channel_id: int | None) -> dict[str, Any]:
    channel = related.channels.get(channel_id) if channel_id is not None else None
    if channel is None:
        return {"resource_url": "", "id": ""}
    return {
        "resource_url": channel_url(container, channel.owner_id, channel.id),
        "id": ids.encode(ids.CHANNEL, channel.id),
    }


def _message(container: Container, related: _Related, item: Notification) -> dict[str, Any]:
    actor = related.users.get(item.actor_id) if item.actor_id is not None else None
    user = render_owner(container, actor) if actor is not None else None
    channel = _channel_ref(container, related, item.channel_id)
    if item.kind == KIND_STARRED:
        instance = (
            related.instances.get(item.video_instance_id)
            if item.video_instance_id is not None
            else None
        )
        video = {
            "thumbnail_url": instance.video.thumbnail_image_url if instance else "",
            "id": ids.encode(ids.VIDEO_INSTANCE, instance.id) if instance else "",
            "channel": channel,
        }
        return {"video": video, "user": user}
    found = related.channels.get(item.channel_id) if item.channel_id is not None else None
    cover = render_cover(container, found.cover_art if found else None)
    return {"channel": {**channel, "thumbnail_url": cover["thumbnail_url"]}, "user": user}


@router.get("/{userid}/notifications/")
def list_notifications(
    userid: Owner, session: DbSession, container: AppContainer, page: Paging, response: Response
) -> dict[str, Any]:
    items, total = social_service.list_social_notifications(
        session, user_id=userid.id, start=page.start, size=page.size
    )
    related = _Related(session, items)
    rendered = [
        {
            "id": item.id,
            "message_type": item.kind,
            "date_created": iso(item.created_at),
            "read": item.read,
            "message": _message(container, related, item),
        }
        for item in items
    ]
    cache(response, PRIVATE_CACHE)
    return {"notifications": paged(rendered, total)}


@router.get("/{userid}/notifications/unread_count/")
def unread_count(userid: Owner, session: DbSession) -> JSONResponse:
    count = social_service.social_unread_count(session, userid.id)
    return JSONResponse(count, headers={"Cache-Control": PRIVATE_CACHE})


NotificationId = Annotated[int, Strict(), Field(gt=0, le=MAX_ID)]


class MarkReadIn(RockpackBody):
    """At most 1000 ids of the user's notifications to mark read (JSON integers)."""

    mark_read: Annotated[list[NotificationId], Field(max_length=MAX_MARK_READ)]

    @classmethod
    def rejected(cls, document: object, errors: list[ErrorDetails]) -> RockpackError:  # noqa: ARG003
        return invalid_request("Invalid id list")


@router.post("/{userid}/notifications/", status_code=204)
def mark_read(
    userid: Owner, session: DbSession, body: Annotated[MarkReadIn, json_body(MarkReadIn)]
) -> Response:
    if body.mark_read:
        notifications.mark_read(session, user_id=userid.id, notification_ids=body.mark_read)
    return Response(status_code=204)
