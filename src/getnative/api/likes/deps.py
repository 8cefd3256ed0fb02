"""Request-scoped helpers of the likes dialect: container, client IP, video id from the path."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from getnative.db import MAX_ID
from getnative.errors import NotFound
from getnative.web.client_ip import client_ip_from_scope
from getnative.web.deps import AppContainer as AppContainer  # re-exported for the routes
from getnative.web.deps import container_of

# Ids are positive 64-bit integers (getnative.db.MAX_ID); digits only, no sign or spaces.
_VIDEO_ID = re.compile(r"[0-9]{1,19}")


async def get_client_ip(request: Request) -> str:
    """The caller's IP (see `getnative.web.client_ip` for when `X-Forwarded-For` counts).

    Async, as every dependency here: none does I/O, and a sync dependency would cost each
    request a thread-pool hop."""
    return client_ip_from_scope(request.scope, container_of(request).trusted_proxies)


def parse_video_id(video_id: str) -> int:
    """A path id as an integer; anything else (letters, signs, huge numbers) is a 404."""
    if not _VIDEO_ID.fullmatch(video_id) or not 0 < int(video_id) <= MAX_ID:
        raise NotFound("Video not found.", code="video_not_found")
    return int(video_id)


async def get_client_key(request: Request) -> str:
    """The caller's identity: its IP, or its IPv6 network (`Container.client_key`)."""
    return container_of(request).client_key(request.scope)


ClientIP = Annotated[str, Depends(get_client_ip)]
ClientKey = Annotated[str, Depends(get_client_key)]
