"""Settings from the environment: production refuses default secrets and a missing mail relay."""

from __future__ import annotations

from typing import Any

import pytest

from getnative.config import (
    DEV_IP_HASH_KEY,
    DEV_JWT_SECRET,
    DEV_OAUTH_CLIENTS,
    InsecureConfigurationError,
    Settings,
)
from tests.servers import PRODUCTION_MAIL, STRONG_SECRETS

pytestmark = pytest.mark.usefixtures("no_getnative_env")

STRONG: dict[str, Any] = {
    "jwt_secret": STRONG_SECRETS["GETNATIVE_JWT_SECRET"],
    "ip_hash_key": STRONG_SECRETS["GETNATIVE_IP_HASH_KEY"],
    "oauth_clients": STRONG_SECRETS["GETNATIVE_OAUTH_CLIENTS"],
    "smtp_url": PRODUCTION_MAIL["GETNATIVE_SMTP_URL"],
    "mail_from": PRODUCTION_MAIL["GETNATIVE_MAIL_FROM"],
}


def test_production_refuses_every_default_secret() -> None:
    with pytest.raises(InsecureConfigurationError) as caught:
        Settings(env="production")
    message = str(caught.value)
    for name in ("GETNATIVE_JWT_SECRET", "GETNATIVE_IP_HASH_KEY", "GETNATIVE_OAUTH_CLIENTS"):
        assert name in message


@pytest.mark.parametrize(
    ("field", "default"),
    [
        ("jwt_secret", DEV_JWT_SECRET),
        ("ip_hash_key", DEV_IP_HASH_KEY),
        ("oauth_clients", DEV_OAUTH_CLIENTS),
    ],
)
def test_production_refuses_any_single_default_secret(field: str, default: str) -> None:
    with pytest.raises(InsecureConfigurationError, match=f"GETNATIVE_{field.upper()}"):
        Settings(env="production", **{**STRONG, field: default})


def test_production_refuses_a_short_jwt_secret() -> None:
    with pytest.raises(InsecureConfigurationError, match="shorter than 32"):
        Settings(env="production", **{**STRONG, "jwt_secret": "short-but-not-default"})


def test_production_with_own_secrets_starts() -> None:
    assert Settings(env="production", **STRONG).env == "production"


def test_development_accepts_default_secrets() -> None:
    assert Settings().jwt_secret == DEV_JWT_SECRET


def test_production_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GETNATIVE_ENV", "production")
    with pytest.raises(InsecureConfigurationError):
        Settings()
    for name, value in {**STRONG_SECRETS, **PRODUCTION_MAIL}.items():
        monkeypatch.setenv(name, value)
    assert Settings().jwt_secret == STRONG["jwt_secret"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://a.example", ["https://a.example"]),
        ("https://a.example, https://b.example ,", ["https://a.example", "https://b.example"]),
        ('["https://a.example", "https://b.example"]', ["https://a.example", "https://b.example"]),
        ("", []),
    ],
)
def test_cors_origins_parse_csv_and_json(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str]
) -> None:
    monkeypatch.setenv("GETNATIVE_CORS_ORIGINS", raw)
    assert Settings().cors_origins == expected


def test_trusted_proxies_parse_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GETNATIVE_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")
    assert Settings().trusted_proxies == ["10.0.0.0/8", "127.0.0.1", "::1"]


def test_trusted_proxies_must_be_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GETNATIVE_TRUSTED_PROXIES", "10.0.0.0/8,not-a-network")
    with pytest.raises(ValueError, match="not-a-network"):
        Settings()


def test_default_cors_origins_are_the_documented_ones() -> None:
    assert Settings().cors_origins == ["https://get-native.com", "https://stg.get-native.com"]


@pytest.mark.parametrize("missing", ["smtp_url", "mail_from"])
def test_production_refuses_to_start_without_a_mail_relay(missing: str) -> None:
    with pytest.raises(InsecureConfigurationError) as caught:
        Settings(env="production", **{**STRONG, missing: ""})
    assert str(caught.value) == (
        f"refusing to start in production without a mail relay: GETNATIVE_{missing.upper()}"
    )
