"""The demo catalog as a person sees it (issue 12): dated records, titled videos with views, and
pictures the server itself serves."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select
from starlette.testclient import TestClient

from getnative.catalog.importer import ADDED_BEFORE_FIRST_VIDEO, import_file
from getnative.catalog.models import Speaker, Subcategory, Video
from getnative.db import Database
from getnative.demo import images
from tests.factories import DEMO_CATALOG

MEDIA_URL = "http://testserver/media"


def _first_video(db: Database, column: object, record_id: int) -> object:
    with db.session(write=False) as session:
        return session.scalar(select(func.min(Video.created_at)).where(column == record_id))


def test_speakers_and_subcategories_are_dated_before_their_first_video(db: Database) -> None:
    import_file(db, DEMO_CATALOG, progress=False)

    with db.session(write=False) as session:
        speakers = list(session.scalars(select(Speaker)))
        subcategories = list(session.scalars(select(Subcategory)))
    for speaker in speakers:
        first = _first_video(db, Video.speaker_id, speaker.id)
        assert speaker.created_at == first - ADDED_BEFORE_FIRST_VIDEO, speaker.key  # type: ignore[operator]
    for subcategory in subcategories:
        first = _first_video(db, Video.subcategory_id, subcategory.id)
        if first is not None:
            assert subcategory.created_at < first, subcategory.name  # type: ignore[operator]


def test_likes_api_lists_demo_videos_with_titles_and_views(
    client: TestClient, db: Database
) -> None:
    import_file(db, DEMO_CATALOG, progress=False)

    videos = client.get("/api/videos").json()

    assert len(videos) == 19
    assert all(video["title"] and video["views"] > 0 for video in videos)


def test_every_demo_picture_is_served_by_the_server(client: TestClient, db: Database) -> None:
    import_file(db, DEMO_CATALOG, progress=False, media_url=MEDIA_URL)
    with db.session(write=False) as session:
        urls = [*session.scalars(select(Speaker.picture_url))]
        urls += [*session.scalars(select(Video.thumbnail_image_url))]

    assert len(urls) == 27
    for url in urls:
        assert url is not None and url.startswith(f"{MEDIA_URL}/demo/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("image/svg+xml")


def test_the_shipped_pictures_are_what_the_generator_writes(tmp_path: Path) -> None:
    """`python -m getnative.demo.images` reproduces the shipped files from the catalog."""
    count = images.write_all(DEMO_CATALOG, tmp_path)
    shipped = sorted(p.relative_to(images.MEDIA_DIR) for p in images.MEDIA_DIR.rglob("*.svg"))

    assert count == len(shipped)
    for name in shipped:
        assert (tmp_path / name).read_text() == (images.MEDIA_DIR / name).read_text(), name


def test_an_absolute_media_url_is_kept_and_a_relative_one_resolved(
    tmp_path: Path, db: Database
) -> None:
    data = yaml.safe_load(DEMO_CATALOG.read_text(encoding="utf-8"))
    data["speakers"][0]["picture_url"] = "https://cdn.example.com/h.jpg"
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    import_file(db, path, progress=False, media_url=MEDIA_URL)

    with db.session(write=False) as session:
        rows = session.execute(select(Speaker.key, Speaker.picture_url)).tuples().all()
        pictures = dict(rows)
    assert pictures[data["speakers"][0]["key"]] == "https://cdn.example.com/h.jpg"
    assert pictures[data["speakers"][1]["key"]] == (
        f"{MEDIA_URL}/demo/speakers/{data['speakers'][1]['key']}.svg"
    )
