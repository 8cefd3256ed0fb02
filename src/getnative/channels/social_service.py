"""The social side of channels: subscriptions, the subscription feed, stars, views, reports.

Counters follow the like pattern (`getnative.likes.service`): a row changes with one statement
whose result says whether it really changed (insert ... on conflict do nothing returning, delete
... returning), and only then does the counter move, atomically (`count = count ± 1`) in the same
transaction. Two racing subscribe calls both run, but only the one that inserted the row moves
`channels.subscriber_count`, so the counter always equals the number of subscription rows.

Visibility follows `channels.service`: a private channel, its instances and its videos exist only
for its owner; every lookup and listing here applies `visible_channels_filter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    delete,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, selectinload

from getnative.accounts.models import User
from getnative.accounts.revocation import token_is_current, token_revoked
from getnative.catalog.models import Video, VideoLocale
from getnative.channels.models import (
    Channel,
    ContentReport,
    CoverArt,
    FeedEntry,
    Subscription,
    VideoInstance,
    VideoView,
)
from getnative.channels.service import (
    locale_variants,
    video_visible_filter,
    video_visible_in_locale,
    visible_channels_filter,
)
from getnative.db import (
    Database,
    ReadStatement,
    conflict_tolerant_insert,
    floored_at_zero,
    utcnow,
)
from getnative.errors import InvalidInput, NotFound
from getnative.likes import service as likes
from getnative.likes.models import Like
from getnative.notifications import service as notifications
from getnative.notifications.models import KIND_STARRED, KIND_SUBSCRIBED, Notification

RECENT_VIEWS_LIMIT = 100
RECENT_STARS_LIMIT = 100
SUBSCRIBED_IDS_LIMIT = 1000
# Views are scanned newest first through the (user_id, id) index; this many rows are enough to
# find the last RECENT_VIEWS_LIMIT distinct instances for any realistic user, and bound the work.
RECENT_VIEWS_SCAN = 1000
# The feed is the newest this many instances (and `total` counts at most this many): counting and
# paging through every video of 500 busy channels on every load would cost more than it serves.
FEED_DEPTH = 1000
SOCIAL_NOTIFICATION_KINDS = (KIND_STARRED, KIND_SUBSCRIBED)
REPORT_OBJECT_TYPES = ("channel", "video", "user")
MAX_REPORT_REASON = 256


# --- shared helpers ---------------------------------------------------------------------------


def _move_subscriber_count(session: Session, channel_id: int, delta: int) -> None:
    """Atomic `subscriber_count + delta`; `updated_at` is kept: a subscriber is not an edit."""
    new_value: ColumnElement[int] = Channel.subscriber_count + delta
    if delta < 0:
        new_value = floored_at_zero(session, new_value)
    session.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(subscriber_count=new_value, updated_at=Channel.updated_at)
    )


def get_visible_instance(
    session: Session, instance_id: int | None, *, viewer_id: int | None
) -> VideoInstance:
    """The instance, if its channel is visible to the viewer; NotFound otherwise (no leak)."""
    instance = None
    if instance_id is not None:
        instance = session.scalar(
            select(VideoInstance)
            .join(Channel, Channel.id == VideoInstance.channel_id)
            .where(VideoInstance.id == instance_id, visible_channels_filter(viewer_id))
        )
    if instance is None:
        raise NotFound("Video instance not found.", code="video_instance_not_found")
    return instance


def _visible_channel_or_none(
    session: Session, channel_id: int | None, viewer_id: int | None
) -> Channel | None:
    if channel_id is None:
        return None
    return session.scalar(
        select(Channel).where(Channel.id == channel_id, visible_channels_filter(viewer_id))
    )


def users_by_id(session: Session, user_ids: set[int]) -> dict[int, User]:
    """Users for rendering (owners, actors), in one query."""
    if not user_ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}


# --- activity: star and view ------------------------------------------------------------------


def star(session: Session, *, user_id: int, instance_id: int | None) -> bool:
    """Star = the shared like of the instance's video (idempotent).

    The channel owner is notified only when the like is new, so repeating a star never spams.
    Returns True when a like was recorded.
    """
    instance = get_visible_instance(session, instance_id, viewer_id=user_id)
    created = likes.like(session, video_id=instance.video_id, user_id=user_id)
    if created:
        owner_id = session.scalar(select(Channel.owner_id).where(Channel.id == instance.channel_id))
        if owner_id is not None:
            notifications.notify_starred(
                session,
                owner_id=owner_id,
                actor_id=user_id,
                channel_id=instance.channel_id,
                video_instance_id=instance.id,
            )
    return created


def view(session: Session, *, user_id: int, instance_id: int | None, locale: str | None) -> None:
    """Record a view: a `VideoView` row and an atomic `view_count + 1` on the video."""
    instance = get_visible_instance(session, instance_id, viewer_id=user_id)
    session.add(
        VideoView(
            user_id=user_id, video_instance_id=instance.id, locale=locale, created_at=utcnow()
        )
    )
    session.execute(
        update(Video).where(Video.id == instance.video_id).values(view_count=Video.view_count + 1)
    )
    session.flush()


@dataclass(frozen=True)
class RecentActivity:
    viewed_instance_ids: list[int]
    starred_video_ids: list[int]
    subscribed_channel_ids: list[int]


def recent_activity(session: Session, user_id: int) -> RecentActivity:
    """What the user recently viewed, starred and is subscribed to, newest first, bounded.

    Views and subscriptions of channels the user can no longer see are left out.
    """
    viewed_rows = session.scalars(
        select(VideoView.video_instance_id)
        .join(VideoInstance, VideoInstance.id == VideoView.video_instance_id)
        .join(Channel, Channel.id == VideoInstance.channel_id)
        .where(VideoView.user_id == user_id, visible_channels_filter(user_id))
        .order_by(VideoView.id.desc())
        .limit(RECENT_VIEWS_SCAN)
    )
    viewed = list(dict.fromkeys(viewed_rows))[:RECENT_VIEWS_LIMIT]
    starred = list(
        session.scalars(
            select(Like.video_id)
            .where(Like.user_id == user_id, Like.is_like.is_(True))
            .order_by(Like.id.desc())
            .limit(RECENT_STARS_LIMIT)
        )
    )
    subscribed = list(
        session.scalars(
            select(Subscription.channel_id)
            .join(Channel, Channel.id == Subscription.channel_id)
            .where(Subscription.user_id == user_id, visible_channels_filter(user_id))
            .order_by(Subscription.id.desc())
            .limit(SUBSCRIBED_IDS_LIMIT)
        )
    )
    return RecentActivity(viewed, starred, subscribed)


# --- subscriptions ----------------------------------------------------------------------------


def subscribe(
    session: Session, *, user_id: int, channel_id: int, owner_id: int | None = None
) -> tuple[Subscription, bool]:
    """Subscribe to a channel the user can see; returns (subscription, created).

    `owner_id`, when given (it is part of a channel URL), must be the channel's owner.
    Subscribing twice returns the existing subscription. The owner is notified only when the
    subscription is new. A private channel of someone else is as unknown as a missing one.
    """
    channel = _visible_channel_or_none(session, channel_id, user_id)
    if channel is None or (owner_id is not None and channel.owner_id != owner_id):
        raise InvalidInput("Invalid channel url", code="invalid_channel_url", field="channel")
    for _attempt in range(3):
        statement = (
            conflict_tolerant_insert(session, Subscription)
            .values(user_id=user_id, channel_id=channel.id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id", "channel_id"])
            .returning(Subscription.id)
        )
        new_id = session.execute(statement).scalar()
        if new_id is not None:
            _move_subscriber_count(session, channel.id, +1)
            notifications.notify_subscribed(
                session, owner_id=channel.owner_id, actor_id=user_id, channel_id=channel.id
            )
            session.flush()
            return _subscription(session, new_id), True
        existing = session.scalar(
            select(Subscription).where(
                Subscription.user_id == user_id, Subscription.channel_id == channel.id
            )
        )
        if existing is not None:
            return existing, False
        # The conflicting row was deleted by a concurrent unsubscribe between the two statements.
    raise InvalidInput("Invalid channel url", code="invalid_channel_url", field="channel")


def _subscription(session: Session, subscription_id: int) -> Subscription:
    subscription = session.get(Subscription, subscription_id)
    assert subscription is not None  # just inserted in this transaction
    return subscription


def unsubscribe(session: Session, *, user_id: int, subscription_id: int | None) -> None:
    """Delete one of the user's subscriptions; another user's is as unknown as a missing one."""
    if subscription_id is None:
        raise NotFound("Subscription not found.", code="subscription_not_found")
    _delete_subscription(session, user_id, Subscription.id == subscription_id)


def unsubscribe_from_channel(session: Session, *, user_id: int, channel_id: int) -> None:
    """Delete the user's subscription to a channel (the iOS app names the channel, not the
    subscription); not subscribed is NotFound, as an unknown subscription is."""
    _delete_subscription(session, user_id, Subscription.channel_id == channel_id)


def _delete_subscription(session: Session, user_id: int, which: ColumnElement[bool]) -> None:
    channel_id = session.execute(
        delete(Subscription)
        .where(which, Subscription.user_id == user_id)
        .returning(Subscription.channel_id)
    ).scalar()
    if channel_id is None:
        raise NotFound("Subscription not found.", code="subscription_not_found")
    _move_subscriber_count(session, channel_id, -1)


def leave_all_channels(session: Session, user_id: int) -> int:
    """Delete every subscription of the user (account deactivation); returns how many.

    Counters move by the rows this statement really deleted, so a concurrent unsubscribe of the
    same user can never make a channel's count drift.
    """
    channel_ids = session.scalars(
        delete(Subscription)
        .where(Subscription.user_id == user_id)
        .returning(Subscription.channel_id)
    ).all()
    for channel_id in sorted(channel_ids):  # a stable lock order against concurrent deactivations
        _move_subscriber_count(session, channel_id, -1)
    return len(channel_ids)


def _visible_subscriptions(user_id: int) -> Select[Subscription, Channel]:
    return (
        select(Subscription, Channel)
        .join(Channel, Channel.id == Subscription.channel_id)
        .where(Subscription.user_id == user_id, visible_channels_filter(user_id))
    )


def list_subscriptions(
    session: Session, *, user_id: int, start: int, size: int
) -> tuple[list[tuple[Subscription, Channel]], int]:
    """The user's subscriptions to channels still visible to them, newest first; and the total."""
    query = (
        _visible_subscriptions(user_id)
        .options(selectinload(Channel.cover_art))
        .order_by(Subscription.id.desc())
        .offset(start)
        .limit(size)
    )
    rows = [(row[0], row[1]) for row in session.execute(query)]
    total = session.scalar(
        select(func.count()).select_from(_visible_subscriptions(user_id).subquery())
    )
    return rows, total or 0


