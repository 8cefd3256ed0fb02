"""Helpers for the Rockpack OAuth and profile tests: client auth, forms, token pairs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.api.rockpack import ids
from getnative.config import Settings
from getnative.db import Database
from getnative.web.app import create_app
from tests.conftest import build_container, make_settings
from tests.factories import DEFAULT_PASSWORD, make_user, unique

CLIENT_ID = "rockpack-ios"
CLIENT_SECRET = "rockpack-dev-secret"


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def make_member(db: Database, **fields: Any) -> User:
    fields.setdefault("username", unique("member"))
    fields.setdefault("first_name", "Paul")
    fields.setdefault("last_name", "Smith")
    return make_user(db, **fields)


def registration(**overrides: str) -> dict[str, str]:
    form = {
        "username": unique("newbie"),
        "password": "s3cret-pass",
        "first_name": "Jack",
        "last_name": "Burton",
        "date_of_birth": "1980-05-17",
        "locale": "en-us",
        "email": f"{unique('jack')}@example.com",
        "gender": "m",
    }
    form.update(overrides)
    return form


def login(client: TestClient, username: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    response = client.post(
        "/ws/login/",
        data={"grant_type": "password", "username": username, "password": password},
        headers=basic(),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh(client: TestClient, token: str) -> Any:
    return client.post(
        "/ws/token/",
        data={"grant_type": "refresh_token", "refresh_token": token},
        headers=basic(),
    )


def bearer_token(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_path(user: User, suffix: str = "") -> str:
    return f"/ws/{ids.encode(ids.USER, user.id)}/{suffix}"


def assert_credentials(body: dict[str, Any], settings: Settings, user_id: int) -> None:
    """Every field of the documented credentials body."""
    assert set(body) == {
        "token_type",
        "access_token",
        "expires_in",
        "refresh_token",
        "user_id",
        "resource_url",
    }
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == str(settings.oauth_access_ttl_seconds) == "3600"
    assert body["user_id"] == ids.encode(ids.USER, user_id)
    assert body["resource_url"] == f"http://testserver/ws/{body['user_id']}/"
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2
    assert isinstance(body["refresh_token"], str) and len(body["refresh_token"]) >= 40


def custom_client(tmp_path: Path, db: Database, **overrides: object) -> TestClient:
    """A client on an app with some settings changed (lower limits, more OAuth clients)."""
    settings = make_settings(tmp_path, db, **overrides)
    container = build_container(settings, db)
    return TestClient(create_app(settings, container=container), raise_server_exceptions=False)
