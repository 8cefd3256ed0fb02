"""Get Native routes: notifications (`GET /notifications`, `DELETE /notifications/:id`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from getnative.api.getnative.deps import CurrentUser, DbSession
from getnative.api.getnative.render import gn_date, record_list
from getnative.db import MAX_ID
from getnative.errors import NotFound
from getnative.notifications import service
from getnative.notifications.models import Notification

router = APIRouter()

# The newest notifications a listing shows; older ones stay stored but are not listed.
MAX_LISTED = 100
# Larger ids cannot exist (64-bit keys); refusing them early keeps SQLite from overflowing.


def render_notification(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "title": notification.title,
        "text": notification.text,
        "created_at": gn_date(notification.created_at),
    }


def render_notifications(session: Session, user_id: int) -> dict[str, Any]:
    """`{count, records}`, newest first, at most `MAX_LISTED`."""
    notifications = service.list_for_user(session, user_id, size=MAX_LISTED)
    return record_list([render_notification(item) for item in notifications])


@router.get("/notifications")
def list_notifications(user: CurrentUser, session: DbSession) -> dict[str, Any]:
    return render_notifications(session, user.id)


@router.delete("/notifications/{notification_id}", status_code=204)
def delete_notification(notification_id: int, user: CurrentUser, session: DbSession) -> Response:
    if not 1 <= notification_id <= MAX_ID:
        raise NotFound("Notification not found.", code="notification_not_found")
    service.delete_for_user(session, user_id=user.id, notification_id=notification_id)
    return Response(status_code=204)
