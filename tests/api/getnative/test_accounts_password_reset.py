"""POST /password_reset/confirm: the Get Native end of the reset mail's link (the page posts it)."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.accounts import oauth_service
from getnative.config import Settings
from getnative.db import Database
from tests.factories import bearer, make_user


def test_sets_the_password_revokes_old_tokens_and_is_single_use(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db)
    old = bearer(settings, user)
    token = oauth_service.issue_reset_token(user, settings)

    response = client.post(
        "/password_reset/confirm", json={"token": token, "new_password": "a-new-secret"}
    )

    assert response.status_code == 204
    assert "X-GN-Auth-Token" not in response.headers
    assert client.get("/account", headers=old).status_code == 401
    login = client.post("/login", json={"email": user.email, "password": "a-new-secret"})
    assert login.status_code == 200
    again = client.post(
        "/password_reset/confirm", json={"token": token, "new_password": "third-secret"}
    )
    assert again.status_code == 400
    assert again.json()["errors"][0]["code"] == 114


def test_bad_tokens_and_weak_passwords_are_400s(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db)
    token = oauth_service.issue_reset_token(user, settings)
    session_token = bearer(settings, user)["Authorization"].removeprefix("Bearer ")
    cases = [
        ({"token": "not-a-token", "new_password": "long-enough"}, 114),
        ({"token": session_token, "new_password": "long-enough"}, 114),  # not a reset token
        ({"token": token, "new_password": "short"}, 111),
        ({"token": token}, 102),
        ({"token": 5, "new_password": "long-enough"}, 103),
    ]
    for body, code in cases:
        response = client.post("/password_reset/confirm", json=body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["code"] == code, body
