"""Channel rules shared by the Rockpack routes: visibility first.

A private channel is visible to its owner only, and must never leak through any listing or feed;
every query that lists channels or their videos goes through `visible_channels_filter`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from getnative.accounts.models import USER_KIND_MEMBER, User
from getnative.catalog.models import Category, Video, VideoLocale
from getnative.catalog.service import CATALOG_SOURCE
from getnative.channels.models import Channel, CoverArt, Subscription, VideoInstance
from getnative.errors import (
    ChannelFormInvalid,
    InvalidInput,
    InvalidVideoRefs,
    NotFound,
    PermissionDenied,
)


def visible_channels_filter(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL condition: the channel is public, or the viewer owns it."""
    if viewer_id is None:
        return Channel.public.is_(True)
    return or_(Channel.public.is_(True), Channel.owner_id == viewer_id)


def video_visible_filter(viewer_id: int | None) -> ColumnElement[bool]:
    """SQL condition on `Video`: the viewer may see the video at all.

    Catalog videos are public. An external video (added to Rockpack channels) is visible only
    through a channel the viewer may see: one that exists only in private channels is its owner's
    business and must not show up, be liked or be reported by anyone else (`viewer_id=None` is
    a stranger, e.g. the likes API's IP users).
    """
    in_visible_channel = (
        select(VideoInstance.id)
        .join(Channel, VideoInstance.channel_id == Channel.id)
        .where(VideoInstance.video_id == Video.id, visible_channels_filter(viewer_id))
        .exists()
    )
    return or_(Video.source == CATALOG_SOURCE, in_visible_channel)


def require_visible_video(session: Session, video_id: int, viewer_id: int | None) -> None:
    """NotFound (`video_not_found`) unless the video exists and the viewer may see it."""
    query = select(Video.id).where(Video.id == video_id, video_visible_filter(viewer_id))
    if session.scalar(query) is None:
        raise NotFound("Video not found.", code="video_not_found")


def video_visible_in_locale(
    locale: str | None, video_id: ColumnElement[int] | InstrumentedAttribute[int] = Video.id
) -> ColumnElement[bool]:
    """SQL condition on a video id column: the video is not restricted to some locales, or is
    restricted to a set that includes `locale`. A request without a locale sees every video.

    Pass `VideoInstance.video_id` to filter instances without joining `videos` at all.
    """
    if not locale:
        return true()
    restricted = select(VideoLocale.video_id).where(VideoLocale.video_id == video_id).exists()
    allowed = (
        select(VideoLocale.video_id)
        .where(VideoLocale.video_id == video_id, VideoLocale.locale.in_(_locale_variants(locale)))
        .exists()
    )
    return or_(~restricted, allowed)


def _locale_variants(locale: str) -> list[str]:
    """`en-GB` is visible where `en-GB` or plain `en` is allowed (case-insensitive tags)."""
    normalized = locale.strip().lower()
    language = normalized.split("-")[0]
    return sorted({normalized, language})


def get_channel(session: Session, channel_id: int, *, owner_id: int | None = None) -> Channel:
    """The channel (of `owner_id`, when given) or NotFound."""
    channel = session.get(Channel, channel_id)
    if channel is None or (owner_id is not None and channel.owner_id != owner_id):
        raise NotFound("Channel not found.", code="channel_not_found")
    return channel


def get_visible_channel(
    session: Session, channel_id: int, *, owner_id: int | None, viewer_id: int | None
) -> Channel:
    """The channel if the viewer may see it; a private channel of someone else is a 403."""
    channel = get_channel(session, channel_id, owner_id=owner_id)
    if not channel.public and channel.owner_id != viewer_id:
        raise PermissionDenied("This channel is private.", code="channel_private")
    return channel


# --- users and channel listings -------------------------------------------------------------


