"""Review point 12: reCAPTCHA is awaited on the event loop (a slow verifier starves nothing
else), and the token's action and hostname are checked when configured."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pytest

from getnative.db import Database
from getnative.likes.recaptcha import HttpRecaptchaVerifier, RecaptchaResult
from tests.clients import build_container, make_settings
from tests.conftest import ClientFactory
from tests.factories import make_video
from tests.fakes import fake_verifier_server
from tests.servers import running_server


@pytest.fixture(scope="module")
def fake_server():
    with fake_verifier_server() as server:
        yield server


def test_async_http_verifier_reads_action_and_hostname(fake_server) -> None:
    verifier = HttpRecaptchaVerifier(url=fake_server.url, secret="s3cret", timeout_seconds=2)
    result = anyio.run(verifier.verify_async, "hosted", "203.0.113.9")
    assert result == RecaptchaResult(
        success=True, score=0.9, action="like", hostname="likes.example"
    )
    assert fake_server.requests[-1]["remoteip"] == ["203.0.113.9"]


@pytest.mark.parametrize(
    ("token", "action", "hostnames", "status"),
    [
        ("hosted", "like", "likes.example", 200),
        ("hosted", "", "", 200),
        ("other-action", "like", "", 403),
        ("hosted", "like", "other.example", 403),
        ("good", "", "likes.example", 403),  # an answer without a hostname cannot match
    ],
)
def test_action_and_hostname_are_checked_when_configured(
    db: Database,
    make_client: ClientFactory,
    fake_server,
    token: str,
    action: str,
    hostnames: str,
    status: int,
) -> None:
    video = make_video(db)
    client = make_client(
        recaptcha_secret="s3cret",
        recaptcha_verify_url=fake_server.url,
        recaptcha_action=action,
        recaptcha_hostnames=hostnames,
    )
    response = client.post(f"/api/videos/{video.id}/like", headers={"X-Recaptcha-Token": token})
    assert response.status_code == status, response.text


def test_a_slow_verifier_does_not_starve_other_requests(
    tmp_path, db: Database, fake_server
) -> None:
    """45 likes wait 12 s each on the verifier (more than the 40 threads of the pool); a
    `/ws/categories/` sent meanwhile answers before any of them (it used to queue behind them).
    Ordering, not a time limit, so a loaded machine cannot make it flaky."""
    video = make_video(db)
    settings = make_settings(
        tmp_path,
        db,
        recaptcha_secret="s3cret",
        recaptcha_verify_url=fake_server.url,
        recaptcha_timeout_seconds=30,
    )
    container = build_container(settings, db)
    with running_server(container) as base, ThreadPoolExecutor(max_workers=45) as pool:

        def like() -> float:
            with httpx.Client(timeout=60) as http:
                response = http.post(
                    f"{base}/api/videos/{video.id}/like", headers={"X-Recaptcha-Token": "very-slow"}
                )
                assert response.status_code == 403
                return time.monotonic()

        likes = [pool.submit(like) for _ in range(45)]
        time.sleep(1.0)
        with httpx.Client(timeout=60) as http:
            assert http.get(f"{base}/ws/categories/").status_code == 200
        answered = time.monotonic()
        first_like_done = min(future.result() for future in likes)
    assert answered < first_like_done
