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

from fastapi import APIRouter, Response

from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import DbSession, Owner
from getnative.api.rockpack.errors import form_errors, invalid_request
from getnative.api.rockpack.social_http import JsonBody, Locale
from getnative.channels import social_service
from getnative.db import MAX_ID

router = APIRouter()
PREFIXES = {"channel": ids.CHANNEL, "video": ids.VIDEO, "user": ids.USER}
MAX_KEY = MAX_ID


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


REPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["object_type", "object_id", "reason"],
                    "properties": {
                        "object_type": {"enum": list(PREFIXES)},
                        "object_id": {"type": ["string", "integer"]},
                        "reason": {"type": "string", "maxLength": 256},
                    },
                }
            }
        },
    }
}


@router.post("/{userid}/content_reports/", status_code=204, openapi_extra=REPORT_BODY)
def post_report(user: Owner, session: DbSession, body: JsonBody, locale: Locale) -> Response:
    if not isinstance(body, dict):
        raise invalid_request("Request body must be a JSON object")
    errors: dict[str, list[str]] = {}
    object_type = body.get("object_type")
    if not isinstance(object_type, str) or object_type not in PREFIXES:
        errors["object_type"] = ["invalid object type: expected channel, video or user"]
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        errors["reason"] = ["required"]
    elif len(reason) > social_service.MAX_REPORT_REASON:
        errors["reason"] = [f"at most {social_service.MAX_REPORT_REASON} characters"]
    target = None
    if "object_id" not in body or body["object_id"] in (None, ""):
        errors["object_id"] = ["required"]
    elif "object_type" not in errors:
        assert isinstance(object_type, str)
        object_key, instance_key = _object_keys(object_type, body["object_id"])
        target = social_service.resolve_report_target(
            session,
            reporter_id=user.id,
            object_type=object_type,
            object_id=object_key,
            video_instance_id=instance_key,
        )
        if target is None:
            errors["object_id"] = ["invalid id"]
    if errors:
        raise form_errors(errors)
    assert target is not None and isinstance(reason, str)
    social_service.report(
        session, reporter_id=user.id, target=target, reason=reason.strip(), locale=locale
    )
    return Response(status_code=204)
