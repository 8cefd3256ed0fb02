"""Authorization matrix: every private endpoint of every dialect refuses every bad credential.

The private endpoints are listed explicitly below (with a request that would otherwise be
plausible), and `test_every_route_is_classified` walks the routes of the running apps: a new route
that is in neither table, or a table entry whose route lost its `CurrentUser`/`Owner` dependency,
fails the suite, so the matrix cannot silently go stale.

Bad credentials tried on each private endpoint: none, malformed headers, a token signed with
another secret, an unsigned (`alg: none`) token, an expired token, a token revoked by a password
change, the token of a deactivated user, and a token of the other dialect's audience. Then a valid
token of another user: Get Native endpoints act only on the caller's own data (see the cross-user
tests), Rockpack `/ws/<USERID>/...` private routes answer 403 `insufficient_scope`.

The likes API (`/api`) has no private endpoints: its users are identified by client IP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.testclient import TestClient

from getnative.accounts import service
from getnative.accounts.models import User
from getnative.api.getnative import deps as getnative_deps
from getnative.api.rockpack import deps as rockpack_deps
from getnative.api.rockpack import ids
from getnative.config import Settings
from getnative.db import Database
from getnative.notifications.models import Notification
from tests.factories import (
    DEFAULT_PASSWORD,
    add_answer,
    add_notification,
    add_question,
    add_session,
    bearer,
    make_user,
    make_video,
    rockpack_bearer,
    stored_user,
    token,
    unique,
)

Route = tuple[str, str]  # (method, path template as the dialect's app declares it)


@dataclass(frozen=True)
class Call:
    """A request that would be acceptable apart from its credentials."""

    json: Any = None
    content: bytes | None = None


GETNATIVE_PUBLIC: set[Route] = {
    ("POST", "/register"),
    ("POST", "/login"),
    ("POST", "/password_reset/confirm"),  # the reset mail's token is the credential
    ("GET", "/categories"),
    ("GET", "/speakers/{speaker_id}"),
    ("GET", "/videos"),
    ("GET", "/videos/{video_id}"),
    ("GET", "/clips"),
}
GETNATIVE_PRIVATE: dict[Route, Call] = {
    ("GET", "/account"): Call(),
    ("PATCH", "/account"): Call(json={"name": "Mallory"}),
    ("DELETE", "/account"): Call(),
    ("POST", "/account/email"): Call(json={"email": "mallory@example.com"}),
    ("POST", "/account/password"): Call(
        json={"current_password": DEFAULT_PASSWORD, "new_password": "another-pass-99"}
    ),
    ("POST", "/account/profile_image"): Call(json={"image": "aGVsbG8="}),
    ("POST", "/videos/{video_id}/like"): Call(),
    ("POST", "/videos/{video_id}/unlike"): Call(),
    ("POST", "/videos/{video_id}/cue"): Call(json={"time": 1}),
    ("POST", "/videos/{video_id}/uncue"): Call(),
    ("POST", "/videos/{video_id}/queue"): Call(),
    ("POST", "/videos/{video_id}/dequeue"): Call(),
    ("POST", "/study"): Call(json={"video_id": 1, "time": 30}),
    ("GET", "/study/stats/{lang}"): Call(),
    ("POST", "/study/writing_answers"): Call(json={"answer": "Hello"}),
    ("GET", "/study/writing_answers/{lang}"): Call(),
    ("GET", "/notifications"): Call(),
    ("DELETE", "/notifications/{notification_id}"): Call(),
}

ROCKPACK_PUBLIC: set[Route] = {
    ("GET", "/"),
    ("POST", "/login/"),
    ("POST", "/register/"),
    ("POST", "/token/"),
    ("POST", "/register/availability/"),
    ("POST", "/reset-password/"),
    ("POST", "/reset-password/confirm/"),
    ("GET", "/categories/"),
    ("GET", "/channels/"),
    ("GET", "/videos/"),
    ("GET", "/{userid}/"),
    ("GET", "/{userid}/channels/"),
    ("GET", "/{userid}/channels/{channelid}/"),
    ("GET", "/{userid}/channels/{channelid}/videos/"),
    ("GET", "/{userid}/channels/{channelid}/subscribers/"),
}
_PNG_HEADER = b"\x89PNG\r\n\x1a\n"
ROCKPACK_PRIVATE: dict[Route, Call] = {
    ("PUT", "/{userid}/password/"): Call(json={"old": DEFAULT_PASSWORD, "new": "another-99"}),
    ("PUT", "/{userid}/avatar/"): Call(content=_PNG_HEADER),
    ("PUT", "/{userid}/username/"): Call(json="mallory"),
    ("PUT", "/{userid}/first_name/"): Call(json="Mallory"),
    ("PUT", "/{userid}/last_name/"): Call(json="Evil"),
    ("PUT", "/{userid}/date_of_birth/"): Call(json="1980-01-01"),
    ("PUT", "/{userid}/locale/"): Call(json="en-gb"),
    ("PUT", "/{userid}/email/"): Call(json="mallory@example.com"),
    ("PUT", "/{userid}/gender/"): Call(json="f"),
    ("POST", "/{userid}/channels/"): Call(json={"title": "Mine now", "public": True}),
    ("PUT", "/{userid}/channels/{channelid}/"): Call(json={"title": "Mine now"}),
    ("PUT", "/{userid}/channels/{channelid}/public/"): Call(json=True),
    ("DELETE", "/{userid}/channels/{channelid}/"): Call(),
    ("PUT", "/{userid}/channels/{channelid}/videos/"): Call(json=[]),
    ("POST", "/{userid}/channels/{channelid}/videos/"): Call(json=[]),
    ("POST", "/{userid}/activity/"): Call(json={"action": "view"}),
    ("GET", "/{userid}/activity/"): Call(),
    ("GET", "/{userid}/notifications/"): Call(),
    ("GET", "/{userid}/notifications/unread_count/"): Call(),
    ("POST", "/{userid}/notifications/"): Call(json={"mark_read": []}),
    ("GET", "/{userid}/cover_art/"): Call(),
    ("POST", "/{userid}/cover_art/"): Call(content=_PNG_HEADER),
    ("DELETE", "/{userid}/cover_art/{cover_ref}/"): Call(),
    ("DELETE", "/{userid}/cover_art/{cover_ref}"): Call(),
    ("POST", "/{userid}/subscriptions/"): Call(json="http://testserver/ws/x/channels/y/"),
    ("DELETE", "/{userid}/subscriptions/{subscription}/"): Call(),
    ("GET", "/{userid}/subscriptions/"): Call(),
    ("GET", "/{userid}/subscriptions/recent_videos/"): Call(),
    ("POST", "/{userid}/content_reports/"): Call(json={"object_type": "channel"}),
}

# --- route discovery -----------------------------------------------------------------------------


def _api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    """The endpoint routes of a FastAPI app, looking through included routers (FastAPI keeps
    them as wrapper routes that expose the included router)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def _dependency_calls(route: APIRoute) -> set[Any]:
    calls, stack = set(), [route.dependant]
    while stack:
        dependant = stack.pop()
        calls.add(dependant.call)
        stack.extend(dependant.dependencies)
    return calls