def get_active_user(session: Session, user_id: int) -> User:
    """The member addressed by a path; deactivated accounts and IP identities do not exist here."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.kind != USER_KIND_MEMBER:
        raise NotFound("User not found.", code="user_not_found")
    return user


def list_user_channels(
    session: Session, owner_id: int, *, viewer_id: int | None, start: int = 0, size: int = 1000
) -> tuple[list[Channel], int]:
    """The owner's channels the viewer may see (oldest first) and how many there are."""
    condition = and_(Channel.owner_id == owner_id, visible_channels_filter(viewer_id))
    total = session.scalar(select(func.count()).select_from(Channel).where(condition)) or 0
    channels = session.scalars(
        select(Channel)
        .where(condition)
        .options(selectinload(Channel.cover_art))
        .order_by(Channel.id)
        .offset(start)
        .limit(size)
    )
    return list(channels), total


def list_channel_instances(
    session: Session, channel_id: int, *, locale: str | None, start: int, size: int
) -> tuple[list[VideoInstance], int]:
    """A page of the channel's video instances in channel order, leaving out videos not
    visible in `locale`, and the total of such instances."""
    condition = and_(VideoInstance.channel_id == channel_id, video_visible_in_locale(locale))
    base = select(VideoInstance).join(Video, VideoInstance.video_id == Video.id).where(condition)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    instances = session.scalars(
        base.options(selectinload(VideoInstance.video))
        .order_by(VideoInstance.position, VideoInstance.id)
        .offset(start)
        .limit(size)
    )
    return list(instances), total


def channel_instance_ids(session: Session, channel_id: int) -> list[int]:
    """Every instance of the channel, in channel order."""
    return list(
        session.scalars(
            select(VideoInstance.id)
            .where(VideoInstance.channel_id == channel_id)
            .order_by(VideoInstance.position, VideoInstance.id)
        )
    )


def list_subscribers(
    session: Session, channel_id: int, *, start: int, size: int
) -> tuple[list[User], int]:
    """Active subscribers of the channel, in the order they subscribed."""
    condition = and_(Subscription.channel_id == channel_id, User.is_active.is_(True))
    joined = select(User).join(Subscription, Subscription.user_id == User.id).where(condition)
    total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    users = session.scalars(joined.order_by(Subscription.id).offset(start).limit(size))
    return list(users), total


# --- creating and editing channels ----------------------------------------------------------

TITLE_MAX = 200
DESCRIPTION_MAX = 200
DUPLICATE_TITLE = "Duplicate title"


@dataclass(frozen=True)
class ChannelForm:
    """A parsed channel form (the dialect parses and words its errors); `title` None means
    "assign the default title", `keep_cover` leaves the channel's cover as it is."""

    title: str | None
    description: str
    category_id: int | None
    cover_art_id: int | None
    public: bool
    keep_cover: bool = False


def category_exists(session: Session, category_id: int) -> bool:
    return session.get(Category, category_id) is not None


def owned_cover_art_id(session: Session, owner_id: int, cover_ref: str) -> int | None:
    """The key of the owner's cover art `cover_ref`; None for anyone else's or none."""
    return session.scalar(
        select(CoverArt.id).where(CoverArt.cover_ref == cover_ref, CoverArt.owner_id == owner_id)
    )


def _title_taken(session: Session, owner_id: int, title: str, *, except_id: int | None) -> bool:
    query = select(Channel.id).where(Channel.owner_id == owner_id, Channel.title == title)
    if except_id is not None:
        query = query.where(Channel.id != except_id)
    return session.scalar(query.limit(1)) is not None


def _default_title(session: Session, owner_id: int) -> str:
    """`Untitled channel N`: the first N, counting from the number of channels, not taken."""
    count = session.scalar(select(func.count()).where(Channel.owner_id == owner_id)) or 0
    number = count + 1
    while _title_taken(session, owner_id, f"Untitled channel {number}", except_id=None):
        number += 1
    return f"Untitled channel {number}"


