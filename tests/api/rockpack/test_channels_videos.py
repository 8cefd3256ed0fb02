"""GET / PUT / POST /ws/USERID/channels/CID/videos/."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.catalog.models import Video
from getnative.channels import service
from getnative.channels.models import VideoInstance
from getnative.config import Settings
from getnative.db import Database
from getnative.errors import InvalidVideoRefs
from tests.clients import channel_path, uid, vid
from tests.factories import (
    instance_rows,
    make_channel,
    make_instance,
    make_user,
    make_youtube_video,
    rockpack_bearer,
)


def videos_path(owner: User, channel: Any) -> str:
    return channel_path(owner, channel, "videos/")


def test_get_lists_instance_ids_in_order(db: Database, client: TestClient) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    b = make_instance(db, channel, make_youtube_video(db), 1)
    a = make_instance(db, channel, make_youtube_video(db), 0)
    response = client.get(videos_path(owner, channel))
    assert response.status_code == 200
    assert response.json() == [vid(a), vid(b)]


def test_get_private_needs_owner_and_unknown_is_404(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner, public=False)
    assert client.get(videos_path(owner, channel)).status_code == 403
    other = client.get(
        videos_path(owner, channel), headers=rockpack_bearer(settings, make_user(db))
    )
    assert other.json() == {"error": "insufficient_scope"}
    assert (
        client.get(videos_path(owner, channel), headers=rockpack_bearer(settings, owner)).json()
        == []
    )
    assert client.get(videos_path(owner, 987654)).status_code == 404
    assert client.get(f"/ws/{'x' * 13}/channels/abc/videos/").status_code == 404


def test_put_replaces_reorders_copies_and_adds_youtube(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    elsewhere = make_channel(db, make_user(db))
    v1, v2, v3, v4 = (make_youtube_video(db) for _ in range(4))
    i1 = make_instance(db, channel, v1, 0)
    i2 = make_instance(db, channel, v2, 1)
    make_instance(db, channel, v3, 2)  # removed by the PUT
    foreign = make_instance(db, elsewhere, v4, 0)

    response = client.put(
        videos_path(owner, channel),
        json=[vid(i2), vid(foreign), ["youtube", "9bZkp7q19f0"], vid(i1), vid(i2)],
        headers=rockpack_bearer(settings, owner),
    )

    assert response.status_code == 204
    rows = instance_rows(db, channel)
    assert [position for _, _, position in rows] == [0, 1, 2, 3]
    assert rows[0][0] == i2.id
    assert rows[1][1] == v4.id
    assert rows[1][0] != foreign.id
    assert rows[3][0] == i1.id
    with db.session(write=False) as session:
        youtube = session.get(Video, rows[2][1])
        assert youtube is not None
        assert (youtube.source, youtube.source_id) == ("youtube", "9bZkp7q19f0")
        assert youtube.thumbnail_image_url == "https://i.ytimg.com/vi/9bZkp7q19f0/mqdefault.jpg"
        assert session.get(VideoInstance, foreign.id) is not None  # the source stays put
    listed = client.get(videos_path(owner, channel)).json()
    assert listed == [vid(row[0]) for row in rows]


def test_put_empty_list_empties_the_channel(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    make_instance(db, channel, make_youtube_video(db), 0)
    response = client.put(
        videos_path(owner, channel), json=[], headers=rockpack_bearer(settings, owner)
    )
    assert response.status_code == 204
    assert instance_rows(db, channel) == []


def test_post_appends_and_reuses_youtube_videos(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    existing = make_youtube_video(db, source_id="BrHlQUXFzfw")
    first = make_instance(db, channel, make_youtube_video(db), 5)  # a gap before it

    response = client.post(
        videos_path(owner, channel),
        json=[["youtube", "BrHlQUXFzfw"], vid(first), ["youtube", "a-b_c123456"]],
        headers=rockpack_bearer(settings, owner),
    )

    assert response.status_code == 204
    rows = instance_rows(db, channel)
    assert [position for _, _, position in rows] == [0, 1, 2]
    assert rows[0][0] == first.id
    assert rows[1][1] == existing.id
    with db.session(write=False) as session:
        assert session.query(Video).filter_by(source_id="a-b_c123456").count() == 1
    again = client.post(
        videos_path(owner, channel),
        json=[["youtube", "a-b_c123456"]],
        headers=rockpack_bearer(settings, owner),
    )
    assert again.status_code == 204
    with db.session(write=False) as session:
        assert session.query(Video).filter_by(source_id="a-b_c123456").count() == 1
    assert len(instance_rows(db, channel)) == 4


def test_invalid_items_are_reported_and_nothing_changes(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    keep = make_instance(db, channel, make_youtube_video(db), 0)
    hidden = make_instance(
        db, make_channel(db, make_user(db), public=False), make_youtube_video(db), 0
    )
    bad = [
        "aaa",
        vid(999999),
        vid(hidden),
        ["youtube", "short"],
        ["vimeo", "9bZkp7q19f0"],
        ["youtube"],
        17,
        None,
        {"id": "x"},
        ["youtube", "9bZkp7q19f0", "extra"],
    ]
    for method in ("PUT", "POST"):
        response = client.request(
            method,
            videos_path(owner, channel),
            json=[["youtube", "9bZkp7q19f0"], *bad],
            headers=rockpack_bearer(settings, owner),
        )
        assert response.status_code == 400, method
        assert response.json() == {
            "error": "invalid_request",
            "message": "Invalid video instance ids",
            "data": bad,
        }
    assert [row[0] for row in instance_rows(db, channel)] == [keep.id]
    with db.session(write=False) as session:
        assert session.query(Video).filter_by(source_id="9bZkp7q19f0").count() == 0


def test_owner_may_copy_from_own_private_channel(
    db: Database, client: TestClient, settings: Settings
) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    private = make_instance(db, make_channel(db, owner, public=False), make_youtube_video(db), 0)
    response = client.post(
        videos_path(owner, channel), json=[vid(private)], headers=rockpack_bearer(settings, owner)
    )
    assert response.status_code == 204
    assert len(instance_rows(db, channel)) == 1


def test_body_must_be_a_list(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    for raw in (b"{", b"", b'{"a": 1}', b'"vi"', b"null", b"[" * 100000):
        response = client.put(
            videos_path(owner, channel),
            content=raw,
            headers={**rockpack_bearer(settings, owner), "Content-Type": "application/json"},
        )
        assert response.status_code == 400, raw[:20]
        assert response.json()["error"] == "invalid_request"


def test_too_many_items(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    items = [["youtube", "9bZkp7q19f0"]] * (service.MAX_VIDEO_ITEMS + 1)
    response = client.post(
        videos_path(owner, channel), json=items, headers=rockpack_bearer(settings, owner)
    )
    assert response.status_code == 400


def test_writes_need_the_owner(db: Database, client: TestClient, settings: Settings) -> None:
    owner = make_user(db)
    other = make_user(db)
    channel = make_channel(db, owner)
    theirs = make_channel(db, other)
    body = [["youtube", "9bZkp7q19f0"]]
    for method in ("PUT", "POST"):
        assert client.request(method, videos_path(owner, channel), json=body).status_code == 401
        forbidden = client.request(
            method, videos_path(owner, channel), json=body, headers=rockpack_bearer(settings, other)
        )
        assert forbidden.status_code == 403
        assert forbidden.json() == {"error": "insufficient_scope"}
        not_mine = client.request(
            method, videos_path(owner, theirs), json=body, headers=rockpack_bearer(settings, owner)
        )
        assert not_mine.status_code == 404
        malformed = client.request(
            method,
            f"/ws/{uid(owner)}/channels/chnope/videos/",
            json=body,
            headers=rockpack_bearer(settings, owner),
        )
        assert malformed.status_code == 404
    assert instance_rows(db, channel) == []


class _FakeMetadata:
    def lookup(self, source: str, source_id: str) -> service.VideoMetadata:  # noqa: ARG002 (protocol)
        return service.VideoMetadata(
            title=f"Title of {source_id}",
            thumbnail_url="http://thumb",
            video_url="http://video",
            source_username="someone",
            duration=42,
        )


def test_metadata_source_fills_new_external_videos(db: Database) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    with db.session() as session:
        row = service.lock_channel(session, channel.id, owner_id=owner.id)
        service.append_channel_videos(
            session, row, [service.SourceRef("youtube", "9bZkp7q19f0")], metadata=_FakeMetadata()
        )
    with db.session(write=False) as session:
        video = session.query(Video).filter_by(source_id="9bZkp7q19f0").one()
        assert video.title == "Title of 9bZkp7q19f0"
        assert video.source_username == "someone"
        assert video.length == 42


def test_replace_is_all_or_nothing(db: Database) -> None:
    """A bad item after good ones leaves the channel exactly as it was."""
    owner = make_user(db)
    channel = make_channel(db, owner)
    keep = make_instance(db, channel, make_youtube_video(db), 0)
    with db.session() as session:
        row = service.lock_channel(session, channel.id, owner_id=owner.id)
        with pytest.raises(InvalidVideoRefs) as caught:
            service.replace_channel_videos(
                session, row, [service.SourceRef("youtube", "9bZkp7q19f0"), None]
            )
    assert caught.value.positions == [1]
    assert [r[0] for r in instance_rows(db, channel)] == [keep.id]
