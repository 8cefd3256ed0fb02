"""Rockpack routes: the user view, channels, a channel's videos and its subscribers.

Routes only translate: opaque ids in, rendered records out. Visibility and every rule about
channel content live in `getnative.channels.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import Field, Strict, WithJsonSchema
from pydantic_core import ErrorDetails
from sqlalchemy.orm import Session

from getnative.accounts.models import User
from getnative.api.rockpack import ids, render
from getnative.api.rockpack.channel_form import NOT_A_BOOLEAN, ChannelFormIn, parse_channel_form
from getnative.api.rockpack.deps import (
    MAX_PAGE_SIZE,
    PRIVATE_REVALIDATE,
    PUBLIC_CACHE,
    AppContainer,
    DbSession,
    Locale,
    OptionalUser,
    Owner,
    OwnerId,
    Paging,
    RockpackValue,
    cache,
    decode_or_404,
    json_document,
    parse_body,
    path_user_id,
)
from getnative.api.rockpack.errors import RockpackError, form_errors, invalid_request
from getnative.channels import service, social_service
from getnative.channels.models import Channel
from getnative.errors import InvalidVideoRefs

router = APIRouter()

ChannelDocument = Annotated[object, json_document(ChannelFormIn)]


class PublicIn(RockpackValue[Annotated[bool, Strict()]]):
    """`true` or `false`; anything else (even invalid JSON) is the document's one message."""

    @classmethod
    def rejected(cls, document: object, errors: list[ErrorDetails]) -> RockpackError:  # noqa: ARG003
        return form_errors(NOT_A_BOOLEAN)

    @classmethod
    def not_json(cls) -> RockpackError:
        return form_errors(NOT_A_BOOLEAN)


VideoItem = Annotated[
    object,
    WithJsonSchema(
        {
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
        }
    ),
]


class VideoListIn(
    RockpackValue[Annotated[list[VideoItem], Field(max_length=service.MAX_VIDEO_ITEMS)]]
):
    """Video instance ids or `[source, source id]` pairs; items of no recognisable shape are
    reported by position after the list is read (`_video_refs`)."""

    @classmethod
    def rejected(cls, document: object, errors: list[ErrorDetails]) -> RockpackError:
        if isinstance(document, list) and any(e["type"] == "too_long" for e in errors):
            return invalid_request(f"At most {service.MAX_VIDEO_ITEMS} videos per request")
        return invalid_request("Expected a list of video instance ids")


VideoListDocument = Annotated[object, json_document(VideoListIn)]


def _cache(response: Response, value: str) -> None:
    """The channel views differ by the caller's token (the owner sees private channels)."""
    cache(response, value, per_token=True)


def _path_user(_viewer: OptionalUser, session: DbSession, userid: str) -> User:
    """The active user named by `USERID`; unknown, malformed or deactivated is a 404.

    The caller's token is checked first (`_viewer`, the same dependency the route takes): a
    revoked token is a 401 even on a path whose user is gone."""
    return service.get_active_user(session, path_user_id(userid))


PathUser = Annotated[User, Depends(_path_user)]
"""`{userid}` of a public read route: the active user it names (404 otherwise)."""


def _created(body: dict[str, Any], status: int) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Location": body["resource_url"]})


def _channel_ref(container: AppContainer, channel: Channel) -> dict[str, Any]:
    return {
        "id": ids.encode(ids.CHANNEL, channel.id),
        "resource_url": render.channel_url(container, channel.owner_id, channel.id),
    }


def _owned_channel(session: Session, channelid: str, owner: OwnerId) -> Channel:
    """The owner's channel named by `CHANNELID`, locked; malformed or not theirs is a 404."""
    return service.lock_channel(session, decode_or_404(ids.CHANNEL, channelid), owner_id=owner.id)


def _visible_channel(
    userid: PathUser,
    channelid: str,
    response: Response,
    session: DbSession,
    viewer: OptionalUser,
) -> Channel:
    """The channel a read route names, with the cache rule every channel read shares.

    A private channel is only visible to its owner, so its views must not be shared by caches.
    """
    channel = service.get_visible_channel(
        session,
        decode_or_404(ids.CHANNEL, channelid),
        owner_id=userid.id,
        viewer_id=viewer.id if viewer else None,
    )
    _cache(response, PUBLIC_CACHE if channel.public else PRIVATE_REVALIDATE)
    return channel


VisibleChannel = Annotated[Channel, Depends(_visible_channel)]
"""`{channelid}` of a read route (declared after `userid: PathUser`): the channel as the viewer
may see it (unknown, malformed or hidden is a 404), its cache header already set."""


def _user_channels(
    session: Session,
    response: Response,
    user: User,
    viewer: User | None,
    *,
    start: int,
    size: int,
) -> tuple[bool, tuple[list[Channel], int]]:
    """Whether the viewer owns `user`, and the page of `user`'s channels the viewer may see.

    The owner's view holds the private channels too, so it must not be shared by caches.
    """
    is_owner = viewer is not None and viewer.id == user.id
    found = service.list_user_channels(
        session, user.id, viewer_id=viewer.id if viewer else None, start=start, size=size
    )
    _cache(response, PRIVATE_REVALIDATE if is_owner else PUBLIC_CACHE)
    return is_owner, found


