"""Rockpack routes: the user's notifications (`starred`, `subscribed`), unread count, mark read.

Only the two Rockpack kinds are listed and counted; other kinds (the Get Native welcome) have no
Rockpack rendering. `mark_read` takes at most MAX_MARK_READ ids of the user's notifications;
ids of other users' notifications are silently ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import AppContainer, DbSession, Owner
from getnative.api.rockpack.errors import invalid_request
from getnative.api.rockpack.render import (
    channel_url,
    iso,
    paged,
    render_cover,
    render_owner,
)
from getnative.api.rockpack.social_http import PRIVATE_CACHE, JsonBody, Paging
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
    user: Owner, session: DbSession, container: AppContainer, page: Paging, response: Response
) -> dict[str, Any]:
    items, total = social_service.list_social_notifications(
        session, user_id=user.id, start=page.start, size=page.size
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
    response.headers.update(PRIVATE_CACHE)
    return {"notifications": paged(rendered, total)}


@router.get("/{userid}/notifications/unread_count/")
def unread_count(user: Owner, session: DbSession) -> JSONResponse:
    count = social_service.social_unread_count(session, user.id)
    return JSONResponse(count, headers=PRIVATE_CACHE)


def _id_list(body: Any) -> list[int]:
    ids_ = body.get("mark_read") if isinstance(body, dict) else None
    valid = (
        isinstance(ids_, list)
        and len(ids_) <= MAX_MARK_READ
        and all(type(item) is int and 0 < item <= MAX_ID for item in ids_)
    )
    if not valid:
        raise invalid_request("Invalid id list")
    return list(ids_)  # type: ignore[arg-type]


MARK_READ_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["mark_read"],
                    "properties": {
                        "mark_read": {
                            "type": "array",
                            "maxItems": MAX_MARK_READ,
                            "items": {"type": "integer", "minimum": 1},
                        }
                    },
                }
            }
        },
    }
}


@router.post("/{userid}/notifications/", status_code=204, openapi_extra=MARK_READ_BODY)
def mark_read(user: Owner, session: DbSession, body: JsonBody) -> Response:
    notification_ids = _id_list(body)
    if notification_ids:
        notifications.mark_read(session, user_id=user.id, notification_ids=notification_ids)
    return Response(status_code=204)
