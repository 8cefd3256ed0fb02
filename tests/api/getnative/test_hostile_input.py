"""Input meant to break things gets a 4xx on both databases, never a 500."""

from __future__ import annotations

from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.clients import error_code
from tests.factories import bearer, make_user

NUL_EMAIL = "a\x00b@example.com"


def test_nul_and_control_characters(client: TestClient, db: Database, settings: Settings) -> None:
    headers = bearer(settings, make_user(db))
    register = client.post("/register", json={"email": NUL_EMAIL, "password": "secret-pw"})
    assert (register.status_code, error_code(register)) == (400, 110)
    login = client.post("/login", json={"email": NUL_EMAIL, "password": "secret-pw"})
    assert (login.status_code, error_code(login)) == (401, 202)
    name = client.patch("/account", json={"name": "a\x00b"}, headers=headers)
    assert (name.status_code, error_code(name)) == (400, 142)
    email = client.post("/account/email", json={"email": "a\x1fb@example.com"}, headers=headers)
    assert (email.status_code, error_code(email)) == (400, 110)
    lang = client.patch("/account", json={"lang": "e\x00"}, headers=headers)
    assert (lang.status_code, error_code(lang)) == (400, 140)


def test_deeply_nested_and_odd_json(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    nested = client.post("/login", content=b"[" * 50_000 + b"]" * 50_000, headers=headers)
    assert nested.status_code == 400
    huge_number = client.post(
        "/login", content=b'{"email": 1e400, "password": "x"}', headers=headers
    )
    assert huge_number.status_code == 400
    surrogate = client.post(
        "/register",
        content=b'{"email": "a\\ud800@x.com", "password": "secret-pw"}',
        headers=headers,
    )
    assert surrogate.status_code == 400
