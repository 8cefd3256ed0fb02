"""Request-scoped helpers of the likes dialect: container, client IP, video id from the path."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from getnative.db import MAX_ID
from getnative.errors import NotFound
from getnative.web.client_ip import client_ip_from_scope
from getnative.web.container import Container

# Ids are positive integers of a 32-bit INTEGER column (PostgreSQL refuses larger parameters).
_VIDEO_ID = re.compile(r"[0-9]{1,10}")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_client_ip(request: Request) -> str:
    """The caller's IP (see `getnative.web.client_ip` for when `X-Forwarded-For` counts)."""
    return client_ip_from_scope(request.scope, get_container(request).trusted_proxies)


def parse_video_id(video_id: str) -> int:
    """A path id as an integer; anything else (letters, signs, huge numbers) is a 404."""
    if not _VIDEO_ID.fullmatch(video_id) or not 0 < int(video_id) <= MAX_ID:
        raise NotFound("Video not found.", code="video_not_found")
    return int(video_id)


AppContainer = Annotated[Container, Depends(get_container)]
ClientIP = Annotated[str, Depends(get_client_ip)]