def _routes_of(client: TestClient, mount_path: str) -> dict[Route, APIRoute]:
    root = client.app
    assert isinstance(root, Starlette)
    (mount,) = [m for m in root.routes if isinstance(m, Mount) and m.path == mount_path]
    app = mount.app
    assert isinstance(app, FastAPI)
    found = {(method, r.path): r for r in _api_routes(app.routes) for method in r.methods or ()}
    documented = sum(
        1
        for operations in app.openapi()["paths"].values()
        for method in operations
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    )
    hidden = sum(1 for r in _api_routes(app.routes) if not r.include_in_schema)
    # The walk must have seen every documented operation (guards the walk itself going stale).
    assert len(found) >= documented - hidden
    assert documented > 0
    return found


def test_every_route_is_classified(client: TestClient) -> None:
    checks = [
        ("", GETNATIVE_PUBLIC, GETNATIVE_PRIVATE, getnative_deps._required_user),
        # Every private Rockpack operation is owner-scoped: the token is checked by `Owner`.
        ("/ws", ROCKPACK_PUBLIC, ROCKPACK_PRIVATE, rockpack_deps._owner),
    ]
    for mount_path, public, private, required_user in checks:
        routes = _routes_of(client, mount_path)
        unclassified = set(routes) - public - set(private)
        assert not unclassified, f"add these {mount_path or '/'} routes to a table: {unclassified}"
        assert not (public | set(private)) - set(routes), "the tables list routes that are gone"
        for key, route in routes.items():
            is_private = required_user in _dependency_calls(route)
            assert is_private == (key in private), f"{key} private={is_private}"
    # Every Rockpack private route is owner-scoped: the matrix expects 403 for another user.
    rockpack = _routes_of(client, "/ws")
    for key in ROCKPACK_PRIVATE:
        assert rockpack_deps._owner in _dependency_calls(rockpack[key]), f"{key} lacks Owner"


