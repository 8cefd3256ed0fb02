"""Rockpack OAuth: client authentication, login, registration, refresh rotation, reset mail."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from getnative.accounts.models import RefreshToken, User
from getnative.db import Database, utcnow
from getnative.mail import OutboxMailer
from getnative.notifications.models import Notification
from getnative.web.container import Container
from tests.clients import (
    assert_credentials,
    basic,
    bearer_token,
    container_of,
    custom_client,
    login,
    refresh,
    registration,
    user_path,
)
from tests.factories import DEFAULT_PASSWORD, make_member

CLIENT_ROUTES = [
    "/ws/login/",
    "/ws/register/",
    "/ws/token/",
    "/ws/register/availability/",
    "/ws/reset-password/",
    "/ws/reset-password/confirm/",
]


def test_discovery_lists_absolute_resource_urls(client: TestClient) -> None:
    response = client.get("/ws/")
    assert response.status_code == 200
    body = response.json()
    assert body["login_url"] == "http://testserver/ws/login/"
    assert body["register_url"] == "http://testserver/ws/register/"
    assert body["refresh_token_url"] == "http://testserver/ws/token/"
    assert body["categories_url"] == "http://testserver/ws/categories/"
    assert body["popular_channels_url"] == "http://testserver/ws/channels/"
    assert body["popular_videos_url"] == "http://testserver/ws/videos/"
    assert all(url.startswith("http://testserver/ws/") for url in body.values())


@pytest.mark.parametrize("path", CLIENT_ROUTES)
def test_client_authentication_is_required(client: TestClient, path: str) -> None:
    missing = client.post(path, data={"grant_type": "password"})
    assert missing.status_code == 401
    assert missing.json()["error"] == "invalid_request"
    assert missing.headers["www-authenticate"] == 'Basic realm="rockpack"'
    for headers in (
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"Authorization": "Basic"},
    ):
        assert client.post(path, headers=headers).json() == {
            "error": "invalid_request",
            "message": client.post(path, headers=headers).json()["message"],
        }
    for headers in (basic("unknown-app"), basic(secret="wrong"), basic(secret="")):
        response = client.post(path, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"error": "unauthorized_client"}


def test_login_with_username_email_or_other_case(client: TestClient, db: Database) -> None:
    user = make_member(db, username="PorkChop", email="jack@example.com")
    for name in ("porkchop", "JACK@example.com "):
        response = client.post(
            "/ws/login/",
            data={"grant_type": "password", "username": name, "password": DEFAULT_PASSWORD},
            headers=basic(),
        )
        assert response.status_code == 200, name
        assert response.headers["cache-control"] == "no-store"
        assert_credentials(response.json(), container_of(client).settings, user.id)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        (
            {"grant_type": "client_credentials", "username": "x", "password": "y"},
            "unsupported_grant_type",
        ),
        ({"username": "x", "password": "y"}, "invalid_request"),
        ({"grant_type": "password", "username": "x"}, "invalid_request"),
        ({"grant_type": "password", "password": "y"}, "invalid_request"),
        ({"grant_type": "password", "username": "nobody", "password": "wrong-pw"}, "invalid_grant"),
    ],
)
def test_login_errors(client: TestClient, form: dict[str, str], error: str) -> None:
    response = client.post("/ws/login/", data=form, headers=basic())
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_login_refuses_wrong_password_deactivated_and_json_bodies(
    client: TestClient, db: Database
) -> None:
    user = make_member(db)
    gone = make_member(db, is_active=False)
    for name, password in ((user.username, "wrong-password"), (gone.username, DEFAULT_PASSWORD)):
        response = client.post(
            "/ws/login/",
            data={"grant_type": "password", "username": name, "password": password},
            headers=basic(),
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    as_json = client.post(
        "/ws/login/",
        json={"grant_type": "password", "username": user.username, "password": DEFAULT_PASSWORD},
        headers=basic(),
    )
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_request"
    nul = client.post(
        "/ws/login/",
        data={"grant_type": "password", "username": "a\x00b", "password": "x" * 5000},
        headers=basic(),
    )
    assert nul.status_code == 400


def test_login_attempts_are_limited_per_username_and_per_ip(tmp_path: Path, db: Database) -> None:
    client = custom_client(tmp_path, db, login_attempts_per_15_minutes=3)
    user = make_member(db)
    form = {"grant_type": "password", "username": user.username, "password": "wrong-password"}
    statuses = [client.post("/ws/login/", data=form, headers=basic()).status_code for _ in range(3)]
    assert statuses == [400, 400, 400]
    limited = client.post(
        "/ws/login/", data={**form, "password": DEFAULT_PASSWORD}, headers=basic()
    )
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert int(limited.headers["retry-after"]) > 0
    # The same IP trying another username is over its budget too.
    other = make_member(db)
    form_other = {"grant_type": "password", "username": other.username, "password": "x" * 8}
    assert client.post("/ws/login/", data=form_other, headers=basic()).status_code == 429


def test_successful_logins_do_not_use_up_the_budget(tmp_path: Path, db: Database) -> None:
    """One brute-force rule for both dialects (accounts.service.LoginThrottle): only failures
    count, so a client that logs in often is never throttled."""
    client = custom_client(tmp_path, db, login_attempts_per_15_minutes=2)
    user = make_member(db)
    form = {"grant_type": "password", "username": user.username, "password": DEFAULT_PASSWORD}
    statuses = [client.post("/ws/login/", data=form, headers=basic()).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 200]


def test_register_answers_credentials_and_creates_the_user(
    client: TestClient, db: Database
) -> None:
    form = registration(username="PorkChopExpress", email="Jack@Example.com", locale="en_GB")
    response = client.post("/ws/register/", data=form, headers=basic())
    assert response.status_code == 200, response.text
    with db.session(write=False) as session:
        user = session.scalars(select(User).where(User.username == "PorkChopExpress")).one()
        assert (user.first_name, user.last_name, user.name) == ("Jack", "Burton", "Jack Burton")
        assert user.email == "jack@example.com"
        assert user.date_of_birth is not None
        assert user.date_of_birth.isoformat() == "1980-05-17"
        assert (user.locale, user.gender) == ("en-GB", "m")
        welcome = session.scalar(select(func.count()).where(Notification.user_id == user.id))
        assert welcome == 1
    assert_credentials(response.json(), container_of(client).settings, user.id)
    assert (
        login(client, "porkchopexpress", form["password"])["user_id"] == response.json()["user_id"]
    )


def test_register_without_gender(client: TestClient) -> None:
    form = registration()
    del form["gender"]
    assert client.post("/ws/register/", data=form, headers=basic()).status_code == 200


def test_register_lists_every_bad_field_at_once(client: TestClient) -> None:
    empty = client.post("/ws/register/", data={}, headers=basic())
    assert empty.status_code == 400
    body = empty.json()
    assert body["error"] == "invalid_request"
    # first_name and last_name are optional since issue 12 (the document does not require them).
    assert set(body["form_errors"]) == {
        "username",
        "password",
        "date_of_birth",
        "locale",
        "email",
    }
    bad = registration(
        username="a b!",
        password="12345",
        first_name="x" * 101,
        last_name="   ",
        date_of_birth="1980-02-30",
        locale="english please",
        email="not-an-email",
        gender="x",
    )
    response = client.post("/ws/register/", data=bad, headers=basic())
    assert response.status_code == 400
    errors = response.json()["form_errors"]
    assert set(errors) == set(bad) - {"last_name"}  # a blank optional name is no name
    assert errors["password"] == ["Field must be at least 6 characters long."]
    assert all(isinstance(messages, list) and messages for messages in errors.values())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "ab"),
        ("username", "x" * 31),
        ("username", "héllo"),
        ("date_of_birth", "2999-01-01"),
        ("date_of_birth", "17/05/1980"),
        ("date_of_birth", "1850-01-01"),
        ("locale", "e"),
        ("email", "a@b"),
    ],
)
def test_register_rejects_each_rule(client: TestClient, field: str, value: str) -> None:
    response = client.post("/ws/register/", data=registration(**{field: value}), headers=basic())
    assert response.status_code == 400
    assert list(response.json()["form_errors"]) == [field]


def test_register_refuses_taken_username_and_email(client: TestClient, db: Database) -> None:
    make_member(db, username="Porkchop", email="taken@example.com")
    make_member(db, username="porkchop2")
    response = client.post(
        "/ws/register/",
        data=registration(username="PORKCHOP", email="TAKEN@example.com"),
        headers=basic(),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["form_errors"] == {
        "username": ["Username is already taken"],
        "email": ["This email address is already in use."],
    }
    assert body["suggested_username"] == "PORKCHOP3"


def test_deactivated_accounts_free_their_username_and_email(
    client: TestClient, db: Database
) -> None:
    make_member(db, username="ghost", email="ghost@example.com", is_active=False)
    form = registration(username="Ghost", email="ghost@example.com")
    assert client.post("/ws/register/", data=form, headers=basic()).status_code == 200


def test_refresh_rotates_and_reuse_revokes_every_refresh_token(
    client: TestClient, db: Database
) -> None:
    user = make_member(db)
    first = login(client, user.username or "")
    other_device = login(client, user.username or "")
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200
    assert second.headers["cache-control"] == "no-store"
    assert_credentials(second.json(), container_of(client).settings, user.id)
    assert second.json()["refresh_token"] != first["refresh_token"]
    third = refresh(client, second.json()["refresh_token"])
    assert third.status_code == 200
    # Presenting a rotated-out token: refused, and every live refresh token is revoked.
    reused = refresh(client, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    for token in (third.json()["refresh_token"], other_device["refresh_token"]):
        assert refresh(client, token).json()["error"] == "invalid_grant"
    # Replaying it again is merely unknown: it does not revoke the next login's tokens.
    fresh = login(client, user.username or "")
    assert refresh(client, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(client, fresh["refresh_token"]).status_code == 200
    # Access tokens already issued keep working until they expire.
    ok = client.put(
        user_path(user, "first_name/"),
        json="Paula",
        headers=bearer_token(third.json()["access_token"]),
    )
    assert ok.status_code == 204


def test_refresh_tokens_are_stored_as_hashes(client: TestClient, db: Database) -> None:
    user = make_member(db)
    raw = login(client, user.username or "")["refresh_token"]
    with db.session(write=False) as session:
        row = session.scalars(select(RefreshToken).where(RefreshToken.user_id == user.id)).one()
        assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert row.client_id == "rockpack-ios"
        assert row.expires_at > utcnow() + timedelta(days=29)


def test_refresh_errors(client: TestClient, db: Database) -> None:
    user = make_member(db)
    pair = login(client, user.username or "")
    assert refresh(client, "unknown-token").json() == {
        "error": "invalid_grant",
        "message": "The refresh token is invalid.",
    }
    wrong_grant = client.post(
        "/ws/token/",
        data={"grant_type": "password", "refresh_token": pair["refresh_token"]},
        headers=basic(),
    )
    assert wrong_grant.status_code == 400
    assert wrong_grant.json()["error"] == "unsupported_grant_type"
    missing = client.post("/ws/token/", data={"grant_type": "refresh_token"}, headers=basic())
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    with db.session() as session:
        session.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = refresh(client, pair["refresh_token"])
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"


def test_refresh_refused_for_deactivated_user_and_other_client(
    tmp_path: Path, db: Database
) -> None:
    client = custom_client(tmp_path, db, oauth_clients="rockpack-ios:rockpack-dev-secret,web:w3b")
    user = make_member(db)
    pair = login(client, user.username or "")
    other_client = client.post(
        "/ws/token/",
        data={"grant_type": "refresh_token", "refresh_token": pair["refresh_token"]},
        headers=basic("web", "w3b"),
    )
    assert other_client.status_code == 400
    assert other_client.json()["error"] == "invalid_grant"
    with db.session() as session:
        session.execute(update(User).where(User.id == user.id).values(is_active=False))
    gone = refresh(client, pair["refresh_token"])
    assert gone.status_code == 400
    assert gone.json()["error"] == "invalid_grant"


def test_availability(client: TestClient, db: Database) -> None:
    make_member(db, username="Taken", email="taken@example.com")

    def available(**form: str) -> object:
        response = client.post("/ws/register/availability/", data=form, headers=basic())
        assert response.status_code == 200
        return response.json()

    assert available(username="free") == {"available": True}
    assert available(username="TAKEN") == {"available": False}
    assert available(username="no way") == {"available": False}
    assert available(email="free@example.com") == {"available": True}
    assert available(email="Taken@example.com") == {"available": False}
    assert available(username="free", email="taken@example.com") == {"available": False}
    none = client.post("/ws/register/availability/", data={}, headers=basic())
    assert none.status_code == 400
    assert none.json()["error"] == "invalid_request"


def _mailer(client: TestClient) -> OutboxMailer:
    container: Container = container_of(client)
    mailer = OutboxMailer()
    container.mailer = mailer
    return mailer


def test_reset_password_mails_a_link_and_never_reveals_accounts(
    client: TestClient, db: Database
) -> None:
    mailer = _mailer(client)
    user = make_member(db, username="forgetful", email="forgetful@example.com")
    for form in (
        {"username": "FORGETFUL"},
        {"email": "forgetful@example.com"},
        {"username": "ghost"},
    ):
        response = client.post("/ws/reset-password/", data=form, headers=basic())
        assert response.status_code == 204
        assert response.content == b""
    assert [message.to for message in mailer.outbox] == ["forgetful@example.com"] * 2
    link = next(line for line in mailer.outbox[0].body.splitlines() if "token=" in line)
    assert link.startswith("http://testserver/app/#/reset?token=")
    token = parse_qs(urlparse(link).fragment.partition("?")[2])["token"][0]
    old = login(client, "forgetful")

    confirm = client.post(
        "/ws/reset-password/confirm/",
        data={"token": token, "password": "brand-new-pw"},
        headers=basic(),
    )
    assert confirm.status_code == 204
    assert login(client, "forgetful", "brand-new-pw")["user_id"] == old["user_id"]
    assert refresh(client, old["refresh_token"]).json()["error"] == "invalid_grant"
    again = client.post(
        "/ws/reset-password/confirm/",
        data={"token": token, "password": "another-pw"},
        headers=basic(),
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert user.id


@pytest.mark.usefixtures("db")
def test_reset_password_errors(client: TestClient) -> None:
    assert client.post("/ws/reset-password/", data={}, headers=basic()).status_code == 400
    bad = client.post(
        "/ws/reset-password/confirm/",
        data={"token": "nope", "password": "whatever1"},
        headers=basic(),
    )
    assert bad.json()["error"] == "invalid_grant"
    missing = client.post("/ws/reset-password/confirm/", data={"token": "x"}, headers=basic())
    assert missing.status_code == 400


def test_reset_requests_are_limited(tmp_path: Path, db: Database) -> None:
    client = custom_client(tmp_path, db, login_attempts_per_15_minutes=2)
    form = {"email": "someone@example.com"}
    statuses = [
        client.post("/ws/reset-password/", data=form, headers=basic()).status_code for _ in range(3)
    ]
    assert statuses == [204, 204, 429]


class BrokenMailer:
    def send(self, to: str, subject: str, body: str) -> None:  # noqa: ARG002 (Mailer's signature)
        raise ConnectionError("smtp down")


def test_reset_password_hides_mail_failures(client: TestClient, db: Database) -> None:
    container_of(client).mailer = BrokenMailer()
    make_member(db, username="unlucky")
    response = client.post("/ws/reset-password/", data={"username": "unlucky"}, headers=basic())
    assert response.status_code == 204


def test_confirm_reset_checks_the_new_password(client: TestClient, db: Database) -> None:
    mailer = _mailer(client)
    make_member(db, username="weakling")
    client.post("/ws/reset-password/", data={"username": "weakling"}, headers=basic())
    link = next(line for line in mailer.outbox[0].body.splitlines() if "token=" in line)
    token = parse_qs(urlparse(link).fragment.partition("?")[2])["token"]
    response = client.post(
        "/ws/reset-password/confirm/",
        data={"token": token[0], "password": "123"},
        headers=basic(),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "form_errors": {"password": ["Field must be at least 6 characters long."]},
    }


def test_the_openapi_document_names_each_oauth_form_field(client: TestClient) -> None:
    """The form models document the bodies; required ones are the fields a route refuses without."""
    paths = client.get("/ws/openapi.json").json()["paths"]

    def form(path: str, media: str = "application/x-www-form-urlencoded") -> dict[str, Any]:
        schema: dict[str, Any] = paths[path]["post"]["requestBody"]["content"][media]["schema"]
        return schema

    assert form("/login/")["required"] == ["grant_type", "username", "password"]
    assert form("/token/")["required"] == ["grant_type", "refresh_token"]
    assert form("/reset-password/confirm/")["required"] == ["token", "password"]
    for path in ("/register/availability/", "/reset-password/"):
        assert "required" not in form(path)
        assert set(form(path)["properties"]) == {"username", "email"}
    register = form("/register/", "application/json")
    assert register["required"] == ["username", "password", "date_of_birth", "locale", "email"]
    assert set(register["properties"]) >= {"first_name", "last_name", "gender"}
