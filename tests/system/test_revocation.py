"""Review point 1: a password change, reset or deactivation in either dialect revokes every
access and refresh token of the user in both dialects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.db import Database
from getnative.mail import OutboxMailer
from tests.clients import basic, bearer_token, login, refresh, user_path
from tests.factories import DEFAULT_PASSWORD, make_member

NEW_PASSWORD = "a-brand-new-pw-1"


def _gn_token(client: TestClient, user: User) -> str:
    response = client.post("/login", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200, response.text
    return response.headers["X-GN-Auth-Token"]


def _gn_password_change(client: TestClient, user: User, gn: str, _rp: dict[str, Any]) -> None:
    response = client.post(
        "/account/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer_token(gn),
    )
    assert response.status_code == 204, response.text


def _gn_deactivation(client: TestClient, user: User, gn: str, _rp: dict[str, Any]) -> None:
    assert client.delete("/account", headers=bearer_token(gn)).status_code == 204


def _rp_password_change(client: TestClient, user: User, _gn: str, rp: dict[str, Any]) -> None:
    response = client.put(
        user_path(user, "password/"),
        json={"old": DEFAULT_PASSWORD, "new": NEW_PASSWORD},
        headers=bearer_token(rp["access_token"]),
    )
    assert response.status_code == 200, response.text


def _rp_reset(client: TestClient, user: User, _gn: str, _rp: dict[str, Any]) -> None:
    mailer = OutboxMailer()
    client.app.state.container.mailer = mailer  # type: ignore[attr-defined]
    client.post("/ws/reset-password/", data={"username": user.username}, headers=basic())
    link = next(line for line in mailer.outbox[0].body.splitlines() if "token=" in line)
    token = parse_qs(urlparse(link).fragment.partition("?")[2])["token"][0]
    response = client.post(
        "/ws/reset-password/confirm/",
        data={"token": token, "password": NEW_PASSWORD},
        headers=basic(),
    )
    assert response.status_code == 204, response.text


@pytest.mark.parametrize(
    "revoke",
    [_gn_password_change, _gn_deactivation, _rp_password_change, _rp_reset],
    ids=["gn-password", "gn-deactivation", "rp-password", "rp-reset"],
)
def test_revocation_in_one_dialect_kills_every_token_of_both(
    client: TestClient, db: Database, revoke: Callable[..., None]
) -> None:
    user = make_member(db)
    gn = _gn_token(client, user)
    rp = login(client, user.username or "")
    revoke(client, user, gn, rp)

    assert client.get("/account", headers=bearer_token(gn)).status_code == 401
    me = client.get(user_path(user), headers=bearer_token(rp["access_token"]))
    assert me.status_code == 401
    assert refresh(client, rp["refresh_token"]).json()["error"] == "invalid_grant"
