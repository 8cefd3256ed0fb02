"""Request-scoped helpers of the likes dialect: container, client key, video id from the path.

Async, as every dependency here: none does I/O, and a sync dependency would cost each request a
thread-pool hop.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from getnative.db import MAX_ID
from getnative.errors import NotFound
from getnative.web.deps import AppContainer as AppContainer  # re-exported for the routes
from getnative.web.deps import container_of

# Ids are positive 64-bit integers (getnative.db.MAX_ID); digits only, no sign or spaces.
_VIDEO_ID = re.compile(r"[0-9]{1,19}")


def parse_video_id(video_id: str) -> int:
    """A path id as an integer; anything else (letters, signs, huge numbers) is a 404."""
    if _VIDEO_ID.fullmatch(video_id):
        vid = int(video_id)  # once: every likes toggle parses its path id
        if 0 < vid <= MAX_ID:
            return vid
    raise NotFound("Video not found.", code="video_not_found")


async def get_client_key(request: Request) -> str:
    """The caller's identity: its IP, or its IPv6 network (`Container.client_key`)."""
    return container_of(request).client_key(request.scope)


ClientKey = Annotated[str, Depends(get_client_key)]
