"""Rockpack routes: user activity (star / view a video instance, recent activity ids).

An unknown, malformed or invisible (private channel of someone else) `video_instance` is a 400
`{"error": "invalid_request", "form_errors": {"video_instance": ["invalid id"]}}`: the id is a
field of the posted body, not part of the URL, so it is reported like any other invalid field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import DbSession, Owner
from getnative.api.rockpack.errors import form_errors, invalid_request
from getnative.api.rockpack.social_http import PRIVATE_CACHE, JsonBody, Locale
from getnative.channels import social_service
from getnative.errors import NotFound

router = APIRouter()
ACTIONS = ("star", "view")


def _parse_activity(body: Any) -> tuple[str, int]:
    """The action and instance key; every invalid field is reported at once."""
    if not isinstance(body, dict):
        raise invalid_request("Request body must be a JSON object")
    errors: dict[str, list[str]] = {}
    action = body.get("action")
    if action not in ACTIONS:
        errors["action"] = ["invalid action: expected 'star' or 'view'"]
    instance_id = ids.decode(ids.VIDEO_INSTANCE, body.get("video_instance"))
    if instance_id is None:
        errors["video_instance"] = ["invalid id"]
    if errors:
        raise form_errors(errors)
    assert isinstance(action, str) and instance_id is not None
    return action, instance_id


ACTIVITY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["action", "video_instance"],
                    "properties": {
                        "action": {"enum": list(ACTIONS)},
                        "video_instance": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.post("/{userid}/activity/", status_code=204, openapi_extra=ACTIVITY_BODY)
def store_activity(user: Owner, session: DbSession, body: JsonBody, locale: Locale) -> Response:
    action, instance_id = _parse_activity(body)
    try:
        if action == "star":
            social_service.star(session, user_id=user.id, instance_id=instance_id)
        else:
            social_service.view(session, user_id=user.id, instance_id=instance_id, locale=locale)
    except NotFound:
        raise form_errors({"video_instance": ["invalid id"]}) from None
    return Response(status_code=204)


@router.get("/{userid}/activity/")
def get_activity(user: Owner, session: DbSession, response: Response) -> dict[str, Any]:
    activity = social_service.recent_activity(session, user.id)
    response.headers.update(PRIVATE_CACHE)
    return {
        "recently_viewed": [
            ids.encode(ids.VIDEO_INSTANCE, key) for key in activity.viewed_instance_ids
        ],
        "recently_starred": [ids.encode(ids.VIDEO, key) for key in activity.starred_video_ids],
        "subscribed": [ids.encode(ids.CHANNEL, key) for key in activity.subscribed_channel_ids],
    }