@router.get("/{userid}/")
def get_user(
    userid: PathUser,
    response: Response,
    session: DbSession,
    container: AppContainer,
    viewer: OptionalUser,
) -> dict[str, Any]:
    is_owner, (channels, total) = _user_channels(
        session, response, userid, viewer, start=0, size=MAX_PAGE_SIZE
    )
    # The same count as GET .../notifications/unread_count/: Rockpack's own kinds only.
    unread = social_service.social_unread_count(session, userid.id) if is_owner else None
    return render.render_user(container, userid, channels, total, unread_notifications=unread)


@router.get("/{userid}/channels/")
def list_channels(
    userid: PathUser,
    response: Response,
    session: DbSession,
    container: AppContainer,
    viewer: OptionalUser,
    page: Paging,
) -> dict[str, Any]:
    """Not in the document, but the owner view links here: the user's visible channels."""
    _, (channels, total) = _user_channels(
        session, response, userid, viewer, start=page.start, size=page.size
    )
    items = [render.render_channel_brief(container, channel) for channel in channels]
    return {"channels": render.paged(items, total)}


@router.post("/{userid}/channels/", status_code=201)
def create_channel(
    userid: Owner, session: DbSession, container: AppContainer, payload: ChannelDocument
) -> JSONResponse:
    form = parse_channel_form(session, userid.id, payload)
    channel = service.create_channel(session, userid.id, form)  # ChannelFormInvalid: errors.py
    return _created(_channel_ref(container, channel), 201)


@router.get("/{userid}/channels/{channelid}/")
def get_channel(
    userid: PathUser,
    channelid: VisibleChannel,
    session: DbSession,
    container: AppContainer,
    locale: Locale,
    page: Paging,
) -> dict[str, Any]:
    start = page.start
    instances, total = service.list_channel_instances(
        session, channelid.id, locale=locale, start=start, size=page.size
    )
    return render.render_channel(container, channelid, userid, instances, total, start=start)


@router.put("/{userid}/channels/{channelid}/")
def update_channel(
    channelid: str,
    userid: Owner,
    session: DbSession,
    container: AppContainer,
    payload: ChannelDocument,
) -> JSONResponse:
    channel = _owned_channel(session, channelid, userid)
    form = parse_channel_form(session, userid.id, payload)
    service.update_channel(session, channel, form)  # ChannelFormInvalid: errors.py
    return _created(_channel_ref(container, channel), 200)


@router.put("/{userid}/channels/{channelid}/public/")
def update_channel_public(
    channelid: str,
    userid: Owner,
    session: DbSession,
    payload: Annotated[object, json_document(PublicIn)],
) -> bool:
    channel = _owned_channel(session, channelid, userid)
    return service.set_channel_public(channel, parse_body(PublicIn, payload).root)


@router.delete("/{userid}/channels/{channelid}/", status_code=204)
def delete_channel(channelid: str, userid: Owner, session: DbSession) -> Response:
    channel = _owned_channel(session, channelid, userid)
    service.delete_channel(session, channel)
    return Response(status_code=204)


@router.get("/{userid}/channels/{channelid}/videos/")
def get_channel_videos(
    userid: PathUser,  # noqa: ARG001  resolved for the path (404), the channel is all it needs
    channelid: VisibleChannel,
    session: DbSession,
) -> list[str]:
    return [
        ids.encode(ids.VIDEO_INSTANCE, key)
        for key in service.channel_instance_ids(session, channelid.id)
    ]


VideoListChange = Callable[[Session, Channel, list[service.VideoRef | None]], None]


def _video_refs(items: list[object]) -> list[service.VideoRef | None]:
    """Each item as a reference; None for an item of no recognisable shape."""
    return [_video_ref(item) for item in items]


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
    session: DbSession, owner: OwnerId, channelid: str, payload: object, op: VideoListChange
) -> None:
    channel = _owned_channel(session, channelid, owner)
    items = parse_body(VideoListIn, payload).root
    try:
        op(session, channel, _video_refs(items))
    except InvalidVideoRefs as exc:
        raise invalid_request(exc.message, data=[items[i] for i in exc.positions]) from exc


@router.put("/{userid}/channels/{channelid}/videos/", status_code=204)
def replace_channel_videos(
    channelid: str, userid: Owner, session: DbSession, payload: VideoListDocument
) -> Response:
    _change_videos(session, userid, channelid, payload, service.replace_channel_videos)
    return Response(status_code=204)


@router.post("/{userid}/channels/{channelid}/videos/", status_code=204)
def append_channel_videos(
    channelid: str, userid: Owner, session: DbSession, payload: VideoListDocument
) -> Response:
    _change_videos(session, userid, channelid, payload, service.append_channel_videos)
    return Response(status_code=204)


@router.get("/{userid}/channels/{channelid}/subscribers/")
def get_channel_subscribers(
    userid: PathUser,  # noqa: ARG001  resolved for the path (404), the channel is all it needs
    channelid: VisibleChannel,
    session: DbSession,
    container: AppContainer,
    page: Paging,
) -> dict[str, Any]:
    start = page.start
    users, total = service.list_subscribers(session, channelid.id, start=start, size=page.size)
    items = [
        render.render_subscriber(container, user, start + index) for index, user in enumerate(users)
    ]
    return {"users": render.paged(items, total)}
