"""Rockpack routes: subscriptions and the subscription feed (`recent_videos`).

- Subscribe: the body is a JSON string, the channel's resource URL as rendered by this server
  (`{public base}/ws/USERID/channels/CHANNELID/`); the path alone is accepted too. A new
  subscription answers 201; subscribing again answers 200 with the existing subscription (same
  body and Location), so clients can retry safely.
- Unsubscribe: `DELETE /ws/USERID/subscriptions/<subscription id>/` (the subscription's resource
  URL) or `.../subscriptions/<channel id>/`, as the iOS app sends it; both answer 204, and 404
  when there is no such subscription.
- The list is newest subscription first; channels that became private (and are not the user's)
  are left out of the list, the feed and the total, while the subscription row itself stays (the
  user can still delete it, and it reappears if the channel becomes public again).
- The feed is the newest `social_service.FEED_DEPTH` (1000) instances: pages end there and
  `total` counts at most that many (a bounded count, in the page's own statement).
- `locale` is optional on the feed: without it no video is left out for its locale.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from getnative.api.rockpack import ids
from getnative.api.rockpack.deps import (
    PRIVATE_CACHE,
    PRIVATE_REVALIDATE,
    AppContainer,
    DbSession,
    Locale,
    Owner,
    OwnerId,
    Page,
    Paging,
    RockpackValue,
    cache,
    claimed_owner,
    json_body,
    parse_locale,
)
from getnative.api.rockpack.errors import RockpackError, invalid_request, invalid_token, not_found
from getnative.api.rockpack.render import (
    paged,
    render_channel_brief,
    render_feed_items,
    render_owner,
)
from getnative.channels import social_service
from getnative.channels.models import Subscription
from getnative.errors import AuthenticationFailed, InvalidInput
from getnative.web.container import Container
from getnative.web.deps import container_of
from getnative.web.responses import FastJSONResponse
from getnative.web.route_table import fast_path

router = APIRouter()
MAX_URL_LENGTH = 2000
_CHANNEL_PATH = re.compile(
    r"^/ws/(?P<owner>[A-Za-z0-9_-]+)/channels/(?P<channel>[A-Za-z0-9_-]+)/?$"
)


def subscription_url(container: Container, user_id: int, subscription_id: int) -> str:
    user = ids.encode(ids.USER, user_id)
    sub = ids.encode(ids.SUBSCRIPTION, subscription_id)
    return container.settings.public_url(f"/ws/{user}/subscriptions/{sub}/")


INVALID_URL = "Invalid channel url"


class ChannelUrlIn(RockpackValue[Annotated[str, Field(max_length=MAX_URL_LENGTH)]]):
    """A channel resource URL of this server, as a JSON string."""

    INVALID: ClassVar[str] = INVALID_URL


def _parse_channel_url(container: Container, body: str) -> tuple[int, int]:
    """(owner key, channel key) of a posted channel URL of this server, or a 400."""
    invalid = invalid_request(INVALID_URL)
    try:
        url = urlsplit(body.strip())
        base = urlsplit(container.settings.public_base_url)
    except ValueError:
        raise invalid from None
    if url.query or url.fragment:
        raise invalid
    path = url.path
    base_path = base.path.rstrip("/")
    if url.scheme or url.netloc:
        same_origin = (url.scheme.lower(), url.netloc.lower()) == (
            base.scheme.lower(),
            base.netloc.lower(),
        )
        if not same_origin or not path.startswith(base_path + "/"):
            raise invalid
        path = path[len(base_path) :]
    elif base_path and path.startswith(base_path + "/"):
        path = path[len(base_path) :]
    match = _CHANNEL_PATH.fullmatch(path)
    owner_id = ids.decode(ids.USER, match["owner"]) if match else None
    channel_id = ids.decode(ids.CHANNEL, match["channel"]) if match else None
    if owner_id is None or channel_id is None:
        raise invalid
    return owner_id, channel_id


def _subscription_body(
    container: Container, user_id: int, subscription: Subscription
) -> dict[str, str]:
    return {
        "resource_url": subscription_url(container, user_id, subscription.id),
        "id": ids.encode(ids.SUBSCRIPTION, subscription.id),
    }


@router.post("/{userid}/subscriptions/", status_code=201)
def subscribe(
    userid: Owner,
    session: DbSession,
    container: AppContainer,
    body: Annotated[ChannelUrlIn, json_body(ChannelUrlIn)],
) -> JSONResponse:
    owner_id, channel_id = _parse_channel_url(container, body.root)
    try:
        subscription, created = social_service.subscribe(
            session, user_id=userid.id, channel_id=channel_id, owner_id=owner_id
        )
    except InvalidInput:
        raise invalid_request(INVALID_URL) from None
    content = _subscription_body(container, userid.id, subscription)
    return JSONResponse(
        content,
        status_code=201 if created else 200,
        headers={"Location": content["resource_url"]},
    )


@router.delete("/{userid}/subscriptions/{subscription}/", status_code=204)
def unsubscribe(userid: Owner, session: DbSession, subscription: str) -> Response:
    """By the subscription's id, or by the channel's id as the iOS app sends it."""
    channel_key = ids.decode(ids.CHANNEL, subscription)
    if channel_key is not None:
        social_service.unsubscribe_from_channel(session, user_id=userid.id, channel_id=channel_key)
        return Response(status_code=204)
    key = ids.decode(ids.SUBSCRIPTION, subscription)
    if key is None:
        raise not_found()
    social_service.unsubscribe(session, user_id=userid.id, subscription_id=key)
    return Response(status_code=204)


@router.get("/{userid}/subscriptions/")
def list_subscriptions(
    userid: Owner, session: DbSession, container: AppContainer, page: Paging, response: Response
) -> dict[str, Any]:
    rows, total = social_service.list_subscriptions(
        session, user_id=userid.id, start=page.start, size=page.size
    )
    owners = social_service.users_by_id(session, {channel.owner_id for _, channel in rows})
    items = [
        {
            **render_channel_brief(container, channel),
            "position": page.start + index,
            "subscription_resource_url": subscription_url(container, userid.id, subscription.id),
            "owner": render_owner(container, owners[channel.owner_id]),
        }
        for index, (subscription, channel) in enumerate(rows)
    ]
    cache(response, PRIVATE_REVALIDATE)
    return {"channels": paged(items, total)}


async def _feed_page(
    container: Container, owner: OwnerId, page: Page, locale: str | None
) -> Response:
    """One statement on the async driver, no thread-pool hop: the page with its owners and
    covers, the bounded total and the token check (`social_service.feed`); rendered to JSON."""
    try:
        rows, total = await social_service.feed(
            container.db,
            user_id=owner.id,
            token_version=owner.token_version,
            locale=locale,
            start=page.start,
            size=page.size,
        )
    except AuthenticationFailed as exc:  # revoked (logout, password change, deactivation)
        raise invalid_token() from exc
    items = render_feed_items(container, rows, page.start)
    body = {"videos": paged(items, total)}
    return FastJSONResponse(body, headers={"Cache-Control": PRIVATE_CACHE})


async def _recent_videos_fast(request: Request, params: dict[str, Any]) -> Response | None:
    """The feed without FastAPI's dependency solving (a large share of its Python time): the
    common request, a well-formed token of the path's user with valid paging and locale, is
    answered here with the one statement, whose token check makes a revoked token the 401
    that `Owner` would give first. Every other request is declined and answered by the route's
    dependencies, in their order."""
    owner = claimed_owner(request, params["userid"])
    try:
        locale = parse_locale(params["locale"])
    except RockpackError:
        return None
    if owner is None:
        return None
    page = Page(start=params["start"], size=params["size"])
    return await _feed_page(container_of(request), owner, page, locale)


@router.get("/{userid}/subscriptions/recent_videos/")
@fast_path(_recent_videos_fast)
async def recent_videos(
    userid: Owner, container: AppContainer, page: Paging, locale: Locale
) -> Response:
    """One prepared statement on the raw asyncpg pool, no thread-pool hop: the page with its
    owners and covers, the bounded total and the token check (`social_service.feed`); rows
    rendered straight to JSON."""
    # This docstring is the served OpenAPI description. The route table answers the common
    # request through `_recent_videos_fast`; this declared form (its dependencies) documents
    # the route and answers every request the fast path declines.
    return await _feed_page(container, userid, page, locale)
