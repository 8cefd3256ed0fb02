"""Rendering records as Rockpack JSON: absolute resource URLs, opaque ids, ISO dates.

Shared by every Rockpack route so that a channel, an owner or a video instance looks the same
in the user view, channel view, subscriptions list and feed. They read ORM records or, on the
feed, the plain records its one Core statement gives (`social_service.Feed*`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson

from getnative.accounts.models import User
from getnative.api.rockpack import ids
from getnative.catalog.models import Video
from getnative.channels.models import Channel, CoverArt, VideoInstance
from getnative.channels.social_service import (
    FeedChannel,
    FeedCover,
    FeedInstance,
    FeedItem,
    FeedOwner,
    FeedVideo,
)
from getnative.config import public_url_of
from getnative.web.container import Container

DEFAULT_AOI = [0.0, 0.0, 1.0, 1.0]


def iso(value: datetime) -> str:
    """`2013-02-20T22:57:08.197668+00:00`."""
    return value.isoformat()


def user_url(container: Container, user_id: int) -> str:
    return _user_url(container.settings.public_base_url, user_id)


def channel_url(container: Container, owner_id: int, channel_id: int) -> str:
    return _channel_url(container.settings.public_base_url, owner_id, channel_id)


# A list renders the URLs of the same owners and channels on every request (the feed: two
# encoded ids and a join per item, 10 % of its Python time): they depend on the ids and the
# base URL alone, so each worker keeps the recent ones (a few MB at most).
URL_CACHE_SIZE = 8192


@lru_cache(maxsize=URL_CACHE_SIZE)
def _user_url(base_url: str, user_id: int) -> str:
    return public_url_of(base_url, f"/ws/{ids.encode(ids.USER, user_id)}/")


@lru_cache(maxsize=URL_CACHE_SIZE)
def _channel_url(base_url: str, owner_id: int, channel_id: int) -> str:
    owner = ids.encode(ids.USER, owner_id)
    return public_url_of(base_url, f"/ws/{owner}/channels/{ids.encode(ids.CHANNEL, channel_id)}/")


def display_name(user: User | FeedOwner) -> str:
    full = " ".join(part for part in (user.first_name, user.last_name) if part)
    return full or user.username or user.name or ""


def avatar_url(user: User | FeedOwner) -> str:
    return user.picture_url or ""


def render_owner(container: Container, user: User | FeedOwner) -> dict[str, Any]:
    return _owner(container.settings.public_base_url, user)


def _owner(base_url: str, user: User | FeedOwner) -> dict[str, Any]:
    return {
        "id": ids.encode(ids.USER, user.id),
        "resource_url": _user_url(base_url, user.id),
        "display_name": display_name(user),
        "avatar_thumbnail_url": avatar_url(user),
    }


def render_cover(container: Container, cover: CoverArt | FeedCover | None) -> dict[str, Any]:
    return _cover(cover_url(container, cover), cover)


def cover_url(container: Container, cover: CoverArt | FeedCover | None) -> str | None:
    """The cover's thumbnail URL (None without a cover)."""
    return None if cover is None else container.media.url(cover.thumbnail_key)


def _cover(thumbnail_url: str | None, cover: CoverArt | FeedCover | None) -> dict[str, Any]:
    if cover is None or thumbnail_url is None:
        return {"thumbnail_url": "", "aoi": DEFAULT_AOI}
    return {"thumbnail_url": thumbnail_url, "aoi": cover.aoi or DEFAULT_AOI}


def render_channel_brief(container: Container, channel: Channel | FeedChannel) -> dict[str, Any]:
    """The channel object of lists (user view, subscriptions, feed)."""
    return _channel_brief(
        container.settings.public_base_url, cover_url(container, channel.cover_art), channel
    )


def _channel_brief(
    base_url: str, thumbnail_url: str | None, channel: Channel | FeedChannel
) -> dict[str, Any]:
    """`render_channel_brief` from the values it depends on."""
    return {
        "id": ids.encode(ids.CHANNEL, channel.id),
        "resource_url": _channel_url(base_url, channel.owner_id, channel.id),
        "title": channel.title,
        "description": channel.description,
        "category": channel.category_id if channel.category_id is not None else "",
        "public": channel.public,
        "subscriber_count": channel.subscriber_count,
        "cover": _cover(thumbnail_url, channel.cover_art),
    }


def render_video(video: Video | FeedVideo) -> dict[str, Any]:
    return {
        "id": ids.encode(ids.VIDEO, video.id),
        "source": video.source,
        "source_id": video.source_id or str(video.id),
        "source_username": video.source_username or "",
        "duration": video.length,
        "thumbnail_url": video.thumbnail_image_url,
        "view_count": video.view_count,
        "star_count": video.like_count,
    }


def render_video_instance(instance: VideoInstance | FeedInstance, position: int) -> dict[str, Any]:
    video = instance.video
    return {
        "position": position,
        "id": ids.encode(ids.VIDEO_INSTANCE, instance.id),
        "title": video.title or video.description[:100],
        "date_added": iso(instance.date_added),
        "video": render_video(video),
    }


def render_channel_with_owner(
    container: Container, channel: Channel | FeedChannel, owner: User | FeedOwner
) -> dict[str, Any]:
    return _channel_with_owner(
        container.settings.public_base_url, cover_url(container, channel.cover_art), channel, owner
    )


