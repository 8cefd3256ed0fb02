"""POST /register and POST /login: the account object, the session token and their errors."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.clients import error_code, token_header
from tests.factories import DEFAULT_PASSWORD, make_user

GN_DATE = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} \+0000 \d{4}$")


def assert_account_object(body: dict[str, Any], *, email: str) -> None:
    """Every field of the register response and of /account, with their types."""
    assert isinstance(body["id"], int)
    assert body["email"] == email
    assert body["name"] == ""
    assert GN_DATE.match(body["created_at"])
    assert body["utc_offset"] is None
    assert body["lang"] == "en"
    assert body["email_verified"] is False
    assert body["browser_notifications_enabled"] is False
    assert body["email_notifications_enabled"] is False
    assert body["default_study_language_code"] == "en"
    assert body["picture_url"] == body["profile_image_url"] == ""
    assert body["is_silhouette_picture"] is True
    assert body["default_profile_image"] is True
    notifications = body["notifications"]
    assert notifications["count"] == len(notifications["records"])
    for record in notifications["records"]:
        assert set(record) == {"id", "title", "text", "created_at"}
        assert GN_DATE.match(record["created_at"])


def assert_fresh_token(response: Any, settings: Settings) -> None:
    assert response.headers["x-gn-auth-token"].count(".") == 2
    expire_ms = int(response.headers["x-gn-auth-expire"])
    expected = (time.time() + settings.jwt_ttl_seconds) * 1000
    assert abs(expire_ms - expected) < 120_000


def test_register_returns_the_account_with_a_welcome_and_a_working_token(
    client: TestClient, settings: Settings
) -> None:
    response = client.post(
        "/register", json={"email": " New.Member@Example.com ", "password": "secret-pw"}
    )
    assert response.status_code == 200
    body = response.json()
    assert_account_object(body, email="new.member@example.com")
    assert body["notifications"]["count"] == 1
    assert body["notifications"]["records"][0]["title"] == "Welcome to Get Native"
    assert_fresh_token(response, settings)
    account = client.get("/account", headers=token_header(response))
    assert account.status_code == 200
    assert account.json()["id"] == body["id"]


def test_registered_member_can_log_in(client: TestClient) -> None:
    client.post("/register", json={"email": "a@example.com", "password": "secret-pw"})
    response = client.post("/login", json={"email": "A@example.com", "password": "secret-pw"})
    assert response.status_code == 200


def test_register_with_an_email_in_use_is_121(client: TestClient, db: Database) -> None:
    make_user(db, email="taken@example.com")
    response = client.post(
        "/register", json={"email": "TAKEN@example.com", "password": "pw-123456"}
    )
    assert response.status_code == 400
    assert error_code(response) == 121
    assert "x-gn-auth-token" not in response.headers


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "not-an-email", "password": "secret-pw"}, 110),
        ({"email": "a@example.com", "password": "short"}, 111),
        ({"email": "a@example.com", "password": "x" * 129}, 112),
        ({"email": "a@example.com"}, 102),
        ({"password": "secret-pw"}, 102),
        ({"email": 42, "password": "secret-pw"}, 103),
        ({"email": "a@example.com", "password": None}, 103),
        ({"email": "a@example.com", "password": ["secret-pw"]}, 103),
        ({"email": "a" * 5000 + "@example.com", "password": "secret-pw"}, 103),
        ({"email": "a" * 300 + "@example.com", "password": "secret-pw"}, 110),
        ([], 103),
        ("email", 103),
    ],
)
def test_register_rejects_bad_input_with_400(client: TestClient, body: Any, code: int) -> None:
    response = client.post("/register", json=body)
    assert response.status_code == 400
    assert error_code(response) == code


@pytest.mark.parametrize("path", ["/register", "/login"])
def test_malformed_or_missing_json_is_400(client: TestClient, path: str) -> None:
    headers = {"content-type": "application/json"}
    malformed = client.post(path, content=b'{"email": ', headers=headers)
    assert malformed.status_code == 400
    assert error_code(malformed) == 101
    empty = client.post(path, content=b"", headers=headers)
    assert empty.status_code == 400
    assert error_code(empty) == 102
    form = client.post(path, data={"email": "a@example.com", "password": "secret-pw"})
    assert form.status_code == 400


def test_login_returns_the_account_and_a_token(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db, email="member@example.com")
    response = client.post(
        "/login", json={"email": "Member@Example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id
    assert_account_object(body, email="member@example.com")
    assert_fresh_token(response, settings)
    assert client.get("/account", headers=token_header(response)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"email": "member@example.com", "password": "wrong-password"},
        {"email": "nobody@example.com", "password": DEFAULT_PASSWORD},
        {"email": "", "password": ""},
    ],
)
def test_wrong_credentials_are_401(client: TestClient, db: Database, body: Any) -> None:
    make_user(db, email="member@example.com")
    response = client.post("/login", json=body)
    assert response.status_code == 401
    assert error_code(response) == 202
    assert "x-gn-auth-token" not in response.headers


def test_ip_users_cannot_log_in(client: TestClient, db: Database) -> None:
    make_user(db, email=None, password_hash=None, kind="ip", ip_hash="abc")
    response = client.post("/login", json={"email": "", "password": DEFAULT_PASSWORD})
    assert response.status_code == 401


def test_login_wrong_types_are_400(client: TestClient) -> None:
    response = client.post("/login", json={"email": True, "password": 123456})
    assert response.status_code == 400
    assert error_code(response) == 103