# --- the subscription feed --------------------------------------------------------------------


def _feed_query(user_id: int, locale: str | None) -> Select[VideoInstance, Channel]:
    """Instances of the user's subscribed, visible channels whose video is visible in `locale`:
    the feed's definition from base tables, which `FeedEntry` precomputes (the tests compare
    the two after every kind of write)."""
    return _feed_select(user_id, video_visible_in_locale(locale, VideoInstance.video_id))


def _feed_select(
    user_id: int | ColumnElement[int], locale_rule: ColumnElement[bool]
) -> Select[VideoInstance, Channel]:
    """`_feed_query` with the locale rule given. A subscription is unique per (user, channel),
    so the join never repeats an instance."""
    return (
        select(VideoInstance, Channel)
        .join(Subscription, Subscription.channel_id == VideoInstance.channel_id)
        .join(Channel, Channel.id == VideoInstance.channel_id)
        .where(
            Subscription.user_id == user_id,
            visible_channels_filter(user_id),
            locale_rule,
        )
    )


class FeedCover(NamedTuple):
    thumbnail_key: str
    aoi: tuple[float, ...] | None
    """A tuple, not the column's list: feed records are hashable, so a renderer can memoise
    what it makes of them (`api.rockpack.render._feed_item_members`)."""


class FeedVideo(NamedTuple):
    id: int
    source: str
    source_id: str | None
    source_username: str | None
    length: int
    thumbnail_image_url: str
    view_count: int
    like_count: int
    title: str
    description: str


