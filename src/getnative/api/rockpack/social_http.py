"""Request plumbing shared by the social routes (activity, notifications, subscriptions, reports).

Bodies are read as raw JSON so that every shape problem (not JSON, not an object, wrong field
types) becomes a Rockpack 400 of the route's choosing instead of a framework validation error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from getnative.api.rockpack.errors import form_errors, invalid_request
from getnative.api.rockpack.json_body import parse_json

PRIVATE_CACHE = {"Cache-Control": "private, max-age=60"}
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_START = 1_000_000_000
# IETF language tags as clients send them (en, en-GB, zh_Hant_TW); bounded by the column width.
_LOCALE = re.compile(r"^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8}){0,4}$")
MAX_LOCALE = 35


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return parse_json(raw) if raw.strip() else None
    except ValueError:
        raise invalid_request("Request body is not valid JSON") from None


JsonBody = Annotated[Any, Depends(_json_body)]


@dataclass(frozen=True)
class Page:
    start: int
    size: int


def _page(
    start: Annotated[int, Query(ge=0, le=MAX_START)] = 0,
    size: Annotated[int, Query(ge=0, le=MAX_START)] = DEFAULT_PAGE_SIZE,
) -> Page:
    """`start`/`size` paging: size 100 by default, at most 1000 (larger sizes are clamped)."""
    return Page(start=start, size=min(size, MAX_PAGE_SIZE))


Paging = Annotated[Page, Depends(_page)]


def _locale(locale: Annotated[str | None, Query()] = None) -> str | None:
    """An optional `locale` query parameter; empty means none, a malformed one is a 400."""
    if locale is None or not locale.strip():
        return None
    value = locale.strip()
    if len(value) > MAX_LOCALE or not _LOCALE.fullmatch(value):
        raise form_errors({"locale": ["invalid locale"]})
    return value


Locale = Annotated[str | None, Depends(_locale)]
