"""Arrange Rockpack channels, instances and videos directly with the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from getnative.accounts.models import User
from getnative.api.rockpack import ids
from getnative.catalog.models import Video, VideoLocale
from getnative.channels.models import Channel, Subscription, VideoInstance
from getnative.db import Database
from getnative.likes.models import Like
from tests.factories import unique

BASE = "http://testserver"
T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def make_channel(db: Database, owner: User, *, public: bool = True, **fields: Any) -> Channel:
    fields.setdefault("title", unique("channel "))
    fields.setdefault("description", "About things")
    with db.session() as session:
        channel = Channel(owner_id=owner.id, public=public, **fields)
        session.add(channel)
        session.flush()
        return channel


def make_youtube_video(db: Database, *, locales: list[str] | None = None, **fields: Any) -> Video:
    source_id = fields.pop("source_id", unique("yt"))
    fields.setdefault("title", f"Video {source_id}")
    fields.setdefault("thumbnail_image_url", f"http://i.ytimg.com/vi/{source_id}/mqdefault.jpg")
    fields.setdefault("length", 62)
    with db.session() as session:
        video = Video(source="youtube", source_id=source_id, **fields)
        session.add(video)
        session.flush()
        for locale in locales or []:
            session.add(VideoLocale(video_id=video.id, locale=locale))
        return video


def make_instance(
    db: Database,
    channel: Channel,
    *,
    video: Video | None = None,
    minutes: int = 0,
    locales: list[str] | None = None,
) -> VideoInstance:
    """An instance added `minutes` after T0 (a fresh youtube video unless given)."""
    video = video or make_youtube_video(db, locales=locales)
    with db.session() as session:
        instance = VideoInstance(
            channel_id=channel.id, video_id=video.id, date_added=T0 + timedelta(minutes=minutes)
        )
        session.add(instance)
        session.flush()
        return instance


def set_public(db: Database, channel: Channel, public: bool) -> None:
    with db.session() as session:
        row = session.get(Channel, channel.id)
        assert row is not None
        row.public = public


def uid(user: User) -> str:
    return ids.encode(ids.USER, user.id)


def chid(channel: Channel) -> str:
    return ids.encode(ids.CHANNEL, channel.id)


def viid(instance: VideoInstance) -> str:
    return ids.encode(ids.VIDEO_INSTANCE, instance.id)


def channel_url(channel: Channel) -> str:
    return f"{BASE}/ws/{ids.encode(ids.USER, channel.owner_id)}/channels/{chid(channel)}/"


def subscriber_state(db: Database, channel: Channel) -> tuple[int, int]:
    """(subscriber_count, number of subscription rows) of the channel."""
    with db.session(write=False) as session:
        count = session.scalar(select(Channel.subscriber_count).where(Channel.id == channel.id))
        rows = session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.channel_id == channel.id)
        )
        return count or 0, rows or 0


def like_state(db: Database, video_id: int) -> tuple[int, int]:
    """(like_count, number of like rows) of the video."""
    with db.session(write=False) as session:
        count = session.scalar(select(Video.like_count).where(Video.id == video_id))
        rows = session.scalar(
            select(func.count()).select_from(Like).where(Like.video_id == video_id)
        )
        return count or 0, rows or 0