# They check the token inside their own page query (`getnative.catalog.pages`).
GETNATIVE_SELF_AUTHENTICATING: set[Route] = {
    ("GET", "/videos"),
    ("GET", "/videos/{video_id}"),
    ("GET", "/clips"),  # its page query checks the token (tests/api/getnative/test_clips.py)
}


def test_every_getnative_route_applies_the_token_rule(client: TestClient) -> None:
    """A valid token slides and a revoked one is a 401 on every route, public ones included:
    through the session dependency that applies the rule, or in the fast routes' own query."""
    for key, route in _routes_of(client, "").items():
        applies_rule = getnative_deps._session_with_token_rule in _dependency_calls(route)
        assert applies_rule != (key in GETNATIVE_SELF_AUTHENTICATING), key


def test_the_likes_api_has_no_bearer_authentication(client: TestClient) -> None:
    routes = _routes_of(client, "/api")
    markers = {getnative_deps._optional_user, rockpack_deps._optional_user}
    assert routes
    assert all(not _dependency_calls(r) & markers for r in routes.values())


# --- credentials ---------------------------------------------------------------------------------


def _unsigned_token(user: User, audience: str) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "ver": user.token_version,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return jwt.encode(claims, "", algorithm="none")


def _with_new_token_version(db: Database, user: User, *, deactivate: bool = False) -> User:
    """Revoke every token of `user` as a password change does (or deactivate the account)."""
    with db.session() as session:
        row = session.get(User, user.id)
        assert row is not None
        if deactivate:
            service.deactivate(session, row)
        else:
            service.revoke_tokens(session, row)
        session.flush()
        session.expunge(row)
        return row


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Cast:
    """The owner of the data, another member, and every bad credential for the owner's data."""

    owner: User
    other: User
    bad: dict[str, dict[str, str]]


def _cast(settings: Settings, db: Database, audience: str) -> Cast:
    other_audience = "rockpack" if audience == "getnative" else "getnative"
    owner = make_user(db, username=unique("owner"))
    revoked = token(settings, owner, audience=audience)
    owner = _with_new_token_version(db, owner)
    quitter = make_user(db)
    quitter_token = token(settings, quitter, audience=audience)
    _with_new_token_version(db, quitter, deactivate=True)
    forged = token(settings, owner, audience=audience, secret="not-the-server-secret-" + "x" * 20)
    bad = {
        "none": {},
        "empty header": {"Authorization": ""},
        "Bearer abc": {"Authorization": "Bearer abc"},
        "Basic xyz": {"Authorization": "Basic xyz"},
        "Bearer without token": {"Authorization": "Bearer "},
        "other secret": _auth(forged),
        "alg none": _auth(_unsigned_token(owner, audience)),
        "expired": _auth(token(settings, owner, audience=audience, ttl_seconds=-10)),
        "revoked": _auth(revoked),
        "deactivated": _auth(quitter_token),
        "other audience": _auth(token(settings, owner, audience=other_audience)),
    }
    return Cast(owner=owner, other=make_user(db), bad=bad)


def _getnative_path(template: str) -> str:
    return template.format(video_id=999_999, lang="en", notification_id=999_999)


def _rockpack_path(template: str, owner: User) -> str:
    return "/ws" + template.format(
        userid=ids.encode(ids.USER, owner.id),
        channelid=ids.encode(ids.CHANNEL, 999_999),
        cover_ref="nothing",
        subscription=ids.encode(ids.SUBSCRIPTION, 999_999),
    )


def _send(client: TestClient, method: str, path: str, call: Call, headers: dict[str, str]) -> Any:
    return client.request(method, path, json=call.json, content=call.content, headers=headers)


def _bad_credential_answers(
    client: TestClient, cast: Cast, method: str, path: str, call: Call
) -> Iterator[tuple[str, Any]]:
    """(kind of bad credential, the answer to the call made with it), for each kind."""
    for kind, headers in cast.bad.items():
        yield kind, _send(client, method, path, call, headers)


def _assert_nothing_done_to_the_owner(db: Database, cast: Cast) -> None:
    owner = stored_user(db, cast.owner)
    assert owner.is_active
    assert owner.email == cast.owner.email
    assert owner.username == cast.owner.username


