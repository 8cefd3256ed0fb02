"""The Rockpack channel form (`POST`/`PUT .../channels/...`) parsed into the domain's typed
`ChannelForm`, with the document's wording for every bad field.

Every field must be present; each may be an empty string meaning "unset". An empty `public`
defaults to true, but to false when every other field is unset too, as the document says.
`"cover": "KEEP"` (what the iOS app sends when the cover did not change) keeps the channel's
cover. A category must exist and a cover must be the owner's: those lookups run inside the
validation (the request's session comes in the validation context), so every bad field, of
shape or of reference, is reported at once.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import PlainValidator, ValidationInfo, WithJsonSchema, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from getnative.api.rockpack.deps import RockpackBody, parse_body
from getnative.api.rockpack.errors import RockpackError, form_errors
from getnative.channels import service
from getnative.db import MAX_ID

FIELDS = ("title", "description", "category", "cover", "public")
KEEP_COVER = "KEEP"
REQUIRED_MESSAGE = "This field is required, but can be an empty string."
NOT_A_BOOLEAN = "Value should be 'true' or 'false'"
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def _invalid(message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("invalid", message, context)


def _title(value: object) -> str | None:
    if not isinstance(value, str):
        raise _invalid("Title must be a string.")
    title = " ".join(_LINE_BREAKS.sub(" ", value).split())
    if len(title) > service.TITLE_MAX:
        raise _invalid("Title must be at most {limit} characters.", limit=service.TITLE_MAX)
    return title or None


def _description(value: object) -> str:
    if not isinstance(value, str):
        raise _invalid("Description must be a string.")
    description = _LINE_BREAKS.sub(" ", value).strip()
    if len(description) > service.DESCRIPTION_MAX:
        raise _invalid(
            "Description must be at most {limit} characters.", limit=service.DESCRIPTION_MAX
        )
    return description


def _category_key(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value) or None
    return None


def _session(info: ValidationInfo) -> tuple[Session, int]:
    context = info.context
    assert isinstance(context, dict), "parse_channel_form passes the session and owner"
    return context["session"], context["owner_id"]


def _category(value: object, info: ValidationInfo) -> int | None:
    if value == "" or value is None:
        return None
    key = _category_key(value)
    session, _ = _session(info)
    if key is None or not service.category_exists(session, key):
        raise _invalid("Invalid category: {value}", value=str(value)[:50])
    return key


def _cover(value: object, info: ValidationInfo) -> int | None:
    if value in ("", None, KEEP_COVER):
        return None
    session, owner_id = _session(info)
    cover_id = None
    if isinstance(value, str) and len(value) <= 64:
        cover_id = service.owned_cover_art_id(session, owner_id, value)
    if cover_id is None:
        raise _invalid("Invalid cover reference")
    return cover_id


def _public(value: object) -> bool:
    if not isinstance(value, bool):
        raise _invalid(NOT_A_BOOLEAN)
    return value


_TEXT = {"type": "string"}


class ChannelFormIn(RockpackBody):
    """Every field required; each may be "" for unset. `cover` may be "KEEP" (unchanged)."""

    MISSING: ClassVar[str] = REQUIRED_MESSAGE

    title: Annotated[
        str | None,
        PlainValidator(_title),
        WithJsonSchema({"type": "string", "maxLength": service.TITLE_MAX}),
    ]
    description: Annotated[
        str,
        PlainValidator(_description),
        WithJsonSchema({"type": "string", "maxLength": service.DESCRIPTION_MAX}),
    ]
    category: Annotated[
        int | None,
        PlainValidator(_category),
        WithJsonSchema({"anyOf": [{"type": "integer"}, _TEXT], "description": "a category id"}),
    ]
    cover: Annotated[
        int | None,
        PlainValidator(_cover),
        WithJsonSchema({"type": "string", "description": 'a cover_ref, "" or "KEEP"'}),
    ]
    public: Annotated[
        bool,
        PlainValidator(_public),
        WithJsonSchema({"anyOf": [{"type": "boolean"}, {"type": "string", "enum": [""]}]}),
    ]
    keep_cover: SkipJsonSchema[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _resolve_defaults(cls, data: object) -> object:
        """`"cover": "KEEP"` and an empty `public` are read from the body as sent."""
        if not isinstance(data, dict):
            return data
        resolved = {**data, "keep_cover": data.get("cover") == KEEP_COVER}
        if data.get("public") == "":
            others = (data.get(field) for field in FIELDS if field != "public")
            resolved["public"] = any(value not in ("", None) for value in others)
        return resolved

    @classmethod
    def not_an_object(cls) -> RockpackError:
        return form_errors({field: [REQUIRED_MESSAGE] for field in FIELDS})

    def form(self) -> service.ChannelForm:
        return service.ChannelForm(
            title=self.title,
            description=self.description,
            category_id=self.category,
            cover_art_id=self.cover,
            public=self.public,
            keep_cover=self.keep_cover,
        )


def parse_channel_form(session: Session, owner_id: int, document: object) -> service.ChannelForm:
    """The typed form of `document`, or the 400 naming every bad field."""
    context = {"session": session, "owner_id": owner_id}
    return parse_body(ChannelFormIn, document, context).form()
