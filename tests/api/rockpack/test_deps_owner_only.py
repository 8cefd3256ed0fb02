"""Every social route is private: 401 without a token, 403 for another USERID, 404 malformed."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.api.rockpack import ids
from getnative.config import Settings
from getnative.db import Database
from tests.clients import uid
from tests.factories import bearer, make_user, rockpack_bearer

SUB = ids.encode(ids.SUBSCRIPTION, 1)
ROUTES: list[tuple[str, str, object]] = [
    ("POST", "/activity/", {"action": "view", "video_instance": "x"}),
    ("GET", "/activity/", None),
    ("GET", "/notifications/", None),
    ("GET", "/notifications/unread_count/", None),
    ("POST", "/notifications/", {"mark_read": []}),
    ("GET", "/subscriptions/", None),
    ("POST", "/subscriptions/", "http://testserver/ws/x/channels/y/"),
    ("DELETE", f"/subscriptions/{SUB}/", None),
    ("GET", "/subscriptions/recent_videos/", None),
    ("POST", "/content_reports/", {"object_type": "user", "object_id": "1", "reason": "r"}),
]


@pytest.mark.parametrize(("method", "suffix", "body"), ROUTES)
def test_private_routes_need_the_owner(
    client: TestClient,
    db: Database,
    settings: Settings,
    method: str,
    suffix: str,
    body: object,
) -> None:
    alice = make_user(db)
    bob = make_user(db)
    token = rockpack_bearer(settings, alice)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}

    anonymous = client.request(method, f"/ws/{uid(alice)}{suffix}", **kwargs)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"error": "invalid_token"}
    assert anonymous.headers["WWW-Authenticate"].startswith('Bearer realm="rockpack"')

    other = client.request(method, f"/ws/{uid(bob)}{suffix}", headers=token, **kwargs)
    assert other.status_code == 403
    assert other.json() == {"error": "insufficient_scope"}

    malformed = client.request(method, f"/ws/not-a-user{suffix}", headers=token, **kwargs)
    assert malformed.status_code == 404

    wrong_audience = client.request(
        method, f"/ws/{uid(alice)}{suffix}", headers=bearer(settings, alice), **kwargs
    )
    assert wrong_audience.status_code == 401
