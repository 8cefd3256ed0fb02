"""Service rules under races: unique titles, shared external videos, contiguous positions."""

from __future__ import annotations

import threading

import pytest

from getnative.catalog.models import Video
from getnative.channels import service
from getnative.db import Database
from getnative.errors import ChannelFormInvalid
from tests.factories import instance_rows, make_channel, make_user

FORM = service.ChannelForm(
    title="Race", description="", category_id=None, cover_art_id=None, public=True
)


def test_duplicate_title_caught_by_the_constraint_keeps_the_session_usable(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if another request created the title between our check and our insert."""
    owner = make_user(db)
    make_channel(db, owner, title="Race")
    monkeypatch.setattr(service, "_title_taken", lambda *_args, **_kwargs: False)
    with db.session() as session:
        with pytest.raises(ChannelFormInvalid) as caught:
            service.create_channel(session, owner.id, FORM)
        assert caught.value.errors == {"title": ["Duplicate title"]}
        session.expunge_all()
        assert service.list_user_channels(session, owner.id, viewer_id=owner.id)[1] == 1


def test_external_video_created_concurrently_is_reused(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serialises writers; the race cannot happen there")
    owner = make_user(db)
    channel = make_channel(db, owner)

    class RacingMetadata(service.DefaultVideoMetadata):
        def lookup(self, source: str, source_id: str) -> service.VideoMetadata:
            with db.session() as other:  # another request wins the race
                other.add(Video(source=source, source_id=source_id, title="winner"))
            return super().lookup(source, source_id)

    with db.session() as session:
        row = service.lock_channel(session, channel.id, owner_id=owner.id)
        ref = service.SourceRef("youtube", "9bZkp7q19f0")
        service.append_channel_videos(session, row, [ref], metadata=RacingMetadata())
    with db.session(write=False) as session:
        [video] = session.query(Video).filter_by(source_id="9bZkp7q19f0").all()
        assert video.title == "winner"
    assert len(instance_rows(db, channel)) == 1


def test_concurrent_appends_keep_positions_contiguous(db: Database) -> None:
    owner = make_user(db)
    channel = make_channel(db, owner)
    errors: list[BaseException] = []

    def append(prefix: str) -> None:
        try:
            refs: list[service.VideoRef | None] = [
                service.SourceRef("youtube", f"{prefix}{n:09d}") for n in range(10)
            ]
            with db.session() as session:
                row = service.lock_channel(session, channel.id, owner_id=owner.id)
                service.append_channel_videos(session, row, refs)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(p,)) for p in ("aa", "bb", "cc", "dd")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [position for _, _, position in instance_rows(db, channel)] == list(range(40))