class FeedInstance(NamedTuple):
    id: int
    date_added: datetime
    video: FeedVideo


class FeedChannel(NamedTuple):
    id: int
    owner_id: int
    title: str
    description: str
    category_id: int | None
    public: bool
    subscriber_count: int
    cover_art: FeedCover | None


class FeedOwner(NamedTuple):
    id: int
    username: str | None
    name: str | None
    first_name: str | None
    last_name: str | None
    picture_url: str | None


class FeedItem(NamedTuple):
    """One feed entry as plain values (no ORM objects), with the attribute names of the models:
    what the Rockpack renderer reads. Tuples made from slices of the statement's row
    (`_feed_item`): building records field by field cost more than the rendering."""

    instance: FeedInstance
    channel: FeedChannel
    owner: FeedOwner


# The statement's columns, in order (rows are read by position): the page's head (the bounded
# total and the token check), the instance, then the fields of each part.
_HEAD = ("total", "token_ok", "i_id", "i_date_added")
_TOTAL, _TOKEN_OK, _INSTANCE_ID, _DATE_ADDED = range(len(_HEAD))
_VIDEO_FIELDS = FeedVideo._fields
_CHANNEL_FIELDS = FeedChannel._fields[:-1]  # `cover_art` is the cover's own columns
_OWNER_FIELDS = FeedOwner._fields
_VIDEO_AT = len(_HEAD)
_CHANNEL_AT = _VIDEO_AT + len(_VIDEO_FIELDS)
_OWNER_AT = _CHANNEL_AT + len(_CHANNEL_FIELDS)
_COVER_AT = _OWNER_AT + len(_OWNER_FIELDS)


