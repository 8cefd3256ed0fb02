"""Tokens on private endpoints: missing, malformed, expired, revoked; and the sliding session."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.accounts.tokens import issue_token
from getnative.config import Settings
from getnative.db import Database
from tests.clients import error_code, token_header
from tests.factories import bearer, make_user, rockpack_bearer

PRIVATE_ENDPOINTS = [
    ("GET", "/account", None),
    ("PATCH", "/account", {"lang": "ja"}),
    ("DELETE", "/account", None),
    ("POST", "/account/email", {"email": "x@example.com"}),
    ("POST", "/account/password", {"new_password": "abcdefg", "current_password": "abcdefg"}),
    ("POST", "/account/profile_image", {"image": "AAAA"}),
    ("GET", "/notifications", None),
    ("DELETE", "/notifications/1", None),
]


def call(client: TestClient, method: str, path: str, body: object, headers: dict[str, str]):
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), PRIVATE_ENDPOINTS)
def test_private_endpoints_need_a_token(
    client: TestClient, method: str, path: str, body: object
) -> None:
    response = call(client, method, path, body, {})
    assert response.status_code == 401
    assert error_code(response) == 201
    assert "x-gn-auth-token" not in response.headers


@pytest.mark.parametrize(("method", "path", "body"), PRIVATE_ENDPOINTS)
def test_private_endpoints_refuse_a_malformed_token(
    client: TestClient, method: str, path: str, body: object
) -> None:
    for header in ("Bearer not.a.jwt", "Bearer ", "Basic dXNlcjpwdw==", "garbage"):
        response = call(client, method, path, body, {"Authorization": header})
        assert response.status_code == 401, header
        assert error_code(response) == 203


def test_expired_token_is_401_token_expired(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    expired = issue_token(
        user_id=user.id,
        token_version=0,
        secret=settings.jwt_secret,
        ttl_seconds=-60,
        audience="getnative",
    )
    response = client.get("/account", headers={"Authorization": f"Bearer {expired.token}"})
    assert response.status_code == 401
    assert error_code(response) == 204


def test_token_of_another_api_or_secret_is_invalid(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    rockpack = client.get("/account", headers=rockpack_bearer(settings, user))
    assert rockpack.status_code == 401
    assert error_code(rockpack) == 203
    forged = issue_token(
        user_id=user.id,
        token_version=0,
        secret="another-secret-that-is-long-enough-for-hs256",
        ttl_seconds=60,
        audience="getnative",
    )
    response = client.get("/account", headers={"Authorization": f"Bearer {forged.token}"})
    assert response.status_code == 401
    assert error_code(response) == 203


def test_revoked_or_orphan_token_is_401_token_revoked(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    with db.session() as session:
        session.get(User, user.id).token_version += 1  # type: ignore[union-attr]
    response = client.get("/account", headers=headers)
    assert response.status_code == 401
    assert error_code(response) == 205
    ghost = User(id=999_999, token_version=0)
    response = client.get("/account", headers=bearer(settings, ghost))
    assert response.status_code == 401
    assert error_code(response) == 205


def test_every_authenticated_response_carries_a_fresh_token(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    responses = [
        client.get("/account", headers=headers),
        client.patch("/account", json={"lang": "ja"}, headers=headers),
        client.get("/notifications", headers=headers),
        client.delete("/notifications/12345", headers=headers),  # an error after auth
        client.patch("/account", json={"lang": 5}, headers=headers),
    ]
    assert [r.status_code for r in responses] == [200, 204, 200, 404, 400]
    for response in responses:
        expire_ms = int(response.headers["x-gn-auth-expire"])
        assert expire_ms > time.time() * 1000
        assert client.get("/account", headers=token_header(response)).status_code == 200


def test_public_requests_get_no_token(client: TestClient) -> None:
    response = client.get("/no-such-route")
    assert "x-gn-auth-token" not in response.headers