def _channel_with_owner(
    base_url: str,
    thumbnail_url: str | None,
    channel: Channel | FeedChannel,
    owner: User | FeedOwner,
) -> dict[str, Any]:
    """`render_channel_with_owner` from the values it depends on (`_feed_item_members`
    memoises it)."""
    return {**_channel_brief(base_url, thumbnail_url, channel), "owner": _owner(base_url, owner)}


def render_feed(
    container: Container,
    rows: Sequence[tuple[VideoInstance, Channel] | tuple[FeedInstance, FeedChannel]],
    owners: Mapping[int, User] | Mapping[int, FeedOwner],
    start: int,
) -> list[dict[str, Any]]:
    """Video instances with their channel and its owner: the subscription feed and the public
    recent videos list show the same items, so a client renders both with one code path."""
    return [
        {
            **render_video_instance(instance, start + index),
            "channel": render_channel_with_owner(container, channel, owners[channel.owner_id]),
        }
        for index, (instance, channel) in enumerate(rows)
    ]


# A feed page is the same 20 items for every request of a user until the feed or one of its
# items changes: each worker keeps the JSON of the recent items, keyed by every value they are
# made of (the record, with its like and view counts), so a changed video, channel, owner or
# cover is a new key and nothing is ever stale. About 1.5 KB each.
FEED_ITEM_CACHE_SIZE = 4096


@lru_cache(maxsize=FEED_ITEM_CACHE_SIZE)
def _feed_item_members(base_url: str, thumbnail_url: str | None, item: FeedItem) -> bytes:
    """A feed item's JSON object (`render_feed`'s) without its position, as the members after
    it: `"id":...,"channel":{...}`. The position is the item's place in the page, not in the
    record, so it is the one member written per request (`render_feed_items`)."""
    body = orjson.dumps(
        {
            **render_video_instance(item.instance, 0),
            "channel": _channel_with_owner(base_url, thumbnail_url, item.channel, item.owner),
        }
    )
    head = b'{"position":0,'
    assert body.startswith(head)  # the position is the first member
    return body[len(head) :]


def render_feed_items(
    container: Container, items: Sequence[FeedItem], start: int
) -> list[orjson.Fragment]:
    """`render_feed` of the subscription feed's records, serialised: each item's JSON is
    memoised (`_feed_item_members`), so a page of known items costs a lookup per item instead
    of building and serialising 20 nested objects (two thirds of the feed's rendering)."""
    base_url = container.settings.public_base_url
    return [
        orjson.Fragment(
            b'{"position":%d,%b'
            % (
                start + index,
                _feed_item_members(base_url, cover_url(container, item.channel.cover_art), item),
            )
        )
        for index, item in enumerate(items)
    ]


def paged(items: Sequence[object], total: int) -> dict[str, Any]:
    return {"total": total, "items": items}


def user_resource_url(container: Container, user_id: int, resource: str) -> str:
    """`/ws/USERID/<resource>/`, absolute."""
    return container.settings.public_url(f"/ws/{ids.encode(ids.USER, user_id)}/{resource}/")


def render_user(
    container: Container,
    user: User,
    channels: list[Channel],
    total_channels: int,
    *,
    unread_notifications: int | None = None,
) -> dict[str, Any]:
    """The user view; with `unread_notifications` given, the owner's own view (private fields
    and the resource links of the owner's services)."""
    body: dict[str, Any] = {
        "id": ids.encode(ids.USER, user.id),
        "username": user.username or "",
        "display_name": display_name(user),
        "gender": user.gender,
        "avatar_thumbnail_url": avatar_url(user),
        "channels": paged(
            [render_channel_brief(container, channel) for channel in channels], total_channels
        ),
    }
    if unread_notifications is None:
        return body

    def link(resource: str) -> str:
        return user_resource_url(container, user.id, resource)

    body.update(
        {
            "first_name": user.first_name or "",
            "last_name": user.last_name or "",
            "email": user.email or "",
            "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else None,
            "subscriptions": {"resource_url": link("subscriptions")},
            "activity": {"resource_url": link("activity")},
            "notifications": {
                "unread_count": unread_notifications,
                "resource_url": link("notifications"),
            },
            "cover_art": {"resource_url": link("cover_art")},
        }
    )
    body["channels"]["resource_url"] = link("channels")
    return body


def render_channel(
    container: Container,
    channel: Channel,
    owner: User,
    instances: list[VideoInstance],
    total_videos: int,
    *,
    start: int = 0,
) -> dict[str, Any]:
    """The full channel object: metadata, owner and a page of video instances."""
    return {
        **render_channel_brief(container, channel),
        "ecommerce_url": channel.ecommerce_url,
        "owner": render_owner(container, owner),
        "videos": paged(
            [
                render_video_instance(instance, start + index)
                for index, instance in enumerate(instances)
            ],
            total_videos,
        ),
    }


def render_subscriber(container: Container, user: User, position: int) -> dict[str, Any]:
    return {**render_owner(container, user), "position": position}


def render_cover_art(container: Container, cover: CoverArt, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "id": ids.encode(ids.COVER_ART, cover.id),
        "cover_ref": cover.cover_ref,
        "resource_url": container.media.url(cover.image_key),
        "thumbnail_url": container.media.url(cover.thumbnail_key),
        "aoi": cover.aoi or DEFAULT_AOI,
    }
