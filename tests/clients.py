"""Talking to the app in-process: settings, containers and test clients, and each dialect's
request helpers (credentials, ids, paths, error bodies)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.api.rockpack import ids
from getnative.channels.models import Channel, VideoInstance
from getnative.config import Settings
from getnative.db import Database
from getnative.likes.recaptcha import RecaptchaVerifier
from getnative.media.storage import LocalMediaStorage
from getnative.ratelimit import MemoryRateLimiter
from getnative.web.app import create_app
from getnative.web.client_ip import TrustedNetworks, parse_networks
from getnative.web.container import Container
from tests.factories import DEFAULT_PASSWORD, rockpack_bearer, unique

# Mid-window for the 60-second and the 15-minute rate-limit windows (450 s into a 15-minute window,
# 30 s into a minute): a test counting hits can never straddle a window boundary of the real clock.
FROZEN_NOW = 1_699_999_650.0
BASE = "http://testserver"


class FrozenClock:
    """A clock for the rate limiters that only moves when a test moves it."""

    def __init__(self, now: float = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# The app -----------------------------------------------------------------------------------------


def make_settings(tmp_path: Path, db: Database, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "database_url": db.url,
        "media_dir": tmp_path / "media",
        "public_base_url": BASE,
        "rate_limit_per_minute": 100_000,
        "likes_rate_limit_per_minute": 100_000,
        "login_attempts_per_15_minutes": 100_000,
        "recaptcha_secret": "",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def build_container(settings: Settings, db: Database) -> Container:
    """The app's services on the test database, with an in-memory limiter on a frozen clock."""
    return Container(
        settings=settings,
        db=db,
        media=LocalMediaStorage(settings.media_dir, settings.public_url(settings.media_url_path)),
        rate_limiter=MemoryRateLimiter(clock=FrozenClock()),
        trusted_proxies=TrustedNetworks(parse_networks(settings.trusted_proxies)),
    )


def custom_container(
    tmp_path: Path, db: Database, *, verifier: RecaptchaVerifier | None = None, **overrides: Any
) -> Container:
    """A container with some settings changed (lower limits, more OAuth clients, ...)."""
    container = build_container(make_settings(tmp_path, db, **overrides), db)
    if verifier is not None:
        container.recaptcha_verifier = verifier
    return container


def client_on(container: Container, peer: str = "testclient") -> TestClient:
    """A client of the whole app on `container`, seen from socket peer `peer`.

    Two clients on one container share its rate limiter. No `with`: the lifespan would dispose
    the session-wide engine.
    """
    app = create_app(container.settings, container=container)
    return TestClient(app, raise_server_exceptions=False, client=(peer, 50000))


def container_of(client: TestClient) -> Container:
    """The container of the app behind `client` (to swap a service or read the settings)."""
    app = client.app
    assert isinstance(app, Starlette)
    container: Container = app.state.container
    return container


def custom_app(
    tmp_path: Path, db: Database, *, peer: str = "testclient", **overrides: Any
) -> tuple[TestClient, Container]:
    """A client of an app with some settings changed, and that app's container."""
    container = custom_container(tmp_path, db, **overrides)
    return client_on(container, peer), container


def custom_client(
    tmp_path: Path, db: Database, *, peer: str = "testclient", **overrides: Any
) -> TestClient:
    """A client of an app with some settings changed."""
    return custom_app(tmp_path, db, peer=peer, **overrides)[0]


# Get Native --------------------------------------------------------------------------------------


def error_code(response: Any) -> int:
    """The code of a Get Native error body, which must hold exactly one error."""
    body = response.json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert set(error) == {"message", "code"}, error
    assert isinstance(error["message"], str), error
    return int(error["code"])


def token_header(response: Any) -> dict[str, str]:
    """The credentials of the sliding session token a Get Native response carries."""
    return bearer_token(response.headers["x-gn-auth-token"])


def ids_of(response_json: dict[str, Any]) -> list[int]:
    """The record ids of a Get Native list body (whose count is its length)."""
    assert response_json["count"] == len(response_json["records"])
    return [record["id"] for record in response_json["records"]]


# Rockpack ----------------------------------------------------------------------------------------

CLIENT_ID = "rockpack-ios"
CLIENT_SECRET = "rockpack-dev-secret"


def bearer_token(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    """The OAuth client's HTTP Basic credentials."""
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def uid(user: User | int) -> str:
    return ids.encode(ids.USER, user if isinstance(user, int) else user.id)


def cid(channel: Channel | int) -> str:
    return ids.encode(ids.CHANNEL, channel if isinstance(channel, int) else channel.id)


def vid(instance: VideoInstance | int) -> str:
    return ids.encode(ids.VIDEO_INSTANCE, instance if isinstance(instance, int) else instance.id)


def user_path(user: User, suffix: str = "") -> str:
    return f"/ws/{uid(user)}/{suffix}"


def channel_path(owner: User, channel: Channel | int, suffix: str = "") -> str:
    return f"/ws/{uid(owner)}/channels/{cid(channel)}/{suffix}"


def channel_url(channel: Channel) -> str:
    return f"{BASE}/ws/{uid(channel.owner_id)}/channels/{cid(channel)}/"


def rendered_owner(user: User, display_name: str, avatar_url: str) -> dict[str, str]:
    """The Rockpack owner object a list shows for `user` (with the names the test gave it)."""
    return {
        "id": uid(user),
        "resource_url": f"{BASE}/ws/{uid(user)}/",
        "display_name": display_name,
        "avatar_thumbnail_url": avatar_url,
    }


def subscribe_over_http(
    client: TestClient, settings: Settings, fan: User, channel: Channel | object
) -> Any:
    """`fan` subscribes to `channel` (a channel, or the raw JSON body to send) through the API."""
    body = channel_url(channel) if isinstance(channel, Channel) else channel
    return client.post(
        f"/ws/{uid(fan)}/subscriptions/", json=body, headers=rockpack_bearer(settings, fan)
    )


def assert_rockpack_error(response: Any, status: int, context: object = None) -> None:
    """A Rockpack failure: `status` with the `invalid_request` slug the document gives it."""
    assert response.status_code == status, context
    assert response.json()["error"] == "invalid_request", context


def registration(**overrides: str) -> dict[str, str]:
    """A valid Rockpack registration form."""
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
    """A Rockpack password login that must succeed; returns the credentials body."""
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
    assert body["user_id"] == uid(user_id)
    assert body["resource_url"] == f"{BASE}/ws/{body['user_id']}/"
    assert isinstance(body["access_token"], str)
    assert body["access_token"].count(".") == 2
    assert isinstance(body["refresh_token"], str)
    assert len(body["refresh_token"]) >= 40
