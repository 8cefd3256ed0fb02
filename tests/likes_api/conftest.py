"""Fixtures of the likes-API tests: test clients with a chosen peer IP and settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.db import Database
from getnative.likes.recaptcha import RecaptchaVerifier
from getnative.web.app import create_app
from tests.conftest import build_container, make_settings

ClientFactory = Callable[..., TestClient]
DEFAULT_PEER = "203.0.113.7"


@pytest.fixture
def make_client(tmp_path: Path, db: Database) -> ClientFactory:
    """`make_client(ip=..., verifier=..., **settings)`: the whole app seen from socket peer `ip`."""

    def build(
        *, ip: str = DEFAULT_PEER, verifier: RecaptchaVerifier | None = None, **overrides: Any
    ) -> TestClient:
        settings = make_settings(tmp_path, db, **overrides)
        container = build_container(settings, db)
        if verifier is not None:
            container.recaptcha_verifier = verifier
        app = create_app(settings, container=container)
        return TestClient(app, raise_server_exceptions=False, client=(ip, 50000))

    return build
