"""GET/PATCH/DELETE /account, POST /account/email and POST /account/password."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.catalog.models import Video
from getnative.config import Settings
from getnative.db import Database
from getnative.likes import service as likes
from tests.clients import error_code, token_header
from tests.factories import DEFAULT_PASSWORD, bearer, make_user, make_video


def account(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/account", headers=headers)
    assert response.status_code == 200
    return dict(response.json())


def test_get_account_renders_the_stored_settings(
    client: TestClient, db: Database, settings: Settings
) -> None:
    stored: dict[str, Any] = {
        "email": "set@example.com",
        "name": "Jo",
        "utc_offset": -18000,
        "lang": "ja",
        "email_verified": True,
        "browser_notifications_enabled": True,
        "default_study_language_code": "ja",
        "picture_url": "https://cdn.example.com/a.jpg",
    }
    user = make_user(db, **stored)
    body = account(client, bearer(settings, user))
    rendered = {field: body[field] for field in stored}
    assert rendered == stored
    assert all(type(rendered[field]) is type(stored[field]) for field in stored)  # True, not 1
    assert body["id"] == user.id
    assert body["email_notifications_enabled"] is False
    assert body["profile_image_url"] == stored["picture_url"]
    assert body["is_silhouette_picture"] is False
    assert body["default_profile_image"] is False
    assert body["notifications"] == {"count": 0, "records": []}


def test_patch_changes_only_the_fields_sent(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    response = client.patch(
        "/account",
        json={
            "email_notifications_enabled": True,
            "browser_notifications_enabled": True,
            "default_study_language_code": "en-us",
            "unknown_field": "ignored",
        },
        headers=headers,
    )
    assert response.status_code == 204
    assert response.content == b""
    body = account(client, headers)
    assert body["email_notifications_enabled"] is True
    assert body["browser_notifications_enabled"] is True
    assert body["default_study_language_code"] == "en-US"
    assert body["lang"] == "en"
    response = client.patch(
        "/account",
        json={
            "utc_offset": 32400,
            "name": "  Hank  ",
            "lang": "ja",
            "email_notifications_enabled": False,
        },
        headers=headers,
    )
    assert response.status_code == 204
    body = account(client, headers)
    assert (body["utc_offset"], body["name"], body["lang"]) == (32400, "Hank", "ja")
    assert body["email_notifications_enabled"] is False
    assert body["browser_notifications_enabled"] is True
    assert (
        client.patch(
            "/account", json={"utc_offset": None, "name": None}, headers=headers
        ).status_code
        == 204
    )
    body = account(client, headers)
    assert (body["utc_offset"], body["name"]) == (None, "")
    assert client.patch("/account", json={}, headers=headers).status_code == 204


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email_notifications_enabled": "true"}, 103),
        ({"browser_notifications_enabled": 1}, 103),
        ({"email_notifications_enabled": None}, 103),
        ({"default_study_language_code": "english"}, 140),
        ({"default_study_language_code": "e"}, 140),
        ({"default_study_language_code": "en_US"}, 140),
        ({"default_study_language_code": ""}, 140),
        ({"default_study_language_code": None}, 103),
        ({"default_study_language_code": 7}, 103),
        ({"default_study_language_code": "x" * 5000}, 103),
        ({"lang": "en-"}, 140),
        ({"utc_offset": 50401}, 141),
        ({"utc_offset": -50401}, 141),
        ({"utc_offset": 10**30}, 141),
        ({"utc_offset": "3600"}, 103),
        ({"utc_offset": 3600.5}, 103),
        ({"utc_offset": True}, 103),
        ({"name": "n" * 201}, 142),
        ({"name": 5}, 103),
        ([{"lang": "ja"}], 103),
    ],
)
def test_patch_rejects_bad_values_and_changes_nothing(
    client: TestClient, db: Database, settings: Settings, body: Any, code: int
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    payload = {**body, "lang": body.get("lang", "ja")} if isinstance(body, dict) else body
    response = client.patch("/account", json=payload, headers=headers)
    assert response.status_code == 400
    assert error_code(response) == code
    assert account(client, headers)["lang"] == "en"  # the valid field was not applied either


def test_patch_accepts_the_edges(client: TestClient, db: Database, settings: Settings) -> None:
    headers = bearer(settings, make_user(db))
    for body in ({"utc_offset": 50400}, {"utc_offset": -50400}, {"name": "n" * 200}):
        assert client.patch("/account", json=body, headers=headers).status_code == 204
    for code, stored in (("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419"), ("JA", "ja")):
        response = client.patch(
            "/account", json={"default_study_language_code": code}, headers=headers
        )
        assert response.status_code == 204
        assert account(client, headers)["default_study_language_code"] == stored


def test_patch_malformed_json_is_400(client: TestClient, db: Database, settings: Settings) -> None:
    headers = {**bearer(settings, make_user(db)), "content-type": "application/json"}
    response = client.patch("/account", content=b"{nope", headers=headers)
    assert (response.status_code, error_code(response)) == (400, 101)


def test_delete_account_deactivates_everything(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db, email="leaving@example.com")
    other = make_user(db)
    video = make_video(db)
    with db.session() as session:
        likes.like(session, video_id=video.id, user_id=user.id)
        likes.like(session, video_id=video.id, user_id=other.id)
    headers = bearer(settings, user)

    response = client.delete("/account", headers=headers)
    assert response.status_code == 204
    assert "x-gn-auth-token" not in response.headers  # it would already be revoked

    revoked = client.get("/account", headers=headers)
    assert (revoked.status_code, error_code(revoked)) == (401, 205)
    login = client.post(
        "/login", json={"email": "leaving@example.com", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 401
    with db.session(write=False) as session:
        assert session.get(Video, video.id).like_count == 1  # type: ignore[union-attr]
        assert session.get(User, user.id).is_active is False  # type: ignore[union-attr]
    again = client.post("/register", json={"email": "leaving@example.com", "password": "new-pw-1"})
    assert again.status_code == 200
    assert again.json()["id"] != user.id


def test_change_email(client: TestClient, db: Database, settings: Settings) -> None:
    user = make_user(db, email="old@example.com", email_verified=True)
    headers = bearer(settings, user)
    response = client.post("/account/email", json={"email": "New@Example.com"}, headers=headers)
    assert response.status_code == 204
    body = account(client, headers)
    assert body["email"] == "new@example.com"
    assert body["email_verified"] is False
    login = client.post("/login", json={"email": "new@example.com", "password": DEFAULT_PASSWORD})
    assert login.status_code == 200
    same = client.post("/account/email", json={"email": "new@example.com"}, headers=headers)
    assert same.status_code == 204


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "taken@example.com"}, 121),
        ({"email": "TAKEN@example.com "}, 121),
        ({"email": "not an email"}, 110),
        ({"email": ""}, 110),
        ({"email": None}, 103),
        ({"email": ["a@example.com"]}, 103),
        ({}, 102),
    ],
)
def test_change_email_errors(
    client: TestClient, db: Database, settings: Settings, body: Any, code: int
) -> None:
    make_user(db, email="taken@example.com")
    user = make_user(db, email="mine@example.com")
    headers = bearer(settings, user)
    response = client.post("/account/email", json=body, headers=headers)
    assert response.status_code == 400
    assert error_code(response) == code
    assert account(client, headers)["email"] == "mine@example.com"


def test_change_password_revokes_old_tokens_and_hands_out_a_new_one(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db, email="pw@example.com")
    old_headers = bearer(settings, user)
    response = client.post(
        "/account/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "brand-new-pw"},
        headers=old_headers,
    )
    assert response.status_code == 204
    fresh = token_header(response)
    assert client.get("/account", headers=fresh).status_code == 200
    stale = client.get("/account", headers=old_headers)
    assert (stale.status_code, error_code(stale)) == (401, 205)
    old_login = client.post(
        "/login", json={"email": "pw@example.com", "password": DEFAULT_PASSWORD}
    )
    assert old_login.status_code == 401
    new_login = client.post("/login", json={"email": "pw@example.com", "password": "brand-new-pw"})
    assert new_login.status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"current_password": "wrong-password", "new_password": "brand-new-pw"}, 113),
        ({"current_password": DEFAULT_PASSWORD, "new_password": "short"}, 111),
        ({"current_password": DEFAULT_PASSWORD, "new_password": "x" * 129}, 112),
        ({"current_password": DEFAULT_PASSWORD}, 102),
        ({"new_password": "brand-new-pw"}, 102),
        ({"current_password": DEFAULT_PASSWORD, "new_password": 12345678}, 103),
    ],
)
def test_change_password_errors_keep_the_old_password(
    client: TestClient, db: Database, settings: Settings, body: Any, code: int
) -> None:
    user = make_user(db, email="pw@example.com")
    headers = bearer(settings, user)
    response = client.post("/account/password", json=body, headers=headers)
    assert response.status_code == 400
    assert error_code(response) == code
    assert client.get("/account", headers=headers).status_code == 200  # not revoked
