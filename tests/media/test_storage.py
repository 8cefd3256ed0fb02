"""Media storage: every backend on both databases, served with ETag, Cache-Control and ranges,
moved between backends by `getnative media migrate`, and replaced pictures removed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from getnative.media.storage import (
    DatabaseMediaStorage,
    LocalMediaStorage,
    MediaStorage,
    migrate_media,
)
from getnative.web.app import create_app
from tests.clients import build_container, make_settings
from tests.factories import b64, bearer, image_bytes, make_user, rockpack_bearer
from tests.servers import clean_env, run_cli

PREFIX = "http://testserver/media"
MEDIA_BACKENDS = ["filesystem", "database"]


def make_storage(kind: str, db: Database, tmp_path: Path) -> MediaStorage:
    if kind == "database":
        return DatabaseMediaStorage(db, PREFIX)
    return LocalMediaStorage(tmp_path / "media", PREFIX)


@pytest.fixture(params=MEDIA_BACKENDS)
def storage(request: pytest.FixtureRequest, db: Database, tmp_path: Path) -> MediaStorage:
    return make_storage(request.param, db, tmp_path)


def test_put_get_replace_delete_and_keys(storage: MediaStorage) -> None:
    assert storage.get("avatars/1/a.jpg") is None
    storage.put("avatars/1/a.jpg", b"first", "image/jpeg")
    storage.put("cover_art/b.png", b"png", "image/png")
    stored = storage.get("avatars/1/a.jpg")
    assert stored is not None and stored.data == b"first" and stored.content_type == "image/jpeg"
    storage.put("avatars/1/a.jpg", b"second", "image/jpeg")
    again = storage.get("avatars/1/a.jpg")
    assert again is not None and again.data == b"second" and again.etag != stored.etag
    assert sorted(storage.keys()) == ["avatars/1/a.jpg", "cover_art/b.png"]
    storage.delete("avatars/1/a.jpg")
    storage.delete("avatars/1/a.jpg")  # deleting twice is fine
    assert storage.get("avatars/1/a.jpg") is None
    assert list(storage.keys()) == ["cover_art/b.png"]
    assert storage.url("cover_art/b.png") == f"{PREFIX}/cover_art/b.png"
    assert storage.key_for_url(f"{PREFIX}/cover_art/b.png") == "cover_art/b.png"
    assert storage.key_for_url("https://elsewhere.example/x.jpg") is None


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a//b", "a/./b", ""])
def test_bad_keys_are_refused(storage: MediaStorage, key: str) -> None:
    with pytest.raises(ValueError):
        storage.put(key, b"x", "image/png")


def served_client(tmp_path: Path, db: Database, kind: str) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, db)
    container = build_container(settings, db)
    container.media = make_storage(kind, db, tmp_path)
    yield TestClient(create_app(settings, container=container), raise_server_exceptions=False)


@pytest.fixture(params=MEDIA_BACKENDS)
def media_client(request: pytest.FixtureRequest, tmp_path: Path, db: Database) -> TestClient:
    if request.param == "database" and db.is_sqlite:
        pytest.skip("the database media backend is PostgreSQL's (refused with SQLite)")
    return next(served_client(tmp_path, db, request.param))


def test_serving_with_etag_cache_control_and_ranges(media_client: TestClient) -> None:
    media = media_client.app.state.container.media  # type: ignore[attr-defined]
    body = bytes(range(256)) * 4
    media.put("cover_art/x.png", body, "image/png")
    full = media_client.get("/media/cover_art/x.png")
    assert full.status_code == 200 and full.content == body
    assert full.headers["content-type"] == "image/png"
    assert "max-age=" in full.headers["cache-control"]
    assert full.headers["accept-ranges"] == "bytes"
    etag = full.headers["etag"]
    assert (
        media_client.get("/media/cover_art/x.png", headers={"If-None-Match": etag}).status_code
        == 304
    )

    part = media_client.get("/media/cover_art/x.png", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == body[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(body)}"
    tail = media_client.get("/media/cover_art/x.png", headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == body[-5:]
    open_ended = media_client.get("/media/cover_art/x.png", headers={"Range": "bytes=1000-"})
    assert open_ended.content == body[1000:]
    beyond = media_client.get("/media/cover_art/x.png", headers={"Range": "bytes=5000-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(body)}"
    stale = media_client.get(
        "/media/cover_art/x.png", headers={"Range": "bytes=0-1", "If-Range": '"old"'}
    )
    assert stale.status_code == 200 and stale.content == body
    several = media_client.get("/media/cover_art/x.png", headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200
    head = media_client.head("/media/cover_art/x.png")
    assert head.status_code == 200 and head.content == b""

    for path in ("/media/cover_art/missing.png", "/media/../etc/passwd", "/media/", "/media"):
        assert media_client.get(path).status_code == 404, path
    assert media_client.post("/media/cover_art/x.png").status_code == 405


def test_replaced_pictures_are_removed_from_storage(
    media_client: TestClient, db: Database, settings: Settings
) -> None:
    media = media_client.app.state.container.media  # type: ignore[attr-defined]
    user = make_user(db)
    headers = bearer(settings, user)
    urls = []
    for size in ((30, 30), (40, 40)):
        image = b64(image_bytes(size))
        response = media_client.post(
            "/account/profile_image", json={"image": image}, headers=headers
        )
        assert response.status_code == 204
        urls.append(media_client.get("/account", headers=headers).json()["picture_url"])
    assert media_client.get(urlsplit(urls[0]).path).status_code == 404
    assert media_client.get(urlsplit(urls[1]).path).status_code == 200
    assert list(media.keys()) == [media.key_for_url(urls[1])]

    # Rockpack's avatar upload replaces the same picture, and removes the previous one too.
    from getnative.api.rockpack import ids

    rp_headers = rockpack_bearer(settings, user)
    png = image_bytes((50, 50))
    response = media_client.put(
        f"/ws/{ids.encode(ids.USER, user.id)}/avatar/",
        content=png,
        headers={**rp_headers, "Content-Type": "image/png"},
    )
    assert response.status_code == 204, response.text
    assert media_client.get(urlsplit(urls[1]).path).status_code == 404
    assert len(list(media.keys())) == 1


def test_migrate_copies_between_backends_idempotently(db: Database, tmp_path: Path) -> None:
    files = LocalMediaStorage(tmp_path / "media", PREFIX)
    rows = DatabaseMediaStorage(db, PREFIX)
    files.put("avatars/1/a.jpg", b"a", "image/jpeg")
    files.put("cover_art/b.png", b"b", "image/png")
    first = migrate_media(files, rows)
    assert (first.copied, first.unchanged) == (2, 0)
    again = migrate_media(files, rows)
    assert (again.copied, again.unchanged) == (0, 2)
    back = migrate_media(rows, LocalMediaStorage(tmp_path / "other", PREFIX), remove_source=True)
    assert (back.copied, back.removed) == (2, 2)
    assert list(rows.keys()) == []
    stored = LocalMediaStorage(tmp_path / "other", PREFIX).get("cover_art/b.png")
    assert stored is not None and stored.data == b"b" and stored.content_type == "image/png"


def test_media_migrate_command(tmp_path: Path, db: Database) -> None:
    if db.is_sqlite:
        env = clean_env(tmp_path, GETNATIVE_DATABASE_URL=db.url)
        refused = run_cli(
            ["media", "migrate", "--from", "filesystem", "--to", "database"], env, tmp_path
        )
        assert refused.returncode == 1 and "PostgreSQL" in refused.stderr
        return
    LocalMediaStorage(tmp_path / "media", PREFIX).put("avatars/9/z.jpg", b"zz", "image/jpeg")
    env = clean_env(tmp_path, GETNATIVE_DATABASE_URL=db.url)
    args = ["media", "migrate", "--from", "filesystem", "--to", "database"]
    done = run_cli(args, env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 copied" in done.stdout
    assert DatabaseMediaStorage(db, PREFIX).get("avatars/9/z.jpg") is not None
    assert "0 copied, 1 already there" in run_cli(args, env, tmp_path).stdout
