"""reCAPTCHA v3: the real HTTP verifier against a local fake, and the rule over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from getnative.accounts.models import User
from getnative.config import Settings
from getnative.db import Database
from getnative.errors import RecaptchaFailed, RecaptchaMissing, RecaptchaUnavailable
from getnative.likes.recaptcha import (
    HttpRecaptchaVerifier,
    RecaptchaResult,
    verifier_from_settings,
)
from getnative.web.container import Container
from tests.clients import build_container
from tests.conftest import ClientFactory
from tests.factories import make_video
from tests.fakes import FakeVerifier, fake_verifier_server, require_human
from tests.servers import free_port


@pytest.fixture(scope="module")
def fake_server():
    with fake_verifier_server() as server:
        yield server


def http_verifier(url: str, timeout: float = 0.5) -> HttpRecaptchaVerifier:
    return HttpRecaptchaVerifier(url=url, secret="s3cret", timeout_seconds=timeout)


# --- the real HTTP client against the fake verifier server --------------------------------


def test_http_verifier_success_posts_the_form(fake_server) -> None:
    result = http_verifier(fake_server.url).verify("good", "203.0.113.9")
    assert result == RecaptchaResult(success=True, score=0.9, action="like")
    assert fake_server.requests[-1] == {
        "secret": ["s3cret"],
        "response": ["good"],
        "remoteip": ["203.0.113.9"],
    }


def test_http_verifier_omits_remoteip_when_unknown(fake_server) -> None:
    http_verifier(fake_server.url).verify("good", None)
    assert "remoteip" not in fake_server.requests[-1]


def test_http_verifier_low_score_and_failure(fake_server) -> None:
    verifier = http_verifier(fake_server.url)
    assert verifier.verify("low", None) == RecaptchaResult(success=True, score=0.1)
    failed = verifier.verify("bad", None)
    assert failed.success is False
    assert failed.error_codes == ("invalid-input-response",)
    assert verifier.verify("v2", None) == RecaptchaResult(success=True, score=None)


@pytest.mark.parametrize("token", ["garbage", "no-success", "string-score", "list", "http500"])
def test_http_verifier_broken_answers_are_unavailable(fake_server, token: str) -> None:
    with pytest.raises(RecaptchaUnavailable):
        http_verifier(fake_server.url).verify(token, None)


def test_http_verifier_timeout_is_unavailable(fake_server) -> None:
    with pytest.raises(RecaptchaUnavailable):
        http_verifier(fake_server.url, timeout=0.2).verify("slow", None)


def test_http_verifier_unreachable_is_unavailable() -> None:
    with pytest.raises(RecaptchaUnavailable):
        http_verifier(f"http://127.0.0.1:{free_port()}/siteverify").verify("good", None)


# --- the rule ------------------------------------------------------------------------------


def test_require_human_rules() -> None:
    fake = FakeVerifier()
    require_human(None, None, remote_ip=None, min_score=0.5)  # no verifier: skipped
    with pytest.raises(RecaptchaMissing):
        require_human(fake, None, remote_ip=None, min_score=0.5)
    with pytest.raises(RecaptchaMissing):
        require_human(fake, "   ", remote_ip=None, min_score=0.5)
    require_human(fake, "good", remote_ip="1.2.3.4", min_score=0.5)
    with pytest.raises(RecaptchaFailed):
        require_human(fake, "low", remote_ip=None, min_score=0.5)
    require_human(fake, "low", remote_ip=None, min_score=0.1)
    with pytest.raises(RecaptchaFailed):
        require_human(fake, "bad", remote_ip=None, min_score=0.5)
    with pytest.raises(RecaptchaUnavailable):
        require_human(fake, "broken", remote_ip=None, min_score=0.5)
    assert ("good", "1.2.3.4") in fake.calls


def test_verifier_built_from_settings_only_with_a_secret(settings: Settings, db: Database) -> None:
    assert verifier_from_settings(secret="", url="http://x", timeout_seconds=1) is None
    assert build_container(settings, db).recaptcha_verifier is None
    configured = settings.model_copy(
        update={"recaptcha_secret": "k", "recaptcha_verify_url": "http://127.0.0.1:9/v"}
    )
    container = Container.from_settings(configured)
    container.db.dispose()
    verifier = container.recaptcha_verifier
    assert isinstance(verifier, HttpRecaptchaVerifier)
    assert verifier.url == "http://127.0.0.1:9/v"
    assert verifier.secret == "k"


# --- over HTTP, end to end with the real verifier and the fake server -----------------------


def any_user_exists(db: Database) -> bool:
    with db.session(write=False) as session:
        return bool(session.scalar(select(func.count()).select_from(User)))


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        (None, 403, {"error": "Invalid request"}),
        ("", 403, {"error": "Invalid request"}),
        ("bad", 403, {"error": "reCAPTCHA verification failed"}),
        ("low", 403, {"error": "reCAPTCHA verification failed"}),
        ("garbage", 500, {"error": "reCAPTCHA verification error"}),
        ("http500", 500, {"error": "reCAPTCHA verification error"}),
        ("slow", 500, {"error": "reCAPTCHA verification error"}),
        ("good", 200, {"userLike": True}),
        ("edge", 200, {"userLike": True}),
    ],
)
def test_like_requires_recaptcha(
    db: Database, make_client: ClientFactory, fake_server, token, status, body
) -> None:
    video = make_video(db)
    client = make_client(
        ip="198.51.100.20",
        recaptcha_secret="s3cret",
        recaptcha_verify_url=fake_server.url,
        recaptcha_timeout_seconds=0.3,
    )
    headers = {} if token is None else {"X-Recaptcha-Token": token}

    response = client.post(f"/api/videos/{video.id}/like", headers=headers)

    assert response.status_code == status
    assert response.json() == body
    assert any_user_exists(db) is (status == 200)  # refused requests change nothing
    if token == "good":
        assert fake_server.requests[-1]["remoteip"] == ["198.51.100.20"]


def test_unreachable_verifier_is_a_verification_error(
    db: Database, make_client: ClientFactory
) -> None:
    video = make_video(db)
    client = make_client(
        recaptcha_secret="s3cret",
        recaptcha_verify_url=f"http://127.0.0.1:{free_port()}/siteverify",
    )
    response = client.post(f"/api/videos/{video.id}/like", headers={"X-Recaptcha-Token": "t"})
    assert response.status_code == 500
    assert response.json() == {"error": "reCAPTCHA verification error"}


def test_min_score_is_configurable(db: Database, make_client: ClientFactory) -> None:
    video = make_video(db)
    client = make_client(verifier=FakeVerifier(), recaptcha_min_score=0.1)
    response = client.post(f"/api/videos/{video.id}/like", headers={"X-Recaptcha-Token": "low"})
    assert response.json() == {"userLike": True}


def test_reads_need_no_recaptcha(db: Database, make_client: ClientFactory) -> None:
    video = make_video(db)
    client = make_client(verifier=FakeVerifier())
    assert client.get(f"/api/videos/{video.id}/like").json() == {"userLike": None}
    assert client.get("/api/videos").status_code == 200
    assert client.get("/api/me").status_code == 200


def test_without_secret_no_token_is_needed(db: Database, make_client: ClientFactory) -> None:
    video = make_video(db)
    response = make_client(recaptcha_secret="").post(f"/api/videos/{video.id}/like")
    assert response.json() == {"userLike": True}


def test_malformed_id_is_404_before_calling_the_verifier(make_client: ClientFactory) -> None:
    fake = FakeVerifier()
    response = make_client(verifier=fake).post("/api/videos/nope/like")
    assert response.status_code == 404
    assert fake.calls == []