def _apply_form(session: Session, channel: Channel, form: ChannelForm) -> None:
    """Write the form into the channel (added to the session if new).

    The write happens inside a savepoint opened before any change, so that a duplicate title
    created concurrently (caught by the unique constraint) is the same form error and leaves
    the transaction usable.
    """
    title = form.title or _default_title(session, channel.owner_id)
    if _title_taken(session, channel.owner_id, title, except_id=channel.id):
        raise ChannelFormInvalid({"title": [DUPLICATE_TITLE]})
    try:
        with session.begin_nested():
            channel.title = title
            channel.description = form.description
            channel.category_id = form.category_id
            if not form.keep_cover:
                channel.cover_art_id = form.cover_art_id
            channel.public = form.public
            session.add(channel)
            session.flush()
    except IntegrityError as exc:
        raise ChannelFormInvalid({"title": [DUPLICATE_TITLE]}) from exc


def create_channel(session: Session, owner_id: int, form: ChannelForm) -> Channel:
    channel = Channel(owner_id=owner_id, title="", description="", public=True)
    _apply_form(session, channel, form)
    return channel


def update_channel(session: Session, channel: Channel, form: ChannelForm) -> Channel:
    _apply_form(session, channel, form)
    return channel


def set_channel_public(channel: Channel, value: bool) -> bool:
    channel.public = value
    return value


def delete_channel(session: Session, channel: Channel) -> None:
    """Its instances, subscriptions, views and notifications go with it (database cascades)."""
    session.delete(channel)
    session.flush()


def lock_channel(session: Session, channel_id: int, *, owner_id: int) -> Channel:
    """The owner's channel, row-locked for the rest of the transaction (PostgreSQL; SQLite
    writers are already serialised) so concurrent edits of its videos cannot interleave."""
    channel = session.scalar(
        select(Channel)
        .where(Channel.id == channel_id, Channel.owner_id == owner_id)
        .with_for_update()
    )
    if channel is None:
        raise NotFound("Channel not found.", code="channel_not_found")
    return channel


# --- the videos of a channel ----------------------------------------------------------------

MAX_VIDEO_ITEMS = 1000
YOUTUBE = "youtube"
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


@dataclass(frozen=True)
class InstanceRef:
    """An existing video instance (of this or any channel the editor can see)."""

    instance_id: int


@dataclass(frozen=True)
class SourceRef:
    """An external video by source and source id, e.g. `("youtube", "9bZkp7q19f0")`."""

    source: str
    source_id: str


VideoRef = InstanceRef | SourceRef


@dataclass(frozen=True)
class VideoMetadata:
    title: str
    thumbnail_url: str
    video_url: str
    source_username: str = ""
    duration: int = 0


class VideoMetadataSource(Protocol):
    """Looks up what an external video is called; a real one may call the source's API."""

    def lookup(self, source: str, source_id: str) -> VideoMetadata: ...


class DefaultVideoMetadata:
    """Metadata derivable from the id alone: no network call, so adding videos never waits
    on (or fails because of) YouTube."""

    def lookup(self, source: str, source_id: str) -> VideoMetadata:  # noqa: ARG002 (protocol)
        return VideoMetadata(
            title="",
            thumbnail_url=f"https://i.ytimg.com/vi/{source_id}/mqdefault.jpg",
            video_url=f"https://www.youtube.com/watch?v={source_id}",
        )


DEFAULT_METADATA: VideoMetadataSource = DefaultVideoMetadata()


def replace_channel_videos(
    session: Session,
    channel: Channel,
    refs: Sequence[VideoRef | None],
    *,
    metadata: VideoMetadataSource = DEFAULT_METADATA,
) -> None:
    """Make the channel contain exactly `refs`, in that order.

    Instances of this channel that are named are kept (with their views and stars); instances
    of other channels become new instances of the same video here; the rest are removed.
    Nothing changes unless every item is valid. Positions end up 0..n-1.
    """
    resolved = _resolve_refs(session, channel, refs, metadata)
    keep = {instance.id for instance in resolved if instance.id is not None}
    session.execute(
        delete(VideoInstance)
        .where(VideoInstance.channel_id == channel.id)
        .where(VideoInstance.id.not_in(keep) if keep else VideoInstance.id.is_not(None))
    )
    _place(session, channel, resolved, first_position=0)