def _feed_columns() -> list[ColumnElement[Any]]:
    """The parts' columns after the head, in the order `_feed_item` slices them. The cover's
    `aoi` comes as JSON text on both databases (`_feed_item` parses it): the raw driver has
    no JSON codec, and handed it back as a string that was rendered as one."""
    parts = ((_VIDEO_FIELDS, Video), (_CHANNEL_FIELDS, Channel), (_OWNER_FIELDS, User))
    columns: list[ColumnElement[Any]] = [
        getattr(model, name) for names, model in parts for name in names
    ]
    return [*columns, CoverArt.thumbnail_key.expression, cast(CoverArt.aoi, Text)]


def _feed_item(row: Sequence[Any]) -> FeedItem:
    cover = None
    if row[_COVER_AT] is not None:
        aoi = row[_COVER_AT + 1]
        cover = FeedCover(row[_COVER_AT], None if aoi is None else tuple(orjson.loads(aoi)))
    return FeedItem(
        FeedInstance(
            row[_INSTANCE_ID], row[_DATE_ADDED], FeedVideo._make(row[_VIDEO_AT:_CHANNEL_AT])
        ),
        FeedChannel._make((*row[_CHANNEL_AT:_OWNER_AT], cover)),
        FeedOwner._make(row[_OWNER_AT:_COVER_AT]),
    )


_LOCALE_SLOTS = ("locale_a", "locale_b")
"""`locale_variants` gives one or two tags; the statement binds two (the one repeated), so it
stays one prepared statement with no expanding list (`db.ReadStatement`)."""


def _feed_locale_rule(locales: list[BindParameter[Any]]) -> ColumnElement[bool]:
    """`channels.service.video_visible_in_variants` on a feed row: its video is restricted to no
    locale (the row's `restricted`, kept by the triggers), or to one of `locales`. Only the
    restricted rows look at `video_locales`."""
    allowed = (
        select(VideoLocale.video_id)
        .join(VideoInstance, VideoInstance.video_id == VideoLocale.video_id)
        .where(VideoInstance.id == FeedEntry.instance_id, VideoLocale.locale.in_(locales))
        .exists()
    )
    return or_(FeedEntry.restricted.is_(False), allowed)


