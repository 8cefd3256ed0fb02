"""Rockpack profile updates: attributes, password change and avatar, with owner-only access."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.accounts.tokens import issue_token
from getnative.api.rockpack import ids
from getnative.config import Settings
from getnative.db import Database
from tests.clients import assert_credentials, bearer_token, custom_client, login, refresh, user_path
from tests.factories import DEFAULT_PASSWORD, bearer, make_member, rockpack_bearer

ROCKPACK = "rockpack"


def auth(settings: Settings, user: User) -> dict[str, str]:
    return bearer(settings, user, audience=ROCKPACK)


def stored(db: Database, user: User) -> User:
    with db.session(write=False) as session:
        found = session.get(User, user.id)
        assert found is not None
        return found


def put(client: TestClient, settings: Settings, user: User, attribute: str, value: Any) -> Any:
    return client.put(
        user_path(user, f"{attribute}/"), json=value, headers=rockpack_bearer(settings, user)
    )


def png(width: int = 40, height: int = 30, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "red").save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("attribute", "value", "column", "expected"),
    [
        ("username", "PorkChopExpress", "username", "PorkChopExpress"),
        ("first_name", "  Jack ", "first_name", "Jack"),
        ("last_name", "Burton", "last_name", "Burton"),
        ("date_of_birth", "1971-03-02", "date_of_birth", date(1971, 3, 2)),
        ("locale", "en-GB", "locale", "en-GB"),
        ("email", "New@Example.com", "email", "new@example.com"),
        ("gender", "f", "gender", "f"),
        ("gender", "M", "gender", "m"),
    ],
)
def test_update_attribute(
    client: TestClient,
    db: Database,
    settings: Settings,
    attribute: str,
    value: str,
    column: str,
    expected: object,
) -> None:
    user = make_member(db)
    response = put(client, settings, user, attribute, value)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert getattr(stored(db, user), column) == expected


def test_names_keep_the_display_name_in_step(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_member(db, first_name="Jack", last_name="Burton")
    put(client, settings, user, "first_name", "Wang")
    put(client, settings, user, "last_name", "Chi")
    assert stored(db, user).name == "Wang Chi"


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("username", "ab"),
        ("username", "has space"),
        ("username", "x" * 100),
        ("first_name", ""),
        ("first_name", "x" * 101),
        ("last_name", "tab\there"),
        ("date_of_birth", "1980-13-01"),
        ("date_of_birth", "yesterday"),
        ("date_of_birth", "2999-01-01"),
        ("locale", "not a locale"),
        ("locale", "x" * 50),
        ("email", "nope"),
        ("gender", "x"),
        ("gender", ""),
    ],
)
def test_update_attribute_validation(
    client: TestClient, db: Database, settings: Settings, attribute: str, value: str
) -> None:
    user = make_member(db)
    response = put(client, settings, user, attribute, value)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert isinstance(body["message"], str) and body["message"]


def test_taken_username_suggests_a_free_one(
    client: TestClient, db: Database, settings: Settings
) -> None:
    make_member(db, username="foo")
    make_member(db, username="Foo2")
    user = make_member(db, username="someone")
    response = put(client, settings, user, "username", "FOO")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "Username is already taken",
        "suggested_username": "FOO3",
    }
    assert put(client, settings, user, "username", "FOO3").status_code == 204
    # Changing only the case of one's own username is allowed.
    assert put(client, settings, user, "username", "foo3").status_code == 204
    assert stored(db, user).username == "foo3"


def test_taken_email_is_refused(client: TestClient, db: Database, settings: Settings) -> None:
    make_member(db, email="taken@example.com")
    user = make_member(db)
    response = put(client, settings, user, "email", "TAKEN@example.com")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "This email address is already in use.",
    }


@pytest.mark.parametrize("body", [None, 42, ["a"], {"value": "a"}, True])
def test_attribute_body_must_be_a_json_string(
    client: TestClient, db: Database, settings: Settings, body: object
) -> None:
    user = make_member(db)
    response = put(client, settings, user, "first_name", body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_attribute_body_malformed(client: TestClient, db: Database, settings: Settings) -> None:
    user = make_member(db)
    headers = {**rockpack_bearer(settings, user), "Content-Type": "application/json"}
    for content in (b"{not json", b"", b'"\xff\xfe"', b'"nul\\u0000byte"'):
        response = client.put(user_path(user, "first_name/"), content=content, headers=headers)
        assert response.status_code == 400, content
        assert response.json()["error"] == "invalid_request"


def test_unknown_attribute_is_404(client: TestClient, db: Database, settings: Settings) -> None:
    user = make_member(db)
    assert put(client, settings, user, "is_admin", "yes").status_code == 404
    assert put(client, settings, user, "token_version", "1").status_code == 404


def test_owner_only(client: TestClient, db: Database, settings: Settings) -> None:
    user = make_member(db)
    other = make_member(db)
    path = user_path(user, "first_name/")
    anonymous = client.put(path, json="X")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="rockpack" error="invalid_token"'
    assert anonymous.json() == {"error": "invalid_token"}
    forbidden = client.put(path, json="X", headers=rockpack_bearer(settings, other))
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": "insufficient_scope"}
    for bad_id in ("nonsense", "us" + "A" * 10, ids.encode(ids.CHANNEL, user.id), "us" + "!" * 11):
        response = client.put(
            f"/ws/{bad_id}/first_name/", json="X", headers=rockpack_bearer(settings, user)
        )
        assert response.status_code == 404, bad_id
    assert stored(db, user).first_name == "Paul"


def test_tokens_of_other_audiences_or_garbage_are_invalid(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_member(db)
    path = user_path(user, "first_name/")
    for headers in (
        bearer(settings, user, audience="getnative"),
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Basic abc"},
    ):
        response = client.put(path, json="X", headers=headers)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_expired_access_token(client: TestClient, db: Database, settings: Settings) -> None:
    user = make_member(db)
    expired = issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=settings.jwt_secret,
        ttl_seconds=-60,
        audience=ROCKPACK,
    )
    response = client.put(
        user_path(user, "first_name/"), json="X", headers=bearer_token(expired.token)
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="rockpack" error="expired_token"'
    assert response.json() == {"error": "expired_token"}


# --- password -----------------------------------------------------------------------------------


def test_change_password_returns_new_credentials_and_revokes_old_ones(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_member(db)
    old = login(client, user.username or "")
    response = client.put(
        user_path(user, "password/"),
        json={"old": DEFAULT_PASSWORD, "new": "new-password-1"},
        headers=bearer_token(old["access_token"]),
    )
    assert response.status_code == 200, response.text
    fresh = response.json()
    assert_credentials(fresh, settings, user.id)
    assert fresh["refresh_token"] != old["refresh_token"]
    stale = client.put(
        user_path(user, "first_name/"), json="X", headers=bearer_token(old["access_token"])
    )
    assert stale.status_code == 401
    assert stale.headers["www-authenticate"] == 'Bearer realm="rockpack" error="invalid_token"'
    assert refresh(client, old["refresh_token"]).json()["error"] == "invalid_grant"
    works = client.put(
        user_path(user, "first_name/"), json="X", headers=bearer_token(fresh["access_token"])
    )
    assert works.status_code == 204
    assert refresh(client, fresh["refresh_token"]).status_code == 200
    assert login(client, user.username or "", "new-password-1")["user_id"] == fresh["user_id"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"old": DEFAULT_PASSWORD, "new": "12345"}, "Field must be at least 6 characters long."),
        ({"old": "wrong-password", "new": "123456789"}, "Old password is incorrect."),
        ({"old": DEFAULT_PASSWORD}, "Both old and new passwords must be supplied."),
        ({"new": "123456789"}, "Both old and new passwords must be supplied."),
        ({"old": "", "new": ""}, "Both old and new passwords must be supplied."),
        ({"old": 1, "new": 2}, "Both old and new passwords must be supplied."),
        (["old", "new"], "Both old and new passwords must be supplied."),
        ("password", "Both old and new passwords must be supplied."),
    ],
)
def test_change_password_errors(
    client: TestClient, db: Database, settings: Settings, body: Any, message: str
) -> None:
    user = make_member(db)
    response = client.put(
        user_path(user, "password/"), json=body, headers=rockpack_bearer(settings, user)
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid request", "message": [message]}
    assert stored(db, user).token_version == user.token_version


def test_change_password_is_owner_only(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_member(db)
    other = make_member(db)
    body = {"old": DEFAULT_PASSWORD, "new": "new-password-1"}
    path = user_path(user, "password/")
    assert client.put(path, json=body).status_code == 401
    assert client.put(path, json=body, headers=rockpack_bearer(settings, other)).status_code == 403
    assert (
        client.put(
            "/ws/x/password/", json=body, headers=rockpack_bearer(settings, user)
        ).status_code
        == 404
    )


# --- avatar -------------------------------------------------------------------------------------


def test_avatar_upload_stores_a_reencoded_image(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_member(db)
    headers = {**rockpack_bearer(settings, user), "Content-Type": "image/png"}
    first = client.put(user_path(user, "avatar/"), content=png(), headers=headers)
    assert first.status_code == 204, first.text
    location = first.headers["location"]
    assert location.startswith("http://testserver/media/avatars/")
    assert location.endswith(".jpg")
    assert stored(db, user).picture_url == location
    served = client.get(location.removeprefix("http://testserver"))
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (40, 30)

    second = client.put(user_path(user, "avatar/"), content=png(1200, 900, "RGBA"), headers=headers)
    assert second.status_code == 204
    assert second.headers["location"].endswith(".png")
    assert second.headers["location"] != location
    old_file = Path(settings.media_dir) / location.split("/media/", 1)[1]
    assert not old_file.exists()
    new_file = Path(settings.media_dir) / second.headers["location"].split("/media/", 1)[1]
    assert max(Image.open(new_file).size) == 600


@pytest.mark.parametrize("content", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50])
def test_avatar_rejects_non_images(
    client: TestClient, db: Database, settings: Settings, content: bytes
) -> None:
    user = make_member(db)
    headers = {**rockpack_bearer(settings, user), "Content-Type": "image/png"}
    response = client.put(user_path(user, "avatar/"), content=content, headers=headers)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": "cannot identify image file"}
    assert stored(db, user).picture_url is None


def test_avatar_too_large(client: TestClient, db: Database, settings: Settings) -> None:
    user = make_member(db)
    headers = {**rockpack_bearer(settings, user), "Content-Type": "image/png"}
    huge = client.put(user_path(user, "avatar/"), content=png(8001, 1), headers=headers)
    assert huge.status_code == 413
    assert huge.json()["error"] == "invalid_request"
    too_many_bytes = b"\x00" * (settings.max_image_bytes * 2)
    response = client.put(user_path(user, "avatar/"), content=too_many_bytes, headers=headers)
    assert response.status_code == 413


def test_avatar_is_owner_only(client: TestClient, db: Database, settings: Settings) -> None:
    user = make_member(db)
    other = make_member(db)
    path = user_path(user, "avatar/")
    assert client.put(path, content=png()).status_code == 401
    assert (
        client.put(path, content=png(), headers=rockpack_bearer(settings, other)).status_code == 403
    )


def test_change_password_attempts_are_limited(tmp_path: Path, db: Database) -> None:
    client = custom_client(tmp_path, db, login_attempts_per_15_minutes=2)
    settings = client.app.state.container.settings
    user = make_member(db)
    body = {"old": "wrong-password", "new": "new-password-1"}
    path = user_path(user, "password/")
    statuses = [
        client.put(path, json=body, headers=rockpack_bearer(settings, user)).status_code
        for _ in range(3)
    ]
    assert statuses == [400, 400, 429]
