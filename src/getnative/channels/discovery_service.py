"""Public discovery listings: popular channels and the newest videos of public channels.

Only public channels of active members are ever listed, whoever asks: these lists are the same
for every client (and cacheable), so even an owner does not see their private channels here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from getnative.accounts.models import USER_KIND_MEMBER, User
from getnative.catalog.models import Video
from getnative.channels.models import Channel, VideoInstance
from getnative.channels.service import video_visible_in_locale

# The newest-videos list is the newest this many instances: `total` counts at most this many,
# so a request reads a bounded number of rows however large the catalogue grows (as the feed).
VIDEOS_DEPTH = 1000


def _listed_channel() -> ColumnElement[bool]:
    """SQL condition: a public channel whose owner is an active member."""
    owner_active = (
        select(User.id)
        .where(User.id == Channel.owner_id, User.is_active.is_(True))
        .where(User.kind == USER_KIND_MEMBER)
        .exists()
    )
    return and_(Channel.public.is_(True), owner_active)


def popular_channels(session: Session, *, start: int, size: int) -> tuple[list[Channel], int]:
    """A page of listed channels, most subscribers first (older first among equals)."""
    total = session.scalar(select(func.count()).select_from(Channel).where(_listed_channel()))
    channels = session.scalars(
        select(Channel)
        .where(_listed_channel())
        .options(selectinload(Channel.cover_art))
        .order_by(Channel.subscriber_count.desc(), Channel.id)
        .offset(start)
        .limit(size)
    )
    return list(channels), total or 0


def _videos_query(locale: str | None) -> Select[VideoInstance, Channel]:
    return (
        select(VideoInstance, Channel)
        .join(Channel, Channel.id == VideoInstance.channel_id)
        .join(Video, Video.id == VideoInstance.video_id)
        .where(_listed_channel(), video_visible_in_locale(locale))
    )


def recent_public_videos(
    session: Session, *, locale: str | None, start: int, size: int
) -> tuple[list[tuple[VideoInstance, Channel]], int]:
    """A page of the newest instances (date_added desc, id desc) of listed channels whose video
    is visible in `locale`, with their channels; `total` counts at most VIDEOS_DEPTH."""
    size = max(0, min(size, VIDEOS_DEPTH - start))
    rows: list[tuple[VideoInstance, Channel]] = []
    if size:
        page = (
            _videos_query(locale)
            .options(selectinload(VideoInstance.video), selectinload(Channel.cover_art))
            .order_by(VideoInstance.date_added.desc(), VideoInstance.id.desc())
            .offset(start)
            .limit(size)
        )
        rows = [(row[0], row[1]) for row in session.execute(page)]
    bounded = _videos_query(locale).with_only_columns(VideoInstance.id).limit(VIDEOS_DEPTH)
    total = session.scalar(select(func.count()).select_from(bounded.subquery()))
    return rows, total or 0
