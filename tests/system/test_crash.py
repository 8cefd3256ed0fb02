"""Crash safety: a server killed with SIGKILL in the middle of a stream of writes loses none of
the writes it acknowledged, on SQLite and on PostgreSQL.

Writers toggle likes from distinct client IPs (each acknowledged toggle creates one like row).
After the kill and a restart, every acknowledged like must still be there, and the shared counter
must still equal the number of like rows.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from getnative.catalog.models import Video
from getnative.db import Database
from getnative.likes.models import Like
from tests.factories import make_video
from tests.servers import ServerProcess

pytestmark = pytest.mark.slow


def _writer(
    base_url: str, video_id: int, prefix: int, acked: list[str], stop: threading.Event
) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as http:
        for n in range(10_000):
            if stop.is_set():
                return
            ip = f"10.{prefix}.{n // 250}.{n % 250 + 1}"
            try:
                response = http.post(
                    f"/api/videos/{video_id}/like", headers={"X-Forwarded-For": ip}
                )
            except httpx.HTTPError:
                return  # the server died under us: this write was never acknowledged
            if response.status_code == 200 and response.json() == {"userLike": True}:
                acked.append(ip)


def test_acknowledged_writes_survive_sigkill(db: Database, tmp_path: Path) -> None:
    video = make_video(db)
    env = {
        "GETNATIVE_DATABASE_URL": db.url,
        "GETNATIVE_MEDIA_DIR": str(tmp_path / "media"),
        "GETNATIVE_TRUSTED_PROXIES": "127.0.0.1/32",
        "GETNATIVE_RATE_LIMIT_PER_MINUTE": "0",
        "GETNATIVE_LIKES_RATE_LIMIT_PER_MINUTE": "0",
        "GETNATIVE_RECAPTCHA_SECRET": "",
    }
    server = ServerProcess(env, tmp_path)
    server.start()
    acked: list[str] = []
    stop = threading.Event()
    writers = [
        threading.Thread(target=_writer, args=(server.base_url, video.id, p, acked, stop))
        for p in range(4)
    ]
    for thread in writers:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acked) < 60 and time.monotonic() < deadline:
        time.sleep(0.02)
    server.kill()  # mid-stream: writers still have requests in flight
    stop.set()
    for thread in writers:
        thread.join(timeout=10)
    assert len(acked) >= 60, "the server acknowledged too few writes before the kill"

    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=5) as http:
            for ip in acked:
                state = http.get(f"/api/videos/{video.id}/like", headers={"X-Forwarded-For": ip})
                assert state.json() == {"userLike": True}, f"acknowledged like of {ip} was lost"
    finally:
        server.stop()
    with db.session(write=False) as session:
        rows = session.scalar(
            select(func.count()).select_from(Like).where(Like.video_id == video.id)
        )
        counter = session.scalar(select(Video.like_count).where(Video.id == video.id))
    assert rows is not None and rows >= len(acked)
    assert counter == rows
