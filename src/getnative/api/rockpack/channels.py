"""Rockpack routes: the user view, channels, a channel's videos and its subscribers.

Routes only translate: opaque ids in, rendered records out. Visibility and every rule about
channel content live in `getnative.channels.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from getnative.accounts.models import User
from getnative.api.rockpack import ids, render
from getnative.api.rockpack.deps import AppContainer, DbSession, OptionalUser, Owner, path_user_id
from getnative.api.rockpack.errors import form_errors, invalid_request
from getnative.api.rockpack.json_body import parse_json
from getnative.api.rockpack.social_http import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PageSize,
    PageStart,
)
from getnative.channels import service, social_service
from getnative.channels.models import Channel
from getnative.errors import ChannelFormInvalid, InvalidVideoRefs

router = APIRouter()

PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private"

Locale = Annotated[str | None, Query(max_length=35)]


class _InvalidJson:
    """The body of a request that was not JSON at all."""


INVALID_JSON = _InvalidJson()


async def _json_body(request: Request) -> object:
    """The parsed JSON body, or INVALID_JSON, so each route words its own 400."""
    raw = await request.body()
    try:
        return parse_json(raw)
    except ValueError:
        return INVALID_JSON


JsonBody = Annotated[object, Depends(_json_body)]


def json_body_doc(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI for a body read by `_json_body` (FastAPI cannot see it by itself)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_TEXT_OR_EMPTY = {"type": "string"}
CHANNEL_FORM_DOC = json_body_doc(
    {
        "type": "object",
        "required": ["title", "description", "category", "cover", "public"],
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "description": {"type": "string", "maxLength": 200},
            "category": {"anyOf": [{"type": "integer"}, _TEXT_OR_EMPTY]},
            "cover": _TEXT_OR_EMPTY,
            "public": {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": [""]}]},
        },
    }
)
PUBLIC_DOC = json_body_doc({"type": "boolean"})
VIDEO_LIST_DOC = json_body_doc(
    {
        "type": "array",
        "maxItems": 1000,
        "items": {
            "anyOf": [
                {"type": "string", "description": "a video instance id"},
                {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"type": "string"},
                    "description": '["youtube", "<11-character video id>"]',
                },
            ]
        },
    }
)


def _cache(response: Response, value: str) -> None:
    response.headers["Cache-Control"] = value
    response.headers["Vary"] = "Authorization"


def _path_user(session: DbSession, userid: str) -> User:
    """The active user named by `USERID`; unknown, malformed or deactivated is a 404."""
    return service.get_active_user(session, path_user_id(userid))


def _created(body: dict[str, Any], status: int) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Location": body["resource_url"]})


def _channel_ref(container: AppContainer, channel: Channel) -> dict[str, Any]:
    return {
        "id": ids.encode(ids.CHANNEL, channel.id),
        "resource_url": render.channel_url(container, channel.owner_id, channel.id),
    }


def _create_or_update(payload: object, apply: Callable[[object], Channel]) -> Channel:
    if payload is INVALID_JSON:
        raise invalid_request("Request body is not valid JSON")
    try:
        return apply(payload)
    except ChannelFormInvalid as exc:
        raise form_errors(exc.errors) from exc


@router.get("/{userid}/")
def get_user(
    userid: str,
    response: Response,
    session: DbSession,
    container: AppContainer,
    viewer: OptionalUser,
) -> dict[str, Any]:
    user = _path_user(session, userid)
    is_owner = viewer is not None and viewer.id == user.id
    channels, total = service.list_user_channels(
        session, user.id, viewer_id=viewer.id if viewer else None, size=MAX_PAGE_SIZE
    )
    _cache(response, PRIVATE_CACHE if is_owner else PUBLIC_CACHE)
    # The same count as GET .../notifications/unread_count/: Rockpack's own kinds only.
    unread = social_service.social_unread_count(session, user.id) if is_owner else None
    return render.render_user(container, user, channels, total, unread_notifications=unread)


@router.get("/{userid}/channels/")
def list_channels(
    userid: str,
    response: Response,
    session: DbSession,
    container: AppContainer,
    viewer: OptionalUser,
    start: PageStart = 0,
    size: PageSize = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    """Not in the document, but the owner view links here: the user's visible channels."""
    user = _path_user(session, userid)
    is_owner = viewer is not None and viewer.id == user.id
    channels, total = service.list_user_channels(
        session, user.id, viewer_id=viewer.id if viewer else None, start=start, size=size
    )
    _cache(response, PRIVATE_CACHE if is_owner else PUBLIC_CACHE)
    items = [render.render_channel_brief(container, channel) for channel in channels]
    return {"channels": render.paged(items, total)}


@router.post("/{userid}/channels/", status_code=201, openapi_extra=CHANNEL_FORM_DOC)
def create_channel(
    owner: Owner, session: DbSession, container: AppContainer, payload: JsonBody
) -> JSONResponse:
    channel = _create_or_update(
        payload, lambda body: service.create_channel(session, owner.id, body)
    )
    return _created(_channel_ref(container, channel), 201)


