"""POST /account/profile_image: decode, check, re-encode, store, serve; and every refusal."""

from __future__ import annotations

import io
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.clients import custom_app, error_code
from tests.factories import b64, bearer, image_bytes, make_user


def upload(client: TestClient, headers: dict[str, str], image: object):
    return client.post("/account/profile_image", json={"image": image}, headers=headers)


def test_upload_stores_a_reencoded_image_served_under_media(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    response = upload(client, headers, b64(image_bytes((1024, 600), fmt="JPEG")))
    assert response.status_code == 204
    assert "x-gn-auth-token" in response.headers

    body = client.get("/account", headers=headers).json()
    url = body["picture_url"]
    assert url.startswith(f"http://testserver/media/avatars/{user.id}/")
    assert url.endswith(".jpg")
    assert body["profile_image_url"] == url
    assert body["is_silhouette_picture"] is False
    assert body["default_profile_image"] is False

    served = client.get(urlsplit(url).path)
    assert served.status_code == 200
    stored = Image.open(io.BytesIO(served.content))
    assert stored.format == "JPEG"
    assert max(stored.size) == 512  # scaled down to fit 512 x 512
    assert stored.size == (512, 300)


def test_data_url_and_transparency_and_replacement(
    client: TestClient, db: Database, settings: Settings
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    png = image_bytes((40, 40), mode="RGBA")
    assert upload(client, headers, "data:image/png;base64," + b64(png)).status_code == 204
    first = client.get("/account", headers=headers).json()["picture_url"]
    assert first.endswith(".png")
    text = b64(image_bytes((30, 30)))
    wrapped = "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))  # MIME lines
    assert upload(client, headers, wrapped + "\n").status_code == 204
    second = client.get("/account", headers=headers).json()["picture_url"]
    assert second != first
    assert client.get(urlsplit(second).path).status_code == 200


@pytest.mark.parametrize(
    ("image", "code"),
    [
        ("not base64!!", 132),
        ("QUJD=", 132),  # excess padding
        ("QUI", 132),  # missing padding
        ("QU=I", 132),  # padding inside
        ("data:image/png;base64,@@@", 132),
        ("ÄÖÜ", 132),
        (b64(b"just some text, not an image"), 130),
        ("", 130),
        (b64(image_bytes((9000, 1))), 131),  # longer side than max_image_side
        (b64(image_bytes((64, 48))[:40]), 130),  # truncated
    ],
)
def test_bad_images_are_400_with_distinct_codes(
    client: TestClient, db: Database, settings: Settings, image: str, code: int
) -> None:
    user = make_user(db)
    headers = bearer(settings, user)
    response = upload(client, headers, image)
    assert response.status_code == 400
    assert error_code(response) == code
    body = client.get("/account", headers=headers).json()
    assert body["is_silhouette_picture"] is True
    assert not (settings.media_dir / "avatars").exists() or not any(
        (settings.media_dir / "avatars").rglob("*.*")
    )


@pytest.mark.parametrize(("body", "code"), [({"image": 5}, 103), ({"image": None}, 103), ({}, 102)])
def test_bad_bodies_are_400(
    client: TestClient, db: Database, settings: Settings, body: object, code: int
) -> None:
    response = client.post(
        "/account/profile_image", json=body, headers=bearer(settings, make_user(db))
    )
    assert response.status_code == 400
    assert error_code(response) == code


def noise_png(size: tuple[int, int]) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_byte_and_pixel_limits(tmp_path: Path, db: Database) -> None:
    client, container = custom_app(tmp_path, db, max_image_bytes=4000, max_image_pixels=2500)
    headers = bearer(container.settings, make_user(db))
    too_many_bytes = noise_png((40, 40))  # ~4.8 kB of incompressible pixels, 1600 pixels
    assert len(too_many_bytes) > 4000
    response = upload(client, headers, b64(too_many_bytes))
    assert response.status_code == 400
    assert error_code(response) == 131
    too_many_pixels = image_bytes((60, 60))  # small file, 3600 pixels
    response = upload(client, headers, b64(too_many_pixels))
    assert response.status_code == 400
    assert error_code(response) == 131
    assert upload(client, headers, b64(image_bytes((50, 50)))).status_code == 204
    way_too_big = "A" * 20_000  # over the upload body limit before any decoding
    response = upload(client, headers, way_too_big)
    assert response.status_code == 400
    assert error_code(response) == 105
