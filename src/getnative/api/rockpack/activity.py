"""Rockpack routes: user activity (star / view a video instance, recent activity ids).

An unknown, malformed or invisible (private channel of someone else) `video_instance` is a 400
`{"error": "invalid_request", "form_errors": {"video_instance": ["invalid id"]}}`: the id is a
field of the posted body, not part of the URL, so it is reported like any other invalid field.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from fastapi import APIRouter, Response
from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import (
    PRIVATE_CACHE,
    DbSession,
    Locale,
    Owner,
    RockpackBody,
    cache,
    json_body,
)
from getnative.api.rockpack.errors import form_errors
from getnative.channels import social_service
from getnative.errors import NotFound

router = APIRouter()
INVALID_ID = "invalid id"


def _instance_key(value: object) -> int:
    key = ids.decode(ids.VIDEO_INSTANCE, value)
    if key is None:
        raise PydanticCustomError("invalid_id", INVALID_ID)
    return key


VideoInstanceKey = Annotated[
    int, PlainValidator(_instance_key), WithJsonSchema({"type": "string", "description": "vi…"})
]


class ActivityIn(RockpackBody):
    """A star or a view of a video instance; every invalid field is reported at once."""

    FIELD_ERRORS: ClassVar[dict[str, str]] = {
        "action": "invalid action: expected 'star' or 'view'",
        "video_instance": INVALID_ID,
    }
    action: Literal["star", "view"]
    video_instance: VideoInstanceKey


ActivityBody = Annotated[ActivityIn, json_body(ActivityIn)]


@router.post("/{userid}/activity/", status_code=204)
def store_activity(
    userid: Owner,
    session: DbSession,
    body: ActivityBody,
    locale: Locale,
) -> Response:
    instance_id = body.video_instance
    try:
        if body.action == "star":
            social_service.star(session, user_id=userid.id, instance_id=instance_id)
        else:
            social_service.view(session, user_id=userid.id, instance_id=instance_id, locale=locale)
    except NotFound:
        raise form_errors({"video_instance": [INVALID_ID]}) from None
    return Response(status_code=204)


@router.get("/{userid}/activity/")
def get_activity(
    userid: Owner,
    session: DbSession,
    response: Response,
) -> dict[str, Any]:
    activity = social_service.recent_activity(session, userid.id)
    cache(response, PRIVATE_CACHE)
    return {
        "recently_viewed": [
            ids.encode(ids.VIDEO_INSTANCE, key) for key in activity.viewed_instance_ids
        ],
        "recently_starred": [ids.encode(ids.VIDEO, key) for key in activity.starred_video_ids],
        "subscribed": [ids.encode(ids.CHANNEL, key) for key in activity.subscribed_channel_ids],
    }
