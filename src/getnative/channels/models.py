"""Rockpack curation: channels of video instances, cover art, subscriptions, views, reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from getnative.catalog.models import Video
from getnative.db import Base, UTCDateTime, utcnow


class CoverArt(Base):
    __tablename__ = "cover_art"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cover_ref: Mapped[str] = mapped_column(String(64), unique=True)
    image_key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str] = mapped_column(String(300))
    aoi: Mapped[list[float] | None] = mapped_column(JSON)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(200), default="")
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    cover_art_id: Mapped[int | None] = mapped_column(
        ForeignKey("cover_art.id", ondelete="SET NULL")
    )
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    ecommerce_url: Mapped[str] = mapped_column(String(500), default="")
    subscriber_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    cover_art: Mapped[CoverArt | None] = relationship()

    __table_args__ = (UniqueConstraint("owner_id", "title", name="uq_channels_owner_id_title"),)


class VideoInstance(Base):
    """A video placed in a channel at a position (Rockpack's "video instance")."""

    __tablename__ = "video_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    date_added: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    video: Mapped[Video] = relationship()

    __table_args__ = (
        Index("ix_video_instances_channel_position", "channel_id", "position"),
        Index("ix_video_instances_channel_date_added", "channel_id", "date_added"),
    )


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "channel_id", name="uq_subscriptions_user_id_channel_id"),
    )


class FeedEntry(Base):
    """One item of a user's subscription feed, precomputed (fan-out on write).

    A row exists exactly when the user subscribes to the instance's channel and may see that
    channel (public, or the user owns it); `restricted` says whether the instance's video is
    limited to some locales (has `video_locales` rows). Database triggers keep the table so
    (`getnative.channels.feed_index`, migration 0009): the application never writes it. The
    primary key is the feed's order within a user, so a page is a range of it and the bounded
    total an index-only count (`restricted` rides along in the PostgreSQL index; on SQLite the
    table is the key, WITHOUT ROWID). No foreign keys: a cascade would need an index per
    referenced column; the triggers delete by primary key instead.
    """

    __tablename__ = "feed_entries"

    user_id: Mapped[int] = mapped_column()
    date_added: Mapped[datetime] = mapped_column(UTCDateTime())
    instance_id: Mapped[int] = mapped_column()
    restricted: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        PrimaryKeyConstraint(
            "user_id", "date_added", "instance_id", postgresql_include=["restricted"]
        ),
        {"sqlite_with_rowid": False},
    )


class VideoView(Base):
    """A `view` activity; feeds `recently_viewed` and the video's view counter."""

    __tablename__ = "video_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    video_instance_id: Mapped[int] = mapped_column(
        ForeignKey("video_instances.id", ondelete="CASCADE")
    )
    locale: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_video_views_user_id_id", "user_id", "id"),)


class ContentReport(Base):
    __tablename__ = "content_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(35))
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