@lru_cache(maxsize=2)
def _feed_statement(with_locale: bool) -> Select[Any]:
    """The page, the feed's bounded total and the token check in one statement, built once
    per shape (building it cost more Python than running it); parameters `user_id`,
    `token_version`, `locale_a` and `locale_b` (with a locale: `feed_values`), `depth`,
    `start`, `size`.

    The head row holds the total (the user's newest `depth` rows of `feed_entries` counted, a
    backward range of its primary key, index-only on PostgreSQL) and `token_ok`
    (`accounts.revocation.token_is_current`: the token's user is active and the token not
    revoked, so the route needs no statement of its own for it). The page is the same range
    read from `start`, joined to its instance, video, channel, cover and owner. The head is
    the driving row, so a page beyond the end still answers one row (with the total, the
    token check and no item).

    The range is read twice (counted, then paged) rather than gathered once in a CTE: on
    PostgreSQL the CTE was materialised and sorted again for the page, and the statement
    took a third longer (bench/RESULTS.md, feed5).
    """
    user_id = bindparam("user_id", type_=BigInteger)
    slots = [bindparam(name, type_=String) for name in _LOCALE_SLOTS]
    locale_rule = _feed_locale_rule(slots) if with_locale else true()
    in_feed = select(FeedEntry.date_added, FeedEntry.instance_id).where(
        FeedEntry.user_id == user_id, locale_rule
    )
    newest = in_feed.order_by(FeedEntry.date_added.desc(), FeedEntry.instance_id.desc())
    counted = newest.limit(bindparam("depth", type_=Integer)).subquery("counted")
    token_ok = token_is_current(
        user_id=user_id,  # type: ignore[arg-type]  # a bound parameter
        token_version=bindparam("token_version", type_=Integer),  # type: ignore[arg-type]
    )
    head = select(
        select(func.count()).select_from(counted).scalar_subquery().label("total"),
        token_ok.label("token_ok"),
    ).subquery("head")
    page = (
        newest.offset(bindparam("start", type_=Integer))
        .limit(bindparam("size", type_=Integer))
        .subquery("page")
    )
    items = (
        page.join(VideoInstance, VideoInstance.id == page.c.instance_id)
        .join(Video, Video.id == VideoInstance.video_id)
        .join(Channel, Channel.id == VideoInstance.channel_id)
        .join(User, User.id == Channel.owner_id)
        .outerjoin(CoverArt, CoverArt.id == Channel.cover_art_id)
    )
    return (
        select(
            head.c.total,
            head.c.token_ok,
            page.c.instance_id.label("i_id"),
            page.c.date_added.label("i_date_added"),
            *_feed_columns(),
        )
        .select_from(head.outerjoin(items, true()))
        .order_by(page.c.date_added.desc(), page.c.instance_id.desc())
    )


_FEED_READS = {
    with_locale: ReadStatement(_feed_statement(with_locale)) for with_locale in (False, True)
}


def feed_reads() -> list[ReadStatement]:
    """The feed's statements, for `Database.warm` (prepared and planned at worker start)."""
    return list(_FEED_READS.values())


def feed_values(
    *, user_id: int, token_version: int, locale: str | None, start: int, size: int
) -> dict[str, Any]:
    """The bound values of `_feed_statement` for one page."""
    values: dict[str, Any] = {
        "user_id": user_id,
        "token_version": token_version,
        "depth": FEED_DEPTH,
        "start": start,
        "size": max(0, min(size, FEED_DEPTH - start)),
    }
    if locale:
        variants = locale_variants(locale)
        values.update(zip(_LOCALE_SLOTS, (variants[0], variants[-1]), strict=True))
    return values


async def feed(
    db: Database, *, user_id: int, token_version: int, locale: str | None, start: int, size: int
) -> tuple[list[FeedItem], int]:
    """A page of the newest instances (date_added desc, id desc) of the user's subscriptions,
    and the feed's total, for a token of the user (`token_version`): one statement
    (`_feed_statement`) over the precomputed feed (`FeedEntry`, `channels.feed_index`);
    `_feed_query` is its definition from base tables. A token that is no longer current (the
    user deactivated, the password changed, logged out) is `token_revoked`, read in the same
    statement: the route makes no other read.

    The statement is a `db.ReadStatement` (on PostgreSQL a prepared statement with a generic
    plan on the raw asyncpg pool): through SQLAlchemy's asyncio layer it was re-planned on
    every request and its Python cost outweighed the 1 ms the query takes.

    The feed is the newest FEED_DEPTH items: pages end there and `total` counts at most that
    many, so every request reads a bounded number of rows however many channels the user
    follows.
    """
    values = feed_values(
        user_id=user_id, token_version=token_version, locale=locale, start=start, size=size
    )
    rows = await db.fetch(_FEED_READS[bool(locale)], values)
    head = rows[0]
    if not head[_TOKEN_OK]:
        raise token_revoked()
    return [_feed_item(row) for row in rows if row[_INSTANCE_ID] is not None], head[_TOTAL]