# --- the matrix ----------------------------------------------------------------------------------


@pytest.mark.parametrize("route", sorted(GETNATIVE_PRIVATE), ids=" ".join)
def test_getnative_private_endpoint_refuses_bad_credentials(
    route: Route, client: TestClient, settings: Settings, db: Database
) -> None:
    method, template = route
    cast = _cast(settings, db, "getnative")
    call = GETNATIVE_PRIVATE[route]
    for kind, response in _bad_credential_answers(
        client, cast, method, _getnative_path(template), call
    ):
        assert response.status_code == 401, (kind, response.status_code, response.text)
        body = response.json()
        assert set(body) == {"errors"}, (kind, body)
        (error,) = body["errors"]
        assert set(error) == {"message", "code"}, (kind, error)
        assert isinstance(error["message"], str), (kind, error)
        assert isinstance(error["code"], int), (kind, error)
        assert "x-gn-auth-token" not in response.headers, kind
    _assert_nothing_done_to_the_owner(db, cast)


@pytest.mark.parametrize("route", sorted(ROCKPACK_PRIVATE), ids=" ".join)
def test_rockpack_private_endpoint_refuses_bad_credentials_and_other_users(
    route: Route, client: TestClient, settings: Settings, db: Database
) -> None:
    method, template = route
    cast = _cast(settings, db, "rockpack")
    path = _rockpack_path(template, cast.owner)
    call = ROCKPACK_PRIVATE[route]
    for kind, response in _bad_credential_answers(client, cast, method, path, call):
        assert response.status_code == 401, (kind, response.status_code, response.text)
        expected = "expired_token" if kind == "expired" else "invalid_token"
        assert response.json() == {"error": expected}, (kind, response.text)
        assert f'error="{expected}"' in response.headers["www-authenticate"], kind
    intruder = _send(client, method, path, call, rockpack_bearer(settings, cast.other))
    assert intruder.status_code == 403, intruder.text
    assert intruder.json() == {"error": "insufficient_scope"}
    _assert_nothing_done_to_the_owner(db, cast)


# --- Get Native: another user's valid token only ever reaches that user's own data ---------------


def test_getnative_notifications_of_another_user_are_out_of_reach(
    client: TestClient, settings: Settings, db: Database
) -> None:
    alice, bob = make_user(db), make_user(db)
    alices = add_notification(db, alice.id, title="For Alice")
    as_bob = bearer(settings, bob)

    assert client.delete(f"/notifications/{alices}", headers=as_bob).status_code == 404
    listed = client.get("/notifications", headers=as_bob)
    assert listed.status_code == 200
    assert "For Alice" not in listed.text
    with db.session(write=False) as session:
        assert session.get(Notification, alices) is not None
    mine = client.get("/notifications", headers=bearer(settings, alice))
    assert "For Alice" in mine.text


def test_getnative_account_routes_act_on_the_caller_only(
    client: TestClient, settings: Settings, db: Database
) -> None:
    alice, bob = make_user(db, name="Alice"), make_user(db, name="Bob")
    as_bob = bearer(settings, bob)

    assert client.get("/account", headers=as_bob).json()["email"] == bob.email
    assert client.patch("/account", json={"name": "Robert"}, headers=as_bob).status_code == 204
    with db.session(write=False) as session:
        untouched = session.get(User, alice.id)
        assert untouched is not None
        assert untouched.name == "Alice"
        assert untouched.is_active
        changed = session.get(User, bob.id)
        assert changed is not None
        assert changed.name == "Robert"


def test_getnative_study_data_of_another_user_is_not_listed(
    client: TestClient, settings: Settings, db: Database
) -> None:
    alice, bob = make_user(db), make_user(db)
    video = make_video(db, lang="en")
    question = add_question(db, "What happened?", video_id=video.id)
    study = add_session(db, alice, video, datetime.now(UTC) - timedelta(hours=1))
    add_answer(db, alice, study, question, datetime.now(UTC), answer="Alice's secret answer")
    as_bob = bearer(settings, bob)

    answers = client.get("/study/writing_answers/en", headers=as_bob)
    assert answers.status_code == 200
    assert "secret answer" not in answers.text
    stats = client.get("/study/stats/en", headers=as_bob)
    assert stats.status_code == 200
    assert (
        "secret answer"
        in client.get("/study/writing_answers/en", headers=bearer(settings, alice)).text
    )
