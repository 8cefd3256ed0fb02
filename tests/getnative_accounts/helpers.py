"""Helpers for the Get Native account tests: apps with custom settings, images, notifications."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from PIL import Image
from starlette.testclient import TestClient

from getnative.db import Database
from getnative.notifications.models import Notification
from getnative.web.app import create_app
from tests.conftest import build_container, make_settings


def custom_client(
    tmp_path: Path, db: Database, *, peer: str = "testclient", **overrides: Any
) -> tuple[TestClient, Any]:
    """A client on an app built with overridden settings; returns (client, container)."""
    settings = make_settings(tmp_path, db, **overrides)
    container = build_container(settings, db)
    app = create_app(settings, container=container)
    return TestClient(app, raise_server_exceptions=False, client=(peer, 50000)), container


def client_from(container: Any, peer: str) -> TestClient:
    """Another client (another socket peer) on the same container: shares the rate limiter."""
    app = create_app(container.settings, container=container)
    return TestClient(app, raise_server_exceptions=False, client=(peer, 50000))


def image_bytes(size: tuple[int, int] = (64, 48), *, mode: str = "RGB", fmt: str = "PNG") -> bytes:
    image = Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def error_code(response: Any) -> int:
    body = response.json()
    assert set(body) == {"errors"}, body
    assert isinstance(body["errors"][0]["message"], str)
    return int(body["errors"][0]["code"])


def add_notification(db: Database, user_id: int, title: str = "Hello", text: str = "Hi") -> int:
    with db.session() as session:
        notification = Notification(user_id=user_id, kind="welcome", title=title, text=text)
        session.add(notification)
        session.flush()
        return notification.id


def token_header(response: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.headers['x-gn-auth-token']}"}
