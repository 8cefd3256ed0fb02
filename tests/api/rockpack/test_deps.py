"""The Rockpack request plumbing (`api/rockpack/deps.py`), through every route that reads a JSON
body: one reader, so one answer to a broken body everywhere; each declared body model words
its own 400 for a wrong shape; the served OpenAPI documents every body."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.api.rockpack.channel_form import FIELDS, REQUIRED_MESSAGE
from getnative.config import Settings
from getnative.db import Database
from tests.clients import cid, uid
from tests.factories import make_channel, make_user, rockpack_bearer

NOT_JSON = {"error": "invalid_request", "message": "Request body is not valid JSON"}
NOT_A_BOOLEAN = {"error": "invalid_request", "form_errors": "Value should be 'true' or 'false'"}
NOT_AN_OBJECT = {"error": "invalid_request", "message": "Request body must be a JSON object"}
CHANNEL_FIELDS_REQUIRED = {
    "error": "invalid_request",
    "form_errors": {field: [REQUIRED_MESSAGE] for field in FIELDS},
}

# (method, path under /ws/USERID/, the answer to a body that is not JSON)
JSON_BODY_ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "channels/", NOT_JSON),
    ("PUT", "channels/CHANNEL/", NOT_JSON),
    ("PUT", "channels/CHANNEL/public/", NOT_A_BOOLEAN),
    ("PUT", "channels/CHANNEL/videos/", NOT_JSON),
    ("POST", "channels/CHANNEL/videos/", NOT_JSON),
    ("POST", "activity/", NOT_JSON),
    ("POST", "notifications/", NOT_JSON),
    ("POST", "subscriptions/", NOT_JSON),
    ("POST", "content_reports/", NOT_JSON),
    ("PUT", "username/", NOT_JSON),
]
BROKEN_BODIES = [
    b"{not json",
    b'{"mark_read": [1,',
    b'"http://testserver/ws/',
    b"[" * 100_000,  # deeper than the recursion limit: a 400, not a 500
    b"\xff\xfe",
    b'"\\ud800"',  # a lone surrogate no column stores
    b'{"a": "nul\\u0000"}',  # nor a NUL
]


def _send(
    client: TestClient, db: Database, settings: Settings, method: str, path: str, raw: bytes
) -> Any:
    owner = make_user(db)
    channel = make_channel(db, owner)
    url = f"/ws/{uid(owner)}/{path.replace('CHANNEL', cid(channel))}"
    headers = {**rockpack_bearer(settings, owner), "Content-Type": "application/json"}
    return client.request(method, url, content=raw, headers=headers)


# Object bodies given anything but an object (an empty body reads as `null`).
NON_OBJECTS = [b"", b"null", b"[]", b"[1, 2]", b'"report"', b"42"]
OBJECT_BODY_ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "channels/", CHANNEL_FIELDS_REQUIRED),
    ("PUT", "channels/CHANNEL/", CHANNEL_FIELDS_REQUIRED),
    ("POST", "activity/", NOT_AN_OBJECT),
    ("POST", "content_reports/", NOT_AN_OBJECT),
    ("POST", "notifications/", {"error": "invalid_request", "message": "Invalid id list"}),
]


BAD_BODIES = [
    pytest.param(method, path, raw, answer, id=f"{method} {path} {raw[:12]!r}")
    for routes, bodies in ((JSON_BODY_ROUTES, BROKEN_BODIES), (OBJECT_BODY_ROUTES, NON_OBJECTS))
    for method, path, answer in routes
    for raw in bodies
]


@pytest.mark.parametrize(("method", "path", "raw", "answer"), BAD_BODIES)
def test_a_bad_body_is_a_400_in_the_dialect_s_words(
    client: TestClient,
    db: Database,
    settings: Settings,
    method: str,
    path: str,
    raw: bytes,
    answer: dict[str, Any],
) -> None:
    """Not JSON: the one reader's answer on every route. Not an object where an object is
    declared: the model's own wording."""
    response = _send(client, db, settings, method, path, raw)
    assert response.status_code == 400, response.text
    assert response.json() == answer


def test_a_bad_body_of_another_user_is_a_403_not_a_400(
    client: TestClient, db: Database, settings: Settings
) -> None:
    """The token rule comes first: a broken body does not reveal how a route parses."""
    owner, other = make_user(db), make_user(db)
    for method, path, _answer in JSON_BODY_ROUTES:
        channel = make_channel(db, owner)
        url = f"/ws/{uid(owner)}/{path.replace('CHANNEL', cid(channel))}"
        response = client.request(
            method, url, content=b"{not json", headers=rockpack_bearer(settings, other)
        )
        assert response.status_code == 403, (method, path)
        assert client.request(method, url, content=b"{").status_code == 401, (method, path)


def test_the_openapi_document_describes_every_body(client: TestClient) -> None:
    paths = client.get("/ws/openapi.json").json()["paths"]
    writes = [
        (path, method, operation)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if method in {"post", "put"}
    ]
    assert len(writes) >= len(JSON_BODY_ROUTES)
    for path, method, operation in writes:
        body = operation.get("requestBody")
        assert body is not None, (method, path)
        assert body["required"] is True, (method, path)
        for media in body["content"].values():
            assert media["schema"], (method, path)
    for method, path, _answer in JSON_BODY_ROUTES:
        key = "/{userid}/" + path.replace("CHANNEL", "{channelid}")
        assert "application/json" in paths[key][method.lower()]["requestBody"]["content"]
    create = paths["/{userid}/channels/"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"]["required"] == list(FIELDS)
    assert "keep_cover" not in create["schema"]["properties"]
    upload = paths["/{userid}/cover_art/"]["post"]["requestBody"]["content"]
    assert set(upload) == {"image/*", "multipart/form-data"}
