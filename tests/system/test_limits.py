"""Limits, each answered in the dialect's own error format: body size, image size, request rate.

Already covered elsewhere (not repeated here):
- likes API body over the limit by Content-Length -> 413 `{"error": ...}`:
  tests/api/likes/test_routes.py::test_too_large_body_answers_in_this_dialect
- likes API per-IP rate limit -> 429 `{"error": "Too many requests"}` with Retry-After:
  tests/test_ratelimit.py::test_too_many_requests_in_this_dialect (and per IP, Redis)
- Get Native profile image over max_image_bytes / max_image_pixels / max_image_side -> 400
  (codes 131, 105): tests/api/getnative/test_accounts_profile_image.py::test_byte_and_pixel_limits
  and ::test_bad_images_are_400_with_distinct_codes
- Rockpack avatar over max_image_side / max_image_bytes -> 413:
  tests/api/rockpack/test_users.py::test_avatar_too_large
- Cover art body over the upload limit / image over max_image_bytes -> 413, decompression bombs
  store nothing: tests/api/rockpack/test_cover_art.py
- Login throttling (per account and per IP, 15-minute window):
  tests/accounts/test_service_login_throttle.py, tests/api/rockpack/test_oauth.py and
  tests/accounts/test_oauth_service.py

What is added here: JSON bodies over GETNATIVE_MAX_BODY_BYTES on Get Native and Rockpack routes,
chunked bodies without Content-Length in every dialect, "nothing is stored" after every refused
image, and the general per-IP request rate of the Get Native and Rockpack dialects.
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.api.rockpack import ids
from getnative.catalog.models import Video
from getnative.channels.models import CoverArt
from getnative.config import Settings
from getnative.db import Database
from tests.clients import custom_app, error_code
from tests.factories import (
    DEFAULT_PASSWORD,
    bearer,
    make_user,
    make_video,
    rockpack_bearer,
    stored_user,
)

BODY_LIMIT = 200
GETNATIVE_BODY_TOO_LARGE = 105


def limited_client(tmp_path: Path, db: Database, **overrides: Any) -> tuple[TestClient, Settings]:
    """A client (from socket peer 203.0.113.9) on an app whose settings are overridden."""
    client, container = custom_app(tmp_path, db, peer="203.0.113.9", **overrides)
    return client, container.settings


def chunks(data: bytes, size: int = 64) -> Iterator[bytes]:
    """A streamed body: httpx sends it with `Transfer-Encoding: chunked`, no Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def big_login_json() -> bytes:
    return json.dumps({"email": "a@example.com", "password": "p" * (BODY_LIMIT * 2)}).encode()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def noise_png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, format="PNG")
    return out.getvalue()


