"""Ids are never handed out twice (issue 12): old links must never point at new objects.

SQLite reused the id of a deleted newest row; migration 0004 rebuilds every table with
AUTOINCREMENT. PostgreSQL's sequences never reuse values.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from starlette.testclient import TestClient

from getnative.catalog.models import Video
from getnative.channels.models import Channel
from getnative.config import Settings
from getnative.db import Database
from getnative.likes import service as likes
from getnative.likes.models import Like
from getnative.migrate import upgrade
from tests.catalog.test_search import search_ids
from tests.clients import cid, uid
from tests.factories import make_channel, make_user, make_video, rockpack_bearer


def test_a_deleted_newest_video_id_is_not_reused(db: Database) -> None:
    doomed = make_video(db)
    with db.session() as session:
        session.execute(sa.delete(Video).where(Video.id == doomed.id))

    assert make_video(db).id > doomed.id


def _url(channel: Channel) -> str:
    return f"http://testserver/ws/{uid(channel.owner_id)}/channels/{cid(channel)}/"


def test_a_deleted_subscription_url_never_points_at_a_new_one(
    client: TestClient, db: Database, settings: Settings
) -> None:
    fan = make_user(db)
    first, second = make_channel(db, make_user(db)), make_channel(db, make_user(db))
    headers = rockpack_bearer(settings, fan)
    old = client.post(f"/ws/{uid(fan)}/subscriptions/", json=_url(first), headers=headers)
    old_url = old.json()["resource_url"]
    assert client.delete(old_url, headers=headers).status_code == 204

    new = client.post(f"/ws/{uid(fan)}/subscriptions/", json=_url(second), headers=headers)

    assert new.status_code == 201
    assert new.json()["resource_url"] != old_url
    assert client.delete(old_url, headers=headers).status_code == 404


def test_every_sqlite_table_keyed_by_id_autoincrements(db: Database) -> None:
    if not db.is_sqlite:
        _assert_postgres_ids_come_from_sequences(db)
        return
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'video_search%' AND sql LIKE '%id INTEGER NOT NULL%'"
        ).all()
    # `user_id INTEGER NOT NULL` (feed_entries, keyed by user, date and instance) is no `id`.
    keyed = [
        (name, sql)
        for name, sql in rows
        if "PRIMARY KEY (video_id" not in sql and re.search(r"(?<!\w)id INTEGER NOT NULL", sql)
    ]
    assert len(keyed) >= 20
    assert [name for name, sql in keyed if "AUTOINCREMENT" not in sql] == []


def _assert_postgres_ids_come_from_sequences(db: Database) -> None:
    with db.engine.connect() as connection:
        tables = connection.exec_driver_sql(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'id'"
        ).scalars()
        for table in tables:
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
            ).scalar()
            assert sequence is not None, table


def test_the_rebuild_keeps_rows_ids_search_and_cascades(tmp_path: Path) -> None:
    """Data written before 0004 survives it; foreign key actions work again afterwards."""
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        upgrade(db.engine, "0003")
        video = make_video(db, transcript="a rebuilt business card")
        user = make_user(db)
        with db.session() as session:
            likes.like(session, video_id=video.id, user_id=user.id)

        upgrade(db.engine)

        assert search_ids(db, "business") == [video.id]
        with db.session() as session:
            assert session.scalar(sa.select(Like.video_id)) == video.id
            session.execute(sa.delete(Video).where(Video.id == video.id))
        with db.session(write=False) as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(Like)) == 0
        assert make_video(db).id > video.id
    finally:
        db.dispose()
