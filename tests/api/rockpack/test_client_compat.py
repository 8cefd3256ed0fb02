"""What the iOS app (wonderpl/rockpack-ios) and the original flow tests rely on (issue 12):
JSON registration without names, a public OAuth client, channel defaults, `"cover": "KEEP"`,
unsubscribing by channel id and one paging rule for every list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.channels.models import Channel, Subscription
from getnative.config import Settings
from getnative.db import Database
from tests.clients import basic, channel_path, cid, custom_client, registration, uid
from tests.factories import (
    DEFAULT_PASSWORD,
    make_channel,
    make_cover_art,
    make_user,
    rockpack_bearer,
    subscribe,
)

APP_ID = "rockpack-ios-public"


def _channel(db: Database, channel_id: int) -> Channel:
    with db.session(write=False) as session:
        row = session.get(Channel, channel_id)
        assert row is not None
        return row


# --- registration ---------------------------------------------------------------------------


def test_register_accepts_a_json_body_without_names(client: TestClient, db: Database) -> None:
    body = registration()
    del body["first_name"], body["last_name"]

    response = client.post("/ws/register/", json=body, headers=basic())

    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"
    with db.session(write=False) as session:
        user = session.query(User).filter_by(username=body["username"]).one()
        assert (user.first_name, user.last_name, user.name) == (None, None, "")


def test_register_accepts_a_form_without_names(client: TestClient) -> None:
    body = registration(first_name="", last_name="")

    response = client.post("/ws/register/", data=body, headers=basic())

    assert response.status_code == 200, response.text


def test_register_json_problems_are_form_errors_not_500s(client: TestClient) -> None:
    missing = client.post("/ws/register/", json={"username": "ab"}, headers=basic())
    assert missing.status_code == 400
    assert {"password", "email", "username"} <= set(missing.json()["form_errors"])

    for raw in (b"{not json", b"[1, 2]", b'{"username": {"a": 1}}'):
        response = client.post(
            "/ws/register/",
            content=raw,
            headers={**basic(), "Content-Type": "application/json"},
        )
        assert response.status_code == 400, raw
        assert response.json()["error"] == "invalid_request"


# --- the public client ----------------------------------------------------------------------


@pytest.fixture
def app_client(tmp_path: Path, db: Database) -> TestClient:
    return custom_client(tmp_path, db, oauth_public_clients=f"{APP_ID}, other-app")


def test_a_public_client_logs_in_and_refreshes_with_an_empty_secret(
    app_client: TestClient, db: Database
) -> None:
    user = make_user(db, username="iosuser")
    public = basic(APP_ID, "")

    login = app_client.post(
        "/ws/login/",
        data={"grant_type": "password", "username": "iosuser", "password": DEFAULT_PASSWORD},
        headers=public,
    )
    assert login.status_code == 200, login.text
    refreshed = app_client.post(
        "/ws/token/",
        data={"grant_type": "refresh_token", "refresh_token": login.json()["refresh_token"]},
        headers=public,
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["user_id"] == uid(user)


def test_a_public_client_registers_with_a_json_body(app_client: TestClient) -> None:
    response = app_client.post("/ws/register/", json=registration(), headers=basic(APP_ID, ""))

    assert response.status_code == 200, response.text


def test_a_public_client_gets_only_password_and_refresh_grants(app_client: TestClient) -> None:
    response = app_client.post(
        "/ws/token/", data={"grant_type": "client_credentials"}, headers=basic(APP_ID, "")
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_public_clients_need_configuring_and_an_empty_secret(
    client: TestClient, app_client: TestClient
) -> None:
    form = {"grant_type": "password", "username": "nobody", "password": "whatever"}
    unconfigured = client.post("/ws/login/", data=form, headers=basic(APP_ID, ""))
    with_secret = app_client.post("/ws/login/", data=form, headers=basic(APP_ID, "guess"))
    no_colon = app_client.post(
        "/ws/login/", data=form, headers={"Authorization": "Basic cm9ja3BhY2staW9zLXB1YmxpYw=="}
    )

    for response in (unconfigured, with_secret, no_colon):
        assert response.status_code == 401
        assert response.json()["error"] in {"unauthorized_client", "invalid_request"}


# --- channels -------------------------------------------------------------------------------

EMPTY = {"title": "", "description": "", "category": "", "cover": "", "public": ""}


@pytest.mark.parametrize(
    ("fields", "public"),
    [(EMPTY, False), ({**EMPTY, "title": "Named"}, True), ({**EMPTY, "description": "D"}, True)],
)
def test_an_empty_public_defaults_to_false_only_when_everything_is_unset(
    client: TestClient, db: Database, settings: Settings, fields: dict[str, Any], public: bool
) -> None:
    owner = make_user(db)

    response = client.post(
        f"/ws/{uid(owner)}/channels/", json=fields, headers=rockpack_bearer(settings, owner)
    )

    assert response.status_code == 201, response.text
    with db.session(write=False) as session:
        channel = session.query(Channel).filter_by(owner_id=owner.id).one()
        assert channel.public is public


def test_cover_keep_leaves_the_cover_as_it_is(
    client: TestClient, db: Database, settings: Settings
) -> None:
    owner = make_user(db)
    cover = make_cover_art(db, owner)
    channel = make_channel(db, owner, title="Old", cover_art_id=cover.id)
    body = {"title": "New", "description": "", "category": "", "cover": "KEEP", "public": True}

    response = client.put(
        channel_path(owner, channel), json=body, headers=rockpack_bearer(settings, owner)
    )

    assert response.status_code == 200, response.text
    assert (_channel(db, channel.id).title, _channel(db, channel.id).cover_art_id) == (
        "New",
        cover.id,
    )
    created = client.post(
        f"/ws/{uid(owner)}/channels/",
        json=body | {"title": "Fresh"},
        headers=rockpack_bearer(settings, owner),
    )
    assert created.status_code == 201  # nothing to keep on a new channel: no cover


# --- unsubscribing --------------------------------------------------------------------------


def _subscription_count(db: Database, user: User) -> int:
    with db.session(write=False) as session:
        return session.query(Subscription).filter_by(user_id=user.id).count()


def test_unsubscribe_by_channel_id_as_the_app_does(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    channel = make_channel(db, make_user(db))
    subscribe(db, fan, channel)
    path = f"/ws/{uid(fan)}/subscriptions/{cid(channel)}/"

    assert client.delete(path, headers=rockpack_bearer(settings, fan)).status_code == 204
    assert _subscription_count(db, fan) == 0
    assert client.delete(path, headers=rockpack_bearer(settings, fan)).status_code == 404
    other = make_user(db)
    assert client.delete(path, headers=rockpack_bearer(settings, other)).status_code == 403


# --- paging ---------------------------------------------------------------------------------


def _list_paths(db: Database, settings: Settings) -> tuple[list[str], dict[str, str]]:
    owner = make_user(db)
    channel = make_channel(db, owner)
    subscribe(db, owner, channel)
    user = uid(owner)
    paths = [
        f"/ws/{user}/channels/",
        channel_path(owner, channel),
        channel_path(owner, channel, "subscribers/"),
        f"/ws/{user}/cover_art/",
        f"/ws/{user}/subscriptions/",
        f"/ws/{user}/subscriptions/recent_videos/",
        f"/ws/{user}/notifications/",
        "/ws/channels/",
        "/ws/videos/",
    ]
    return paths, rockpack_bearer(settings, owner)


def test_every_list_clamps_a_large_size(
    client: TestClient, db: Database, settings: Settings
) -> None:
    paths, headers = _list_paths(db, settings)
    for path in paths:
        response = client.get(path, params={"size": 5000}, headers=headers)
        assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize("params", [{"size": 0}, {"size": -1}, {"size": "ten"}, {"start": -1}])
def test_every_list_refuses_a_bad_page_the_same_way(
    client: TestClient, db: Database, settings: Settings, params: dict[str, Any]
) -> None:
    paths, headers = _list_paths(db, settings)
    for path in paths:
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 400, (path, params)
        assert response.json()["error"] == "invalid_request"
