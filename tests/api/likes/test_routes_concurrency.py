"""Concurrent toggles against a real server: the counter always equals the like rows.

uvicorn serves the whole app on 127.0.0.1 (a trusted proxy here, so `X-Forwarded-For` picks the
client), and a pool of threads with their own httpx clients fires the toggles.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from getnative.catalog.models import Video
from getnative.db import Database
from getnative.likes.models import Like
from tests.clients import build_container, make_settings
from tests.factories import make_video
from tests.servers import running_server

pytestmark = pytest.mark.slow
THREADS = 16


def counter_and_rows(db: Database, video_id: int) -> tuple[int, int]:
    with db.session(write=False) as session:
        counter = session.scalar(select(Video.like_count).where(Video.id == video_id))
        rows = session.scalar(select(func.count()).where(Like.video_id == video_id))
    return int(counter or 0), int(rows or 0)


def run_in_threads(base_url: str, jobs: list[Callable[[httpx.Client], None]]) -> None:
    """Run the jobs on THREADS threads, each thread with its own keep-alive client."""
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, timeout=60)
            with lock:
                clients.append(local.client)
        return local.client  # type: ignore[no-any-return]

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for future in [pool.submit(lambda job=job: job(client())) for job in jobs]:
                future.result()
    finally:
        for each in clients:
            each.close()


def toggle(client: httpx.Client, video_id: int, ip: str) -> bool:
    response = client.post(f"/api/videos/{video_id}/like", headers={"X-Forwarded-For": ip})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body in ({"userLike": True}, {"userLike": None})
    return body["userLike"] is True


@pytest.fixture
def server_container(tmp_path: Path, db: Database):
    settings = make_settings(tmp_path, db, trusted_proxies=["127.0.0.1"])
    return build_container(settings, db)


def test_many_ips_toggling_one_video(db: Database, server_container) -> None:
    """64 addresses toggle 1..6 times each (224 toggles), all at once; each address's own
    toggles are in order. The video ends liked by exactly the addresses with an odd count."""
    video = make_video(db)
    toggles_per_ip = {f"198.51.{i // 200}.{i % 200 + 1}": 1 + i % 6 for i in range(64)}
    assert sum(toggles_per_ip.values()) >= 200
    final_state: dict[str, bool] = {}

    def toggles_of(ip: str, count: int) -> Callable[[httpx.Client], None]:
        def job(client: httpx.Client) -> None:
            states = [toggle(client, video.id, ip) for _ in range(count)]
            assert states == [n % 2 == 0 for n in range(count)]  # True, None, True, ...
            final_state[ip] = states[-1]

        return job

    jobs = [toggles_of(ip, count) for ip, count in toggles_per_ip.items()]
    random.Random(7).shuffle(jobs)
    with running_server(server_container) as base_url:
        run_in_threads(base_url, jobs)

    odd = sum(1 for count in toggles_per_ip.values() if count % 2 == 1)
    counter, rows = counter_and_rows(db, video.id)
    assert counter == rows == odd
    assert sum(final_state.values()) == odd


def test_interleaved_toggles_of_many_ips(db: Database, server_container) -> None:
    """Every single toggle is its own job: 50 addresses x 4 toggles fully interleaved."""
    video = make_video(db)
    ips = [f"203.0.113.{i + 1}" for i in range(50)]
    jobs: list[Callable[[httpx.Client], None]] = [
        (lambda client, ip=ip: (toggle(client, video.id, ip), None)[1]) for ip in ips * 4
    ]
    random.Random(11).shuffle(jobs)
    with running_server(server_container) as base_url:
        run_in_threads(base_url, jobs)

    counter, rows = counter_and_rows(db, video.id)
    assert counter == rows == 0  # every address toggled an even number of times


def test_one_ip_toggling_concurrently_with_itself(db: Database, server_container) -> None:
    """The same user double-clicking many times at once: each toggle really flips."""
    video = make_video(db)
    answers: list[bool] = []
    lock = threading.Lock()

    def job(client: httpx.Client) -> None:
        state = toggle(client, video.id, "192.0.2.200")
        with lock:
            answers.append(state)

    with running_server(server_container) as base_url:
        run_in_threads(base_url, [job] * 41)

    counter, rows = counter_and_rows(db, video.id)
    assert counter == rows == 1  # 41 toggles: an odd number, so liked
    assert answers.count(True) == 21 and answers.count(False) == 20


def test_counter_never_negative(db: Database, server_container) -> None:
    """Toggles mixed with reads of the list: the counter read at any time is never below 0."""
    video = make_video(db)
    seen: list[int] = []

    def read(client: httpx.Client) -> None:
        for item in client.get("/api/videos").json():
            if item["id"] == str(video.id):
                seen.append(item["likes"])

    jobs: list[Callable[[httpx.Client], None]] = []
    for i in range(60):
        ip = f"192.0.2.{i + 1}"
        jobs.append(lambda client, ip=ip: (toggle(client, video.id, ip), None)[1])
        jobs.append(lambda client, ip=ip: (toggle(client, video.id, ip), None)[1])
        jobs.append(read)
    random.Random(3).shuffle(jobs)
    with running_server(server_container) as base_url:
        run_in_threads(base_url, jobs)

    assert seen and min(seen) >= 0
    assert counter_and_rows(db, video.id) == (0, 0)
