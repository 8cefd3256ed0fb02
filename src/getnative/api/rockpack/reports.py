"""Rockpack routes: content reports (a user flags a channel, video or user as inappropriate).

How `object_id` is read, per `object_type`:
- `channel`: the channel's Rockpack id (`ch…`); a channel the reporter cannot see (someone
  else's private channel) is as unknown as a missing one.
- `video`: the video's Rockpack id (`RP…`), or a video instance id (`vi…`, what clients show),
  which is resolved to its video; the report keeps the instance in `extra`.
- `user`: the user's Rockpack id (`us…`) of an active account.
- For every type the record's integer key is accepted too, as a number or a string of digits
  (the spec's example posts `"123"`).
The object must exist, else `object_id: ["invalid id"]`. Every invalid field is reported at once
in `form_errors`. Every report is stored (no de-duplication); moderation groups them by object.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from fastapi import APIRouter, Response
from pydantic import PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import (
    DbSession,
    Locale,
    Owner,
    RockpackBody,
    json_document,
    parse_body,
)
from getnative.channels import social_service
from getnative.db import MAX_ID

router = APIRouter()
PREFIXES = {"channel": ids.CHANNEL, "video": ids.VIDEO, "user": ids.USER}
MAX_KEY = MAX_ID
REQUIRED = "required"


def _numeric_key(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        key = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        key = int(value)
    else:
        return None
    return key if 0 < key <= MAX_KEY else None


def _object_keys(object_type: str, value: object) -> tuple[int | None, int | None]:
    """(object key, video instance key) as addressed by `object_id`."""
    if object_type == "video" and isinstance(value, str) and value.startswith(ids.VIDEO_INSTANCE):
        return None, ids.decode(ids.VIDEO_INSTANCE, value)
    return ids.decode(PREFIXES[object_type], value) or _numeric_key(value), None


def _target(value: object, info: ValidationInfo) -> social_service.ReportTarget | None:
    """The reported object, looked up in the request's session (the validation context) so
    that an unknown one is reported together with the body's other bad fields; not looked up
    (None) while `object_type` is itself invalid."""
    if value is None or value == "":
        raise PydanticCustomError("missing", REQUIRED)
    object_type = info.data.get("object_type")
    if object_type is None:
        return None
    context = info.context
    assert isinstance(context, dict), "post_report passes the session and reporter"
    object_key, instance_key = _object_keys(object_type, value)
    target = social_service.resolve_report_target(
        context["session"],
        reporter_id=context["reporter_id"],
        object_type=object_type,
        object_id=object_key,
        video_instance_id=instance_key,
    )
    if target is None:
        raise PydanticCustomError("invalid_id", "invalid id")
    return target


def _reason(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("missing", REQUIRED)
    if len(value) > social_service.MAX_REPORT_REASON:
        raise PydanticCustomError(
            "too_long", "at most {limit} characters", {"limit": social_service.MAX_REPORT_REASON}
        )
    return value.strip()


class ReportIn(RockpackBody):
    """A report; every bad field, an unknown object included, is reported at once."""

    FIELD_ERRORS: ClassVar[dict[str, str]] = {
        "object_type": "invalid object type: expected channel, video or user"
    }
    object_type: Literal["channel", "video", "user"]
    object_id: Annotated[
        social_service.ReportTarget | None,
        PlainValidator(_target),
        WithJsonSchema({"type": ["string", "integer"], "description": "an id of the object"}),
    ]
    reason: Annotated[
        str,
        PlainValidator(_reason),
        WithJsonSchema({"type": "string", "maxLength": social_service.MAX_REPORT_REASON}),
    ]


@router.post("/{userid}/content_reports/", status_code=204)
def post_report(
    userid: Owner,
    document: Annotated[object, json_document(ReportIn)],
    locale: Locale,
    session: DbSession,
) -> Response:
    context = {"session": session, "reporter_id": userid.id}
    body = parse_body(ReportIn, document, context)
    assert body.object_id is not None  # None only while object_type is invalid (a 400)
    social_service.report(
        session, reporter_id=userid.id, target=body.object_id, reason=body.reason, locale=locale
    )
    return Response(status_code=204)
