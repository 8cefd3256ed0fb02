"""Channel rules shared by the Rockpack routes: visibility first.

A private channel is visible to its owner only, and must never leak through any listing or feed;
every query that lists channels or their videos goes through `visible_channels_filter`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from getnative.catalog.models import Video, VideoLocale
from getnative.channels.models import Channel
from getnative.errors import NotFound, PermissionDenied


def visible_channels_filter(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL condition: the channel is public, or the viewer owns it."""
    if viewer_id is None:
        return Channel.public.is_(True)
    return or_(Channel.public.is_(True), Channel.owner_id == viewer_id)


def video_visible_in_locale(locale: str | None) -> ColumnElement[bool]:
    """SQL condition on `Video`: not restricted, or restricted to a set that includes `locale`.

    A request without a locale sees every video.
    """
    restricted = select(VideoLocale.video_id).where(VideoLocale.video_id == Video.id).exists()
    if not locale:
        return Video.id.is_not(None)
    allowed = (
        select(VideoLocale.video_id)
        .where(VideoLocale.video_id == Video.id, VideoLocale.locale.in_(_locale_variants(locale)))
        .exists()
    )
    return or_(~restricted, allowed)


def _locale_variants(locale: str) -> list[str]:
    """`en-GB` is visible where `en-GB` or plain `en` is allowed (case-insensitive tags)."""
    normalized = locale.strip().lower()
    language = normalized.split("-")[0]
    return sorted({normalized, language})


def get_channel(
    session: Session, channel_id: int | None, *, owner_id: int | None = None
) -> Channel:
    """The channel (of `owner_id`, when given) or NotFound."""
    channel = session.get(Channel, channel_id) if channel_id is not None else None
    if channel is None or (owner_id is not None and channel.owner_id != owner_id):
        raise NotFound("Channel not found.", code="channel_not_found")
    return channel


def get_visible_channel(
    session: Session, channel_id: int | None, *, owner_id: int | None, viewer_id: int | None
) -> Channel:
    """The channel if the viewer may see it; a private channel of someone else is a 403."""
    channel = get_channel(session, channel_id, owner_id=owner_id)
    if not channel.public and channel.owner_id != viewer_id:
        raise PermissionDenied("This channel is private.", code="channel_private")
    return channel
