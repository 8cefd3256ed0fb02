"""Request plumbing shared by the social routes (activity, notifications, subscriptions, reports).

Bodies are read as raw JSON so that every shape problem (not JSON, not an object, wrong field
types) becomes a Rockpack 400 of the route's choosing instead of a framework validation error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import AfterValidator

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


def _clamp_page_size(size: int) -> int:
    return min(size, MAX_PAGE_SIZE)


# One paging rule for every Rockpack list (the document: "at most 1000"): `start` is an integer
# from 0, `size` an integer from 1, default 100; a larger size is clamped to 1000, while a size
# of 0 or less, a number beyond any plausible page (over 10^9) or a non-integer is a 400
# `invalid_request`, as a client bug should be visible rather than silently answered.
PageStart = Annotated[int, Query(ge=0, le=MAX_START)]
PageSize = Annotated[int, Query(ge=1, le=MAX_START), AfterValidator(_clamp_page_size)]


@dataclass(frozen=True)
class Page:
    start: int
    size: int


def _page(start: PageStart = 0, size: PageSize = DEFAULT_PAGE_SIZE) -> Page:
    """`start`/`size` paging by the rule above."""
    return Page(start=start, size=size)


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
