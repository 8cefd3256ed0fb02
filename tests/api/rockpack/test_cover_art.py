"""GET / POST /ws/USERID/cover_art/ and DELETE /ws/USERID/cover_art/COVER_REF."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.api.rockpack import ids
from getnative.channels import cover_art_service as covers
from getnative.channels.models import Channel, CoverArt
from getnative.config import Settings
from getnative.db import Database
from getnative.errors import InvalidInput
from getnative.media.images import ImageLimits
from tests.clients import BASE, assert_rockpack_error, channel_path, uid
from tests.factories import image_bytes, make_user, png_declaring, rockpack_bearer


def upload_raw(
    client: TestClient, settings: Settings, user: User, data: bytes, content_type: str = "image/png"
) -> httpx.Response:
    return client.post(
        f"/ws/{uid(user)}/cover_art/",
        content=data,
        headers={**rockpack_bearer(settings, user), "Content-Type": content_type},
    )


def upload_parts(
    client: TestClient, settings: Settings, user: User, **parts: Any
) -> httpx.Response:
    """A multipart upload of `parts` (the `image` and `aoi` parts, or some of them)."""
    return client.post(
        f"/ws/{uid(user)}/cover_art/", files=parts, headers=rockpack_bearer(settings, user)
    )


def stored_files(settings: Settings) -> list[str]:
    root = Path(settings.media_dir) / "cover_art"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_raw_upload_stores_image_and_thumbnail(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)

    response = upload_raw(client, settings, owner, image_bytes((1600, 900)))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"cover_ref", "resource_url", "thumbnail_url"}
    assert response.headers["location"] == body["resource_url"]
    with db.session(write=False) as session:
        row = session.query(CoverArt).one()
        assert row.cover_ref == body["cover_ref"]
        assert row.owner_id == owner.id
        assert row.aoi == [0.0, 0.0, 1.0, 1.0]
        assert (row.width, row.height) == (1600, 900)
    assert body["resource_url"] == f"{BASE}/media/{row.image_key}"
    assert body["thumbnail_url"] == f"{BASE}/media/{row.thumbnail_key}"
    thumb = Image.open(Path(settings.media_dir) / row.thumbnail_key)
    assert thumb.size == (640, 360)
    assert Image.open(Path(settings.media_dir) / row.image_key).format == "JPEG"
    served = client.get(f"/media/{row.thumbnail_key}")
    assert served.status_code == 200


def test_multipart_upload_with_aoi(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    response = upload_parts(
        client,
        settings,
        owner,
        image=("image.png", image_bytes((300, 300), mode="RGBA"), "image/png"),
        aoi=(None, json.dumps([0, 0.25, 1, 0.75]), "application/json"),
    )
    assert response.status_code == 201
    with db.session(write=False) as session:
        row = session.query(CoverArt).one()
        assert row.aoi == [0.0, 0.25, 1.0, 0.75]
        assert row.image_key.endswith(".png")  # transparency kept
    listed = client.get(
        f"/ws/{uid(owner)}/cover_art/", headers=rockpack_bearer(settings, owner)
    ).json()
    assert listed["cover_art"]["items"][0]["aoi"] == [0.0, 0.25, 1.0, 0.75]


def test_multipart_without_aoi_and_aoi_as_file_part(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    plain = upload_parts(
        client, settings, owner, image=("a.jpg", image_bytes((1280, 720), fmt="JPEG"), "image/jpeg")
    )
    assert plain.status_code == 201
    as_file = upload_parts(
        client,
        settings,
        owner,
        image=("a.jpg", image_bytes((1280, 720), fmt="JPEG"), "image/jpeg"),
        aoi=("aoi.json", b"[0.1, 0.1, 0.2, 0.2]", "application/json"),
    )
    assert as_file.status_code == 201


BAD_AOIS = [
    "[0, 0, 1]",
    "[0, 0, 1, 2]",
    "[0.5, 0, 0.4, 1]",
    "[0, 0.5, 1, 0.5]",
    '["0", 0, 1, 1]',
    "[true, 0, 1, 1]",
    "{}",
    "not json",
    "[-0.1, 0, 1, 1]",
    "[0, 0, 1, NaN]",
]


def test_bad_aoi_is_400_and_stores_nothing(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    for aoi in BAD_AOIS:
        response = upload_parts(
            client,
            settings,
            owner,
            image=("i.png", image_bytes((50, 50)), "image/png"),
            aoi=(None, aoi),
        )
        assert_rockpack_error(response, 400, aoi)
        assert list(response.json()["form_errors"]) == ["aoi"]
    assert stored_files(settings) == []


def test_invalid_image_is_400(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    for data in (b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"GIF89a\x01"):
        response = upload_raw(client, settings, owner, data)
        assert response.status_code == 400, data
        assert response.json() == {
            "error": "invalid_request",
            "message": "cannot identify image file",
        }
    assert stored_files(settings) == []


def test_multipart_without_image_part_is_400(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    response = upload_parts(client, settings, owner, aoi=(None, "[0, 0, 1, 1]"))
    assert response.status_code == 400
    assert response.json()["message"] == "cannot identify image file"


def test_decompression_bomb_is_400(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    for size in ((100_000, 100_000), (7000, 7000), (9000, 10)):
        bomb = png_declaring(*size)
        assert len(bomb) < 200
        response = upload_raw(client, settings, owner, bomb)
        assert_rockpack_error(response, 400, size)
    with db.session(write=False) as session:
        assert session.query(CoverArt).count() == 0
    assert stored_files(settings) == []


def test_body_over_the_limit_is_413(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    huge = b"\x00" * (settings.max_image_bytes * 4 // 3 + 5000)
    response = upload_raw(client, settings, owner, huge)
    assert_rockpack_error(response, 413)


def test_image_over_the_byte_limit_is_413(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    over = b"\x00" * (settings.max_image_bytes + 10)  # under the body limit, over the image limit
    response = upload_raw(client, settings, owner, over)
    assert response.status_code == 413


def test_list_cover_art_newest_first_with_paging(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    refs = [
        upload_raw(client, settings, owner, image_bytes((40, 30))).json()["cover_ref"]
        for _ in range(3)
    ]
    upload_raw(client, settings, make_user(db), image_bytes((40, 30)))

    response = client.get(f"/ws/{uid(owner)}/cover_art/", headers=rockpack_bearer(settings, owner))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, max-age=60"
    art = response.json()["cover_art"]
    assert art["total"] == 3
    assert [item["cover_ref"] for item in art["items"]] == refs[::-1]
    first = art["items"][0]
    with db.session(write=False) as session:
        row = session.query(CoverArt).filter_by(cover_ref=refs[-1]).one()
    assert first["position"] == 0
    assert first["id"] == ids.encode(ids.COVER_ART, row.id)
    assert first["thumbnail_url"] == f"{BASE}/media/{row.thumbnail_key}"
    page = client.get(
        f"/ws/{uid(owner)}/cover_art/?start=2&size=1", headers=rockpack_bearer(settings, owner)
    ).json()["cover_art"]
    assert [(i["cover_ref"], i["position"]) for i in page["items"]] == [(refs[0], 2)]
    bad = client.get(
        f"/ws/{uid(owner)}/cover_art/?size=0", headers=rockpack_bearer(settings, owner)
    )
    assert bad.status_code == 400


def test_cover_art_needs_the_owner(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    other = make_user(db)
    path = f"/ws/{uid(owner)}/cover_art/"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=rockpack_bearer(settings, other)).status_code == 403
    assert upload_raw(client, settings, other, b"x").status_code == 400
    forbidden = client.post(
        path, content=image_bytes((10, 10)), headers=rockpack_bearer(settings, other)
    )
    assert forbidden.status_code == 403
    assert forbidden.json() == {"error": "insufficient_scope"}
    assert (
        client.delete(path + "whatever", headers=rockpack_bearer(settings, other)).status_code
        == 403
    )
    assert (
        client.get("/ws/nope/cover_art/", headers=rockpack_bearer(settings, owner)).status_code
        == 404
    )


def test_delete_cover_art_uncovers_channels_and_removes_files(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    ref = upload_raw(client, settings, owner, image_bytes((64, 64))).json()["cover_ref"]
    created = client.post(
        f"/ws/{uid(owner)}/channels/",
        json={"title": "T", "description": "", "category": "", "cover": ref, "public": True},
        headers=rockpack_bearer(settings, owner),
    )
    assert created.status_code == 201
    assert len(stored_files(settings)) == 2

    response = client.delete(
        f"/ws/{uid(owner)}/cover_art/{ref}", headers=rockpack_bearer(settings, owner)
    )

    assert response.status_code == 204
    assert stored_files(settings) == []
    with db.session(write=False) as session:
        assert session.query(CoverArt).count() == 0
        assert session.query(Channel).one().cover_art_id is None
    channel_id = ids.decode(ids.CHANNEL, created.json()["id"])
    assert channel_id is not None
    view = client.get(channel_path(owner, channel_id)).json()
    assert view["cover"] == {"thumbnail_url": "", "aoi": [0.0, 0.0, 1.0, 1.0]}
    again = client.delete(
        f"/ws/{uid(owner)}/cover_art/{ref}/", headers=rockpack_bearer(settings, owner)
    )
    assert again.status_code == 404


def test_delete_unknown_or_foreign_cover_art_is_404(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    other = make_user(db)
    theirs = upload_raw(client, settings, other, image_bytes((8, 8))).json()["cover_ref"]
    for ref in (theirs, "unknown", "bad%20ref", "x" * 200):
        response = client.delete(
            f"/ws/{uid(owner)}/cover_art/{ref}", headers=rockpack_bearer(settings, owner)
        )
        assert response.status_code == 404, ref
    assert len(stored_files(settings)) == 2


class _BrokenSession:
    """A session whose commit fails, to show an upload leaves no file behind."""

    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, row: object) -> None:
        self.added.append(row)

    def commit(self) -> None:
        raise RuntimeError("database went away")

    def rollback(self) -> None:
        pass


def test_failed_commit_removes_the_stored_files(tmp_path: Path) -> None:
    from getnative.media.storage import LocalMediaStorage

    media = LocalMediaStorage(tmp_path, "http://media")
    limits = ImageLimits(max_bytes=10**7, max_pixels=10**7, max_side=5000)
    processed = covers.process_image(image_bytes((32, 32)), limits)
    with pytest.raises(RuntimeError):
        covers.store_cover_art(
            _BrokenSession(),  # type: ignore[arg-type]
            media,
            owner_id=1,
            cover=processed,
            aoi=None,
        )
    assert list((tmp_path / "cover_art").iterdir()) == []


def test_parse_aoi_accepts_integers_and_bounds() -> None:
    assert covers.parse_aoi([0, 0, 1, 1]) == [0.0, 0.0, 1.0, 1.0]
    with pytest.raises(InvalidInput):
        covers.parse_aoi([0, 0, 1, float("nan")])
    with pytest.raises(InvalidInput):
        covers.parse_aoi([0, 0, 1, 1e309])


def test_processed_image_is_reencoded_without_metadata() -> None:
    out = io.BytesIO()
    image = Image.new("RGB", (3000, 1000))
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    image.save(out, format="JPEG", exif=exif)
    limits = ImageLimits(max_bytes=10**7, max_pixels=10**8, max_side=8000)
    processed = covers.process_image(out.getvalue(), limits)
    assert (processed.image.width, processed.image.height) == (2048, 683)
    assert b"secret description" not in processed.image.data
    assert Image.open(io.BytesIO(processed.thumbnail.data)).size == (640, 213)


def test_malformed_multipart_is_400(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    for content_type, body in (
        ("multipart/form-data; boundary=xyz", b"garbage without boundaries"),
        ("multipart/form-data", b"--\r\n"),
    ):
        response = upload_raw(client, settings, owner, body, content_type=content_type)
        assert_rockpack_error(response, 400, content_type)
    assert stored_files(settings) == []
