"""/healthz, /readyz and /metrics: outside the rate limits and the access log, metrics behind a
token, and the counters an operator alerts on."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database
from tests.clients import client_on, custom_client, custom_container
from tests.factories import b64, bearer, image_bytes, make_user, make_video

TOKEN = "metrics-token-for-tests"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_healthz_and_readyz_answer_ok(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert ready.headers["cache-control"] == "no-store"


def test_probes_skip_rate_limits_and_the_access_log(
    tmp_path: Path, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    client = custom_client(tmp_path, db, rate_limit_per_minute=1)
    caplog.set_level(logging.INFO, logger="getnative.access")
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
    assert not [r for r in caplog.records if r.name == "getnative.access"]
    assert client.get("/videos").status_code == 200  # the budget of 1 is still whole
    assert client.get("/videos").status_code == 429


@pytest.mark.usefixtures("db")
def test_readyz_fails_when_migrations_are_not_at_head(tmp_path: Path) -> None:
    unmigrated = Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    client = custom_client(tmp_path, unmigrated)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert "migrations not at head" in ready.json()["checks"]["database"]
    unmigrated.dispose()


def test_readyz_checks_redis_when_configured(tmp_path: Path, db: Database) -> None:
    from getnative.ratelimit import RedisRateLimiter

    container = custom_container(tmp_path, db, redis_url="redis://127.0.0.1:1/0")
    container.rate_limiter = RedisRateLimiter(container.settings.redis_url)
    ready = client_on(container).get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["redis"] != "ok"


def test_metrics_are_off_the_public_surface_by_default(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == 304  # Get Native's own 404: nothing to see


def test_metrics_need_the_bearer_token(tmp_path: Path, db: Database) -> None:
    client = custom_client(tmp_path, db, metrics_token=TOKEN)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    client.get("/videos")
    client.get("/videos/123456")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'route="/videos",status="200"' in text
    assert 'route="/videos/{video_id}"' in text or 'route="/videos/{id}"' in text
    assert "getnative_http_request_duration_seconds_bucket" in text
    assert "getnative_db_pool_connections_in_use" in text


def test_request_metrics_use_route_templates_and_bound_labels(client: TestClient) -> None:
    before = sample(
        "getnative_http_requests_total",
        dialect="getnative",
        route="unmatched",
        method="GET",
        status="404",
    )
    for n in range(3):
        client.get(f"/random-{n}")
    after = sample(
        "getnative_http_requests_total",
        dialect="getnative",
        route="unmatched",
        method="GET",
        status="404",
    )
    assert after - before == 3
    client.get("/ws/a/b/c/d/e/f", headers={"DNT": "1"})  # counted all the same: no one is tracked
    assert (
        sample(
            "getnative_http_requests_total",
            dialect="rockpack",
            route="unmatched",
            method="GET",
            status="404",
        )
        >= 1
    )


def test_domain_counters(client: TestClient, db: Database, settings: Settings) -> None:
    video = make_video(db)
    likes = sample("getnative_like_toggles_total", action="like")
    unlikes = sample("getnative_like_toggles_total", action="unlike")
    client.post(f"/api/videos/{video.id}/like")
    client.post(f"/api/videos/{video.id}/like")
    assert sample("getnative_like_toggles_total", action="like") == likes + 1
    assert sample("getnative_like_toggles_total", action="unlike") == unlikes + 1

    failed = sample("getnative_failed_logins_total", reason="invalid_credentials")
    client.post("/login", json={"email": "nobody@example.com", "password": "wrong-password"})
    assert sample("getnative_failed_logins_total", reason="invalid_credentials") == failed + 1

    user = make_user(db)
    ok = sample("getnative_image_decodes_total", outcome="ok")
    invalid = sample("getnative_image_decodes_total", outcome="invalid")
    headers = bearer(settings, user)
    image = b64(image_bytes((20, 20)))
    client.post("/account/profile_image", json={"image": image}, headers=headers)
    client.post("/account/profile_image", json={"image": b64(b"not an image")}, headers=headers)
    assert sample("getnative_image_decodes_total", outcome="ok") == ok + 1
    assert sample("getnative_image_decodes_total", outcome="invalid") == invalid + 1


def test_rate_limited_requests_are_counted(tmp_path: Path, db: Database) -> None:
    client = custom_client(tmp_path, db, likes_rate_limit_per_minute=1)
    before = sample("getnative_rate_limited_requests_total", dialect="likes")
    client.get("/api/me")
    assert client.get("/api/me").status_code == 429
    assert sample("getnative_rate_limited_requests_total", dialect="likes") == before + 1


def test_recaptcha_outcomes_are_counted() -> None:
    from getnative.likes.recaptcha import RecaptchaResult
    from tests.fakes import require_human

    class Verifier:
        def verify(self, token: str, remote_ip: str | None) -> RecaptchaResult:  # noqa: ARG002
            return RecaptchaResult(success=token == "good", score=0.9)

    before = {
        o: sample("getnative_recaptcha_checks_total", outcome=o)
        for o in ("passed", "failed", "missing")
    }
    require_human(Verifier(), "good", remote_ip=None, min_score=0.5)
    for token in ("bad", None):
        with pytest.raises(Exception):  # noqa: B017, PT011 (the two refusals have their own types)
            require_human(Verifier(), token, remote_ip=None, min_score=0.5)
    for outcome in ("passed", "failed", "missing"):
        assert sample("getnative_recaptcha_checks_total", outcome=outcome) == before[outcome] + 1
