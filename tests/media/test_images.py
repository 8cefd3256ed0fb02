"""Image decoding is bounded in size and in number at once (issue 9, point 6).

A small PNG of large dimensions decodes to hundreds of megabytes; the pixel budget refuses it
from its header, before any pixel is decoded, and at most `GETNATIVE_MAX_CONCURRENT_DECODES`
decodes run at once in the process: beyond that an upload waits briefly, then gets a 503 in its
dialect's format. The tests hold the slots themselves, so nothing depends on timing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageFile

from getnative.db import Database
from getnative.media import images
from tests.clients import custom_app, error_code, user_path
from tests.factories import b64, bearer, make_user

ROCKPACK = "rockpack"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def all_slots_held(tmp_path: Path, db: Database) -> Iterator[tuple[Any, Any]]:
    """A client whose every decode slot is taken (as by long uploads in flight)."""
    client, container = custom_app(tmp_path, db, max_concurrent_decodes=2, decode_wait_seconds=0.05)
    with ExitStack() as stack:
        for _ in range(2):
            stack.enter_context(images.decode_slot(container.image_limits))
        yield client, container


def test_getnative_upload_beyond_the_decode_limit_is_503(
    all_slots_held: tuple[Any, Any], db: Database
) -> None:
    client, container = all_slots_held
    user = make_user(db)
    response = client.post(
        "/account/profile_image",
        json={"image": b64(png(32, 32))},
        headers=bearer(container.settings, user),
    )
    assert response.status_code == 503
    assert error_code(response) == 502


def test_rockpack_uploads_beyond_the_decode_limit_are_503(
    all_slots_held: tuple[Any, Any], db: Database
) -> None:
    client, container = all_slots_held
    user = make_user(db, username="busy")
    headers = bearer(container.settings, user, audience=ROCKPACK)
    response = client.put(user_path(user, "avatar/"), content=png(32, 32), headers=headers)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"


def test_a_slot_freed_lets_the_next_upload_through(tmp_path: Path, db: Database) -> None:
    client, container = custom_app(tmp_path, db, max_concurrent_decodes=1)
    with images.decode_slot(container.image_limits):
        pass
    user = make_user(db)
    response = client.post(
        "/account/profile_image",
        json={"image": b64(png(32, 32))},
        headers=bearer(container.settings, user),
    )
    assert response.status_code == 204, response.text


def test_a_big_image_is_refused_before_decoding(
    tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """8000x5000 (the review's 155 KB PNG) is over the default 16 MP budget."""
    big = png(8000, 5000)
    decoded: list[str] = []
    real_load = ImageFile.ImageFile.load

    def load(self: Any) -> Any:
        decoded.append(self.format)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    client, container = custom_app(tmp_path, db)
    user = make_user(db, username="bigpicture")
    response = client.post(
        "/account/profile_image", json={"image": b64(big)}, headers=bearer(container.settings, user)
    )
    assert response.status_code == 400
    assert error_code(response) == 131
    headers = bearer(container.settings, user, audience=ROCKPACK)
    response = client.put(user_path(user, "avatar/"), content=big, headers=headers)
    assert response.status_code == 413
    assert decoded == []