@router.get("/{userid}/channels/{channelid}/")
def get_channel(
    userid: str,
    channelid: str,
    response: Response,
    session: DbSession,
    container: AppContainer,
    viewer: OptionalUser,
    locale: Locale = None,
    start: PageStart = 0,
    size: PageSize = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    owner = _path_user(session, userid)
    channel = service.get_visible_channel(
        session,
        ids.decode(ids.CHANNEL, channelid),
        owner_id=owner.id,
        viewer_id=viewer.id if viewer else None,
    )
    instances, total = service.list_channel_instances(
        session, channel.id, locale=locale, start=start, size=size
    )
    _cache(response, PUBLIC_CACHE if channel.public else PRIVATE_CACHE)
    return render.render_channel(container, channel, owner, instances, total, start=start)


@router.put("/{userid}/channels/{channelid}/", openapi_extra=CHANNEL_FORM_DOC)
def update_channel(
    channelid: str, owner: Owner, session: DbSession, container: AppContainer, payload: JsonBody
) -> JSONResponse:
    channel = service.lock_channel(session, ids.decode(ids.CHANNEL, channelid), owner_id=owner.id)
    _create_or_update(payload, lambda body: service.update_channel(session, channel, body))
    return _created(_channel_ref(container, channel), 200)


@router.put("/{userid}/channels/{channelid}/public/", openapi_extra=PUBLIC_DOC)
def update_channel_public(
    channelid: str, owner: Owner, session: DbSession, payload: JsonBody
) -> bool:
    channel = service.lock_channel(session, ids.decode(ids.CHANNEL, channelid), owner_id=owner.id)
    if not isinstance(payload, bool):
        raise form_errors("Value should be 'true' or 'false'")
    return service.set_channel_public(channel, payload)


@router.delete("/{userid}/channels/{channelid}/", status_code=204)
def delete_channel(channelid: str, owner: Owner, session: DbSession) -> Response:
    channel = service.lock_channel(session, ids.decode(ids.CHANNEL, channelid), owner_id=owner.id)
    service.delete_channel(session, channel)
    return Response(status_code=204)


@router.get("/{userid}/channels/{channelid}/videos/")
def get_channel_videos(
    userid: str, channelid: str, response: Response, session: DbSession, viewer: OptionalUser
) -> list[str]:
    owner = _path_user(session, userid)
    channel = service.get_visible_channel(
        session,
        ids.decode(ids.CHANNEL, channelid),
        owner_id=owner.id,
        viewer_id=viewer.id if viewer else None,
    )
    _cache(response, PUBLIC_CACHE if channel.public else PRIVATE_CACHE)
    return [
        ids.encode(ids.VIDEO_INSTANCE, key)
        for key in service.channel_instance_ids(session, channel.id)
    ]


VideoListChange = Callable[[Session, Channel, list[service.VideoRef | None]], None]


def _video_refs(payload: object) -> list[service.VideoRef | None]:
    """Each item as a reference; None for an item of no recognisable shape."""
    if payload is INVALID_JSON:
        raise invalid_request("Request body is not valid JSON")
    if not isinstance(payload, list):
        raise invalid_request("Expected a list of video instance ids")
    if len(payload) > service.MAX_VIDEO_ITEMS:
        raise invalid_request(f"At most {service.MAX_VIDEO_ITEMS} videos per request")
    return [_video_ref(item) for item in payload]


def _video_ref(item: object) -> service.VideoRef | None:
    if isinstance(item, str):
        key = ids.decode(ids.VIDEO_INSTANCE, item)
        return service.InstanceRef(key) if key is not None else None
    if (
        isinstance(item, list)
        and len(item) == 2
        and all(isinstance(part, str) and len(part) <= 100 for part in item)
    ):
        return service.SourceRef(source=item[0], source_id=item[1])
    return None


def _change_videos(
    session: DbSession, owner: User, channelid: str, payload: object, op: VideoListChange
) -> None:
    channel = service.lock_channel(session, ids.decode(ids.CHANNEL, channelid), owner_id=owner.id)
    refs = _video_refs(payload)
    try:
        op(session, channel, refs)
    except InvalidVideoRefs as exc:
        items = payload if isinstance(payload, list) else []
        raise invalid_request(exc.message, data=[items[i] for i in exc.positions]) from exc


@router.put("/{userid}/channels/{channelid}/videos/", status_code=204, openapi_extra=VIDEO_LIST_DOC)
def replace_channel_videos(
    channelid: str, owner: Owner, session: DbSession, payload: JsonBody
) -> Response:
    _change_videos(session, owner, channelid, payload, service.replace_channel_videos)
    return Response(status_code=204)


@router.post(
    "/{userid}/channels/{channelid}/videos/", status_code=204, openapi_extra=VIDEO_LIST_DOC
)
def append_channel_videos(
    channelid: str, owner: Owner, session: DbSession, payload: JsonBody
) -> Response:
    _change_videos(session, owner, channelid, payload, service.append_channel_videos)
    return Response(status_code=204)


@router.get("/{userid}/channels/{channelid}/subscribers/")
def get_channel_subscribers(
    userid: str,
    channelid: str,
    response: Response,
    session: DbSession,
    container: AppContainer,
    viewer: OptionalUser,
    start: PageStart = 0,
    size: PageSize = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    owner = _path_user(session, userid)
    channel = service.get_visible_channel(
        session,
        ids.decode(ids.CHANNEL, channelid),
        owner_id=owner.id,
        viewer_id=viewer.id if viewer else None,
    )
    users, total = service.list_subscribers(session, channel.id, start=start, size=size)
    _cache(response, PUBLIC_CACHE if channel.public else PRIVATE_CACHE)
    items = [
        render.render_subscriber(container, user, start + index) for index, user in enumerate(users)
    ]
    return {"users": render.paged(items, total)}
