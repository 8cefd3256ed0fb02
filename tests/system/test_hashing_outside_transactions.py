"""argon2 never runs inside a database transaction (issue 9, point 7).

On SQLite a writing request holds `BEGIN IMMEDIATE`, the database's one write lock; a login
that hashed inside it stalled every other writer for the length of the hash. The hasher is
wrapped to record, at each hash and check, how many pooled connections are checked out: a
session holds a connection exactly while its transaction is open, so the count must be 0.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.accounts import oauth_service, passwords
from getnative.accounts.models import User
from getnative.config import Settings
from getnative.db import Database
from tests.clients import basic, registration, user_path
from tests.factories import DEFAULT_PASSWORD, bearer, make_user


class _WatchedHasher:
    """argon2's hasher, noting the checked-out connection count at each hash and check."""

    def __init__(self, real: Any, db: Database, seen: list[int]) -> None:
        self.real, self.db, self.seen = real, db, seen

    def hash(self, *args: Any) -> Any:
        self.seen.append(self.db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return self.real.hash(*args)

    def verify(self, *args: Any) -> Any:
        self.seen.append(self.db.engine.pool.checkedout())  # type: ignore[attr-defined]
        return self.real.verify(*args)

    def check_needs_rehash(self, *args: Any) -> Any:
        return self.real.check_needs_rehash(*args)


@pytest.fixture
def open_transactions(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The checked-out connection count seen by every argon2 hash and verify of a request."""
    seen: list[int] = []
    monkeypatch.setattr(passwords, "_hasher", _WatchedHasher(passwords._hasher, db, seen))
    return seen


def _assert_hashed_outside(seen: list[int]) -> None:
    assert seen, "the route did not hash"
    assert seen == [0] * len(seen)
    seen.clear()


def test_getnative_routes_hash_outside_transactions(
    client: TestClient, settings: Settings, db: Database, open_transactions: list[int]
) -> None:
    response = client.post(
        "/register", json={"email": "fresh@example.com", "password": "pw-123456"}
    )
    assert response.status_code == 200, response.text
    _assert_hashed_outside(open_transactions)

    user = make_user(db)
    response = client.post("/login", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    _assert_hashed_outside(open_transactions)
    response = client.post("/login", json={"email": "nobody@example.com", "password": "whatever"})
    assert response.status_code == 401
    _assert_hashed_outside(open_transactions)

    response = client.post(
        "/account/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "another-secret"},
        headers=bearer(settings, user),
    )
    assert response.status_code == 204, response.text
    _assert_hashed_outside(open_transactions)

    token = oauth_service.issue_reset_token(make_user(db), settings)
    response = client.post(
        "/password_reset/confirm", json={"token": token, "new_password": "a-new-secret"}
    )
    assert response.status_code == 204, response.text
    _assert_hashed_outside(open_transactions)


def test_rockpack_routes_hash_outside_transactions(
    client: TestClient, settings: Settings, db: Database, open_transactions: list[int]
) -> None:
    response = client.post("/ws/register/", data=registration(), headers=basic())
    assert response.status_code == 200, response.text
    _assert_hashed_outside(open_transactions)

    user = make_user(db, username="hasher")
    form = {"grant_type": "password", "username": "hasher", "password": DEFAULT_PASSWORD}
    assert client.post("/ws/login/", data=form, headers=basic()).status_code == 200
    _assert_hashed_outside(open_transactions)

    response = client.put(
        user_path(user, "password/"),
        json={"old": DEFAULT_PASSWORD, "new": "another-secret"},
        headers=bearer(settings, user, audience=oauth_service.ACCESS_AUDIENCE),
    )
    assert response.status_code == 200, response.text
    _assert_hashed_outside(open_transactions)

    token = oauth_service.issue_reset_token(make_user(db), settings)
    response = client.post(
        "/ws/reset-password/confirm/",
        data={"token": token, "password": "a-new-secret"},
        headers=basic(),
    )
    assert response.status_code == 204, response.text
    _assert_hashed_outside(open_transactions)


def test_a_password_change_during_the_check_refuses_the_stale_login(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the login read may change while the hash runs; the write transaction re-checks."""
    user = make_user(db)
    real = passwords._hasher

    class VerifyThenChange(_WatchedHasher):
        def verify(self, *args: Any) -> Any:
            result = self.real.verify(*args)
            with db.session() as session:
                found = session.get(User, user.id)
                assert found is not None
                found.token_version += 1
                found.password_hash = self.real.hash("changed-meanwhile")
            return result

    monkeypatch.setattr(passwords, "_hasher", VerifyThenChange(real, db, []))
    response = client.post("/login", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 401