# --- Rockpack notifications (starred / subscribed only) ---------------------------------------


def _social_notifications(user_id: int) -> ColumnElement[bool]:
    return (Notification.user_id == user_id) & Notification.kind.in_(SOCIAL_NOTIFICATION_KINDS)


def list_social_notifications(
    session: Session, *, user_id: int, start: int, size: int
) -> tuple[Sequence[Notification], int]:
    """The user's `starred` and `subscribed` notifications, newest first, and their total.

    Other kinds (the Get Native welcome) have no Rockpack rendering and are left out.
    """
    items = session.scalars(
        select(Notification)
        .where(_social_notifications(user_id))
        .order_by(Notification.id.desc())
        .offset(start)
        .limit(size)
    ).all()
    total = session.scalar(
        select(func.count()).select_from(Notification).where(_social_notifications(user_id))
    )
    return items, total or 0


def social_unread_count(session: Session, user_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Notification)
        .where(_social_notifications(user_id), Notification.read.is_(False))
    )
    return session.scalar(query) or 0


def instances_by_id(session: Session, instance_ids: set[int]) -> dict[int, VideoInstance]:
    if not instance_ids:
        return {}
    query = (
        select(VideoInstance)
        .where(VideoInstance.id.in_(instance_ids))
        .options(selectinload(VideoInstance.video))
    )
    return {instance.id: instance for instance in session.scalars(query)}


def channels_by_id(session: Session, channel_ids: set[int]) -> dict[int, Channel]:
    if not channel_ids:
        return {}
    query = (
        select(Channel).where(Channel.id.in_(channel_ids)).options(selectinload(Channel.cover_art))
    )
    return {channel.id: channel for channel in session.scalars(query)}


# --- content reports --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTarget:
    """What a report points at, resolved: `video` reports may come from an instance."""

    object_type: str
    object_id: int
    video_instance_id: int | None = None


def resolve_report_target(
    session: Session,
    *,
    reporter_id: int,
    object_type: str,
    object_id: int | None,
    video_instance_id: int | None = None,
) -> ReportTarget | None:
    """The existing object the reporter can see, or None (unknown, private or malformed)."""
    if object_type == "video" and video_instance_id is not None:
        try:
            instance = get_visible_instance(session, video_instance_id, viewer_id=reporter_id)
        except NotFound:
            return None
        return ReportTarget("video", instance.video_id, instance.id)
    if object_id is None:
        return None
    if object_type == "channel":
        found = _visible_channel_or_none(session, object_id, reporter_id) is not None
    elif object_type == "video":
        visible = video_visible_filter(reporter_id)
        found = session.scalar(select(Video.id).where(Video.id == object_id, visible)) is not None
    elif object_type == "user":
        found = (
            session.scalar(select(User.id).where(User.id == object_id, User.is_active.is_(True)))
            is not None
        )
    else:
        return None
    return ReportTarget(object_type, object_id) if found else None


def report(
    session: Session, *, reporter_id: int, target: ReportTarget, reason: str, locale: str | None
) -> ContentReport:
    """Keep the report; every report is stored (moderation groups them by object)."""
    if not reason.strip() or len(reason) > MAX_REPORT_REASON:
        raise InvalidInput(
            f"A reason of 1 to {MAX_REPORT_REASON} characters is required.",
            code="invalid_report_reason",
            field="reason",
        )
    extra = (
        {"video_instance_id": target.video_instance_id}
        if target.video_instance_id is not None
        else None
    )
    record = ContentReport(
        reporter_id=reporter_id,
        object_type=target.object_type,
        object_id=target.object_id,
        reason=reason,
        locale=locale,
        extra=extra,
        created_at=utcnow(),
    )
    session.add(record)
    session.flush()
    return record
