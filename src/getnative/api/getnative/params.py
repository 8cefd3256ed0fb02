"""The Get Native dialect's query-string and path parsing: raw strings in, typed values out.

The catalog domain takes typed values (`VideoQuery`, `ClipQuery`, integer ids); turning the
query string into them, and answering a malformed one with a 400 of its own code, is this
dialect's business. Every problem is an `InvalidInput` naming the parameter (never a 422/500).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from getnative.catalog.clips import DEFAULT_CLIP_COUNT, ClipQuery
from getnative.catalog.search import MAX_QUERY_LENGTH
from getnative.catalog.service import (
    DEFAULT_COUNT,
    DEFAULT_LANG,
    MAX_COUNT,
    VideoQuery,
    validate_lang,
)
from getnative.db import MAX_ID
from getnative.errors import InvalidInput

_INTEGER = re.compile(r"^[+-]?[0-9]{1,100}$")


def parse_int(value: str, *, name: str) -> int:
    """A decimal integer, or InvalidInput naming the parameter."""
    if not _INTEGER.fullmatch(value.strip()):
        raise InvalidInput(
            f"The parameter '{name}' must be an integer.", code="parameter_not_integer", field=name
        )
    return int(value.strip())


def parse_id(value: str, *, name: str = "id") -> int:
    """A record id from a path; malformed is InvalidInput, out of range is simply unknown."""
    if not _INTEGER.fullmatch(value.strip()):
        raise InvalidInput(f"The {name} must be an integer.", code="id_malformed", field=name)
    number = int(value.strip())
    return number if 0 < number <= MAX_ID else 0


def parse_bool(value: str, *, name: str) -> bool:
    """Exactly `true` or `false`, as documented; anything else is a 400."""
    if value == "true":
        return True
    if value == "false":
        return False
    raise InvalidInput(
        f"The parameter '{name}' must be 'true' or 'false'.",
        code="parameter_not_boolean",
        field=name,
    )


def parse_count(value: str | None, *, default: int) -> int:
    """A page size: an integer 1-MAX_COUNT, `default` when absent."""
    count = default if value is None else parse_int(value, name="count")
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(
            f"The parameter 'count' must be between 1 and {MAX_COUNT}.",
            code="count_out_of_range",
            field="count",
        )
    return count


def parse_search_text(q: str | None) -> str | None:
    """A search query of at most MAX_QUERY_LENGTH characters; blank is no query (None)."""
    if q is not None and len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"The search query is longer than {MAX_QUERY_LENGTH} characters.",
            code="query_too_long",
            field="q",
        )
    return q if q is not None and q.strip() else None


def _clamp_id(value: int) -> int:
    """Ids beyond the 64-bit key range cannot exist; as cursors and filters they are clamped
    (binding them would overflow the driver)."""
    return max(min(value, MAX_ID), -MAX_ID)


def parse_optional_id(value: str | None, name: str) -> int | None:
    return None if value is None else _clamp_id(parse_int(value, name=name))


def parse_lang(value: str | None) -> str:
    return validate_lang(DEFAULT_LANG if value is None else value)


class VideoListArgs(BaseModel):
    """`GET /videos`'s query string as sent: strings, parsed by `video_query` (after the token
    check, so a bad token is a 401 before a bad parameter is a 400)."""

    lang: str | None = None
    count: str | None = None
    max_id: str | None = None
    subcategory_id: str | None = None
    category_id: str | None = None
    q: str | None = None
    cued_only: str | None = None


def video_query(args: VideoListArgs) -> VideoQuery:
    """`GET /videos`'s query string as the catalog's typed query."""
    return VideoQuery(
        lang=parse_lang(args.lang),
        count=parse_count(args.count, default=DEFAULT_COUNT),
        max_id=parse_optional_id(args.max_id, "max_id"),
        subcategory_id=parse_optional_id(args.subcategory_id, "subcategory_id"),
        category_id=parse_optional_id(args.category_id, "category_id"),
        q=parse_search_text(args.q),
        cued_only=False if args.cued_only is None else parse_bool(args.cued_only, name="cued_only"),
    )


def clip_query(
    *,
    q: str | None = None,
    lang: str | None = None,
    count: str | None = None,
    max_id: str | None = None,
) -> ClipQuery:
    """`GET /clips`'s query string, with the rules (and error codes) of `GET /videos`.

    Unlike /videos, a search is the whole point here: a missing or blank `q` is a 400.
    """
    query = parse_search_text(q)
    if query is None:
        raise InvalidInput("The parameter 'q' is required.", code="field_missing", field="q")
    return ClipQuery(
        q=query,
        lang=parse_lang(lang),
        count=parse_count(count, default=DEFAULT_CLIP_COUNT),
        max_id=parse_optional_id(max_id, "max_id"),
    )
