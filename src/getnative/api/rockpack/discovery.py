"""Rockpack discovery listings, the targets of `categories_url`, `popular_channels_url` and
`popular_videos_url` in the discovery document (`GET /ws/`). The document names them but does not
describe them; the shapes chosen here follow the rest of the dialect:

- `GET /ws/categories/` -> `{"categories": {"total": n, "items": [{"id": 1, "name": "Travel",
  "sub_categories": [{"id": 7, "name": "Cities"}]}]}}`: the catalog categories by id, each with
  its subcategories by id. `id` is the integer a channel's `category` field takes and renders.
- `GET /ws/channels/?locale&start&size` -> `{"channels": {"total", "items": [channel]}}`: public
  channels of active users, most subscribers first; each item is the channel as in the
  subscriptions list (brief, `position`, `owner`) without `subscription_resource_url`.
- `GET /ws/videos/?locale&start&size` -> `{"videos": {"total", "items": [instance]}}`: video
  instances of those channels, newest first, each as in the subscription feed (with `channel`
  and its `owner`); videos not visible in `locale` are left out; at most the newest 1000.

Private channels are never listed, not even to their owner, so the answers are the same for every
caller and publicly cacheable. No token is needed. Included right after the OAuth router so that
these fixed paths win over `/{userid}/`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from getnative.api.rockpack.deps import PUBLIC_CACHE, AppContainer, DbSession, Locale, Paging, cache
from getnative.api.rockpack.render import (
    paged,
    render_channel_brief,
    render_owner,
    render_video_instance,
)
from getnative.catalog.models import Category
from getnative.catalog.service import list_categories
from getnative.channels import discovery_service, social_service
from getnative.channels.models import Channel
from getnative.web.container import Container

router = APIRouter()
CATEGORIES_CACHE = "public, max-age=300"  # the categories change with a catalog import only


def _render_category(category: Category) -> dict[str, Any]:
    subcategories = [{"id": sub.id, "name": sub.name} for sub in category.subcategories]
    return {"id": category.id, "name": category.name, "sub_categories": subcategories}


def _channels_with_owners(
    session: DbSession, container: Container, channels: list[Channel], start: int
) -> list[dict[str, Any]]:
    owners = social_service.users_by_id(session, {channel.owner_id for channel in channels})
    return [
        {
            "position": start + index,
            **render_channel_brief(container, channel),
            "owner": render_owner(container, owners[channel.owner_id]),
        }
        for index, channel in enumerate(channels)
    ]


@router.get("/categories/")
def categories(session: DbSession, response: Response) -> dict[str, Any]:
    items = [_render_category(category) for category in list_categories(session)]
    cache(response, CATEGORIES_CACHE)
    return {"categories": paged(items, len(items))}


@router.get("/channels/")
def popular_channels(
    session: DbSession, container: AppContainer, page: Paging, _locale: Locale, response: Response
) -> dict[str, Any]:
    """`locale` is accepted (and validated) for symmetry; channels are not locale-bound."""
    channels, total = discovery_service.popular_channels(session, start=page.start, size=page.size)
    cache(response, PUBLIC_CACHE)
    return {
        "channels": paged(_channels_with_owners(session, container, channels, page.start), total)
    }


@router.get("/videos/")
def recent_videos(
    session: DbSession, container: AppContainer, page: Paging, locale: Locale, response: Response
) -> dict[str, Any]:
    rows, total = discovery_service.recent_public_videos(
        session, locale=locale, start=page.start, size=page.size
    )
    owners = social_service.users_by_id(session, {channel.owner_id for _, channel in rows})
    items = [
        {
            **render_video_instance(instance, page.start + index),
            "channel": {
                **render_channel_brief(container, channel),
                "owner": render_owner(container, owners[channel.owner_id]),
            },
        }
        for index, (instance, channel) in enumerate(rows)
    ]
    cache(response, PUBLIC_CACHE)
    return {"videos": paged(items, total)}