def append_channel_videos(
    session: Session,
    channel: Channel,
    refs: Sequence[VideoRef | None],
    *,
    metadata: VideoMetadataSource = DEFAULT_METADATA,
) -> None:
    """Add `refs` after the channel's videos; those already in the channel stay where they are."""
    resolved = _resolve_refs(session, channel, refs, metadata)
    new = [instance for instance in resolved if instance.id is None]
    current = channel_instance_ids(session, channel.id)
    _renumber(session, current)
    _place(session, channel, new, first_position=len(current))


def _place(
    session: Session, channel: Channel, instances: list[VideoInstance], *, first_position: int
) -> None:
    for offset, instance in enumerate(instances):
        instance.position = first_position + offset
        instance.channel_id = channel.id
        session.add(instance)
    session.flush()


def _renumber(session: Session, instance_ids: list[int]) -> None:
    """Close any gaps left by other writers, keeping the order."""
    instances = {
        instance.id: instance
        for instance in session.scalars(
            select(VideoInstance).where(VideoInstance.id.in_(instance_ids))
        )
    }
    for position, instance_id in enumerate(instance_ids):
        instances[instance_id].position = position


def _resolve_refs(
    session: Session,
    channel: Channel,
    refs: Sequence[VideoRef | None],
    metadata: VideoMetadataSource,
) -> list[VideoInstance]:
    """One instance per distinct item (repeats are ignored): this channel's own instance, or a
    new unsaved one. Raises InvalidVideoRefs naming every bad item before anything changes."""
    if len(refs) > MAX_VIDEO_ITEMS:
        raise InvalidInput(f"At most {MAX_VIDEO_ITEMS} videos per request.", code="too_many_videos")
    sources = _visible_instances(session, channel.owner_id, refs)
    bad = [
        position
        for position, ref in enumerate(refs)
        if ref is None
        or (isinstance(ref, InstanceRef) and ref.instance_id not in sources)
        or (isinstance(ref, SourceRef) and not _valid_source_ref(ref))
    ]
    if bad:
        raise InvalidVideoRefs(bad)
    resolved: list[VideoInstance] = []
    seen: set[VideoRef] = set()
    for ref in refs:
        assert ref is not None
        if ref in seen:
            continue
        seen.add(ref)
        if isinstance(ref, InstanceRef):
            source = sources[ref.instance_id]
            if source.channel_id == channel.id:
                resolved.append(source)
                continue
            resolved.append(VideoInstance(video_id=source.video_id))
        else:
            video = external_video(session, ref, metadata)
            resolved.append(VideoInstance(video_id=video.id))
    return resolved


def _visible_instances(
    session: Session, editor_id: int, refs: Sequence[VideoRef | None]
) -> dict[int, VideoInstance]:
    """The named instances that exist in channels the editor can see."""
    wanted = {ref.instance_id for ref in refs if isinstance(ref, InstanceRef)}
    if not wanted:
        return {}
    found = session.scalars(
        select(VideoInstance)
        .join(Channel, VideoInstance.channel_id == Channel.id)
        .where(VideoInstance.id.in_(wanted), visible_channels_filter(editor_id))
    )
    return {instance.id: instance for instance in found}


def _valid_source_ref(ref: SourceRef) -> bool:
    return ref.source == YOUTUBE and _YOUTUBE_ID.fullmatch(ref.source_id) is not None


def external_video(session: Session, ref: SourceRef, metadata: VideoMetadataSource) -> Video:
    """The video with this source and source id, created on first use.

    Two editors adding the same new video at once meet at the unique constraint; the loser
    reads the winner's row.
    """
    query = select(Video).where(Video.source == ref.source, Video.source_id == ref.source_id)
    video = session.scalar(query)
    if video is not None:
        return video
    info = metadata.lookup(ref.source, ref.source_id)
    video = Video(
        source=ref.source,
        source_id=ref.source_id,
        source_username=info.source_username or None,
        title=info.title,
        length=info.duration,
        video_url=info.video_url,
        thumbnail_image_url=info.thumbnail_url,
    )
    try:
        with session.begin_nested():
            session.add(video)
            session.flush()
    except IntegrityError:
        existing = session.scalar(query)
        if existing is None:
            raise
        return existing
    return video