# --- body size ----------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_getnative_body_over_the_limit_is_400(tmp_path: Path, db: Database, streamed: bool) -> None:
    client, _ = limited_client(tmp_path, db, max_body_bytes=BODY_LIMIT)
    body = big_login_json()
    response = client.post(
        "/login",
        content=chunks(body) if streamed else body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert error_code(response) == GETNATIVE_BODY_TOO_LARGE


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_rockpack_body_over_the_limit_is_413(tmp_path: Path, db: Database, streamed: bool) -> None:
    client, settings = limited_client(tmp_path, db, max_body_bytes=BODY_LIMIT)
    user = make_user(db, username="bodylimit", first_name="A", last_name="B")
    body = json.dumps("x" * (BODY_LIMIT * 2)).encode()
    response = client.put(
        f"/ws/{ids.encode(ids.USER, user.id)}/first_name/",
        content=chunks(body) if streamed else body,
        headers={**rockpack_bearer(settings, user), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"
    with db.session(write=False) as session:
        assert session.get(User, user.id).first_name == "A"  # type: ignore[union-attr]


def test_likes_chunked_body_over_the_limit_is_413(tmp_path: Path, db: Database) -> None:
    video = make_video(db)
    client, _ = limited_client(tmp_path, db, max_body_bytes=BODY_LIMIT)
    response = client.post(f"/api/videos/{video.id}/like", content=chunks(b"x" * (BODY_LIMIT * 2)))
    assert response.status_code == 413
    assert response.json() == {"error": "Request body too large"}
    with db.session(write=False) as session:  # the refused toggle did not run
        assert session.get(Video, video.id).like_count == 0  # type: ignore[union-attr]


def test_bodies_within_the_limit_still_pass(tmp_path: Path, db: Database) -> None:
    """The limit refuses only what is over it (a guard against a limit that refuses everything)."""
    user = make_user(db)
    client, _ = limited_client(tmp_path, db, max_body_bytes=BODY_LIMIT)
    body = json.dumps({"email": user.email, "password": DEFAULT_PASSWORD}).encode()
    assert len(body) < BODY_LIMIT
    headers = {"Content-Type": "application/json"}
    assert client.post("/login", content=chunks(body, 16), headers=headers).status_code == 200
    assert client.post("/login", content=body, headers=headers).status_code == 200


# --- image size: refused and nothing stored ---------------------------------------------------


IMAGE_LIMITS = {"max_image_bytes": 4000, "max_image_pixels": 2500}
# Over the byte limit (incompressible pixels, 1600 pixels), and over the pixel limit (small file).
OVER_LIMITS = {"bytes": lambda: noise_png((40, 40)), "pixels": lambda: png((60, 60))}


@pytest.mark.parametrize("over", sorted(OVER_LIMITS))
def test_getnative_profile_image_over_a_limit_stores_nothing(
    tmp_path: Path, db: Database, over: str
) -> None:
    client, settings = limited_client(tmp_path, db, **IMAGE_LIMITS)
    user = make_user(db, picture_url="https://static.example.com/old.jpg")
    image = base64.b64encode(OVER_LIMITS[over]()).decode()
    response = client.post(
        "/account/profile_image", json={"image": image}, headers=bearer(settings, user)
    )
    assert (response.status_code, error_code(response)) == (400, 131)
    assert stored_user(db, user).picture_url == "https://static.example.com/old.jpg"
    assert files_under(settings.media_dir) == []


@pytest.mark.parametrize("over", sorted(OVER_LIMITS))
def test_rockpack_avatar_over_a_limit_stores_nothing(
    tmp_path: Path, db: Database, over: str
) -> None:
    client, settings = limited_client(tmp_path, db, **IMAGE_LIMITS)
    user = make_user(db, username="avatarlimit", picture_url="https://static.example.com/a.jpg")
    response = client.put(
        f"/ws/{ids.encode(ids.USER, user.id)}/avatar/",
        content=OVER_LIMITS[over](),
        headers={**rockpack_bearer(settings, user), "Content-Type": "image/png"},
    )
    assert response.status_code in {400, 413}, response.text
    assert response.json()["error"] == "invalid_request"
    assert stored_user(db, user).picture_url == "https://static.example.com/a.jpg"
    assert files_under(settings.media_dir) == []


@pytest.mark.parametrize("over", sorted(OVER_LIMITS))
def test_rockpack_cover_art_over_a_limit_stores_nothing(
    tmp_path: Path, db: Database, over: str
) -> None:
    client, settings = limited_client(tmp_path, db, **IMAGE_LIMITS)
    user = make_user(db, username="coverlimit")
    response = client.post(
        f"/ws/{ids.encode(ids.USER, user.id)}/cover_art/",
        content=OVER_LIMITS[over](),
        headers={**rockpack_bearer(settings, user), "Content-Type": "image/png"},
    )
    assert response.status_code in {400, 413}, response.text
    assert response.json()["error"] == "invalid_request"
    with db.session(write=False) as session:
        assert session.query(CoverArt).count() == 0
    assert files_under(settings.media_dir) == []


# --- request rate -------------------------------------------------------------------------------


def test_getnative_general_rate_limit_is_429_in_its_error_format(
    tmp_path: Path, db: Database
) -> None:
    client, _ = limited_client(tmp_path, db, rate_limit_per_minute=2)
    assert client.get("/categories").status_code == 200
    assert client.get("/categories").status_code == 200
    refused = client.get("/categories")
    assert (refused.status_code, error_code(refused)) == (429, 220)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # The budget is per client IP: another client is unaffected.
    other = TestClient(client.app, raise_server_exceptions=False, client=("198.51.100.4", 1))
    assert other.get("/categories").status_code == 200


def test_rockpack_general_rate_limit_is_429_in_its_error_format(
    tmp_path: Path, db: Database
) -> None:
    client, _ = limited_client(tmp_path, db, rate_limit_per_minute=2)
    user = make_user(db, username="ratelimited")
    path = f"/ws/{ids.encode(ids.USER, user.id)}/"
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    refused = client.get(path)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_the_likes_api_has_its_own_budget(tmp_path: Path, db: Database) -> None:
    """The general budget does not apply under /api (it has GETNATIVE_LIKES_RATE_LIMIT_...),
    and using up the /api budget leaves the other dialects' budget alone."""
    client, _ = limited_client(tmp_path, db, rate_limit_per_minute=2, likes_rate_limit_per_minute=3)
    statuses = [client.get("/api/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/me").json() == {"error": "Too many requests"}
    assert client.get("/categories").status_code == 200
