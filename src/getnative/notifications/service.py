"""Creating, listing and removing notifications."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from getnative.errors import InvalidInput, NotFound
from getnative.notifications.models import (
    KIND_STARRED,
    KIND_SUBSCRIBED,
    KIND_WELCOME,
    Notification,
)

WELCOME_TITLE = "Welcome to Get Native"
WELCOME_TEXT = (
    "Thanks for joining! Pick a video, study it, then answer its writing questions to track "
    "your progress."
)


def create_welcome(session: Session, user_id: int) -> Notification:
    notification = Notification(
        user_id=user_id, kind=KIND_WELCOME, title=WELCOME_TITLE, text=WELCOME_TEXT
    )
    session.add(notification)
    session.flush()
    return notification


_OWNER_NOTICES = {
    KIND_SUBSCRIBED: ("New subscriber", "Someone subscribed to your channel."),
    KIND_STARRED: ("Video starred", "Someone starred a video in your channel."),
}


def _notify_owner(
    session: Session,
    kind: str,
    *,
    owner_id: int,
    actor_id: int,
    channel_id: int,
    video_instance_id: int | None = None,
) -> None:
    """A notification to a channel's owner about another user's act; one's own acts notify no
    one."""
    if owner_id == actor_id:
        return
    title, text = _OWNER_NOTICES[kind]
    session.add(
        Notification(
            user_id=owner_id,
            kind=kind,
            title=title,
            text=text,
            actor_id=actor_id,
            channel_id=channel_id,
            video_instance_id=video_instance_id,
        )
    )


def notify_subscribed(session: Session, *, owner_id: int, actor_id: int, channel_id: int) -> None:
    _notify_owner(
        session, KIND_SUBSCRIBED, owner_id=owner_id, actor_id=actor_id, channel_id=channel_id
    )


def notify_starred(
    session: Session, *, owner_id: int, actor_id: int, channel_id: int, video_instance_id: int
) -> None:
    _notify_owner(
        session,
        KIND_STARRED,
        owner_id=owner_id,
        actor_id=actor_id,
        channel_id=channel_id,
        video_instance_id=video_instance_id,
    )


def list_for_user(
    session: Session, user_id: int, *, start: int = 0, size: int | None = None
) -> Sequence[Notification]:
    """Newest first."""
    query = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id.desc())
        .offset(start)
    )
    if size is not None:
        query = query.limit(size)
    return session.scalars(query).all()


def delete_for_user(session: Session, *, user_id: int, notification_id: int) -> None:
    """Delete one of the user's notifications; another user's id is as unknown as a missing one."""
    result = session.execute(
        delete(Notification)
        .where(Notification.id == notification_id, Notification.user_id == user_id)
        .returning(Notification.id)
    )
    if result.first() is None:
        raise NotFound("Notification not found.", code="notification_not_found")


def mark_read(session: Session, *, user_id: int, notification_ids: list[int]) -> None:
    if any(not isinstance(item, int) or isinstance(item, bool) for item in notification_ids):
        raise InvalidInput("Invalid id list", code="invalid_id_list")
    session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.id.in_(notification_ids))
        .values(read=True)
    )
