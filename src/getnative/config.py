"""All runtime settings in one object, read from `GETNATIVE_*` environment variables.

Keeping settings in one place means every component (CLI, app factory, tests) agrees on what a
deployment looks like, and production safety checks live next to the values they guard.
"""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_JWT_SECRET = "dev-insecure-jwt-secret-change-me"
DEV_IP_HASH_KEY = "dev-insecure-ip-hash-key-change-me"
DEV_OAUTH_CLIENTS = "rockpack-ios:rockpack-dev-secret"
GOOGLE_RECAPTCHA_VERIFY_URL = "https://www.google.com/recaptcha/api/siteverify"


class InsecureConfigurationError(RuntimeError):
    """Raised at start-up when production mode would run with a development secret."""


class Settings(BaseSettings):
    """Deployment configuration; see README "Configuration" for every variable."""

    model_config = SettingsConfigDict(env_prefix="GETNATIVE_", env_file=None, extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/getnative.sqlite3"
    # Connections per server worker: the sync pool (ORM routes, worker threads; twice as many
    # again in overflow) and the asyncio pool of the hot reads (as many again in overflow).
    # Workers x (3 x sync + 1 x async) must stay below the server's max_connections.
    database_pool_size: int = Field(default=10, ge=1)
    database_async_pool_size: int = Field(default=8, ge=1)
    public_base_url: str = "http://127.0.0.1:8000"
    media_dir: Path = Path("./var/media")
    media_url_path: str = "/media"

    jwt_secret: str = DEV_JWT_SECRET
    jwt_ttl_seconds: int = 60 * 60 * 24 * 14
    ip_hash_key: str = DEV_IP_HASH_KEY

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["https://get-native.com", "https://stg.get-native.com"]
    )
    server_header: str = "api.get-native.com"
    # `text` for people, `json` (one object a line) for log shippers; see getnative.logs.
    log_format: Literal["text", "json"] = "text"

    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    recaptcha_secret: str = ""
    recaptcha_verify_url: str = GOOGLE_RECAPTCHA_VERIFY_URL
    recaptcha_min_score: float = 0.5
    recaptcha_timeout_seconds: float = 5.0
    # When set, a passing token must also carry this action / one of these hostnames.
    recaptcha_action: str = ""
    recaptcha_hostnames: Annotated[list[str], NoDecode] = Field(default_factory=list)

    redis_url: str = ""
    rate_limit_per_minute: int = 600
    likes_rate_limit_per_minute: int = 120
    login_attempts_per_15_minutes: int = 10
    # IPv6 clients are one client per network of this prefix length (likes-API user, rate-limit
    # and login-throttle buckets): one subscriber usually holds a whole /64.
    ipv6_client_prefix: int = Field(default=64, ge=1, le=128)

    # Anonymous GET /videos and /videos/:id pages are kept this long (0 turns it off); see
    # getnative.web.page_cache. At most 1 s: only like_count may lag, and by no more than that.
    page_cache_seconds: float = Field(default=1.0, ge=0, le=1)
    # Likes API toggles: this many statements in flight per process, the toggles arriving
    # meanwhile run together in one statement (getnative.likes.toggle_batches); 0: each alone.
    like_toggles_in_flight: int = Field(default=1, ge=0, le=64)

    max_body_bytes: int = 1024 * 1024
    max_image_bytes: int = 8 * 1024 * 1024
    # 16 MP: a 4032x3024 phone photo fits; an 8000x5000 image (~300 MB to re-encode) does not.
    max_image_pixels: int = 16_000_000
    max_image_side: int = 8000
    # Image decodes running at once in the process; more wait up to the given seconds, then 503.
    max_concurrent_decodes: int = 2
    decode_wait_seconds: float = 5.0

    # Operations (docs/operations.md). /metrics is off the public port unless a token is set;
    # `metrics_listen` (host:port) serves it on a separate listener of `getnative serve` instead.
    metrics_token: str = ""
    metrics_listen: str = ""
    media_backend: Literal["filesystem", "database"] = "filesystem"
    media_cache_seconds: int = 60 * 60 * 24 * 365  # keys are unique per upload: never stale
    shutdown_timeout_seconds: int = 20

    # Outgoing mail (docs/operations.md "Mail"): `smtp://user:pass@host:587[?starttls=required]`
    # or `smtps://...:465`. Without it, development writes mail to files in `mail_outbox_dir`.
    smtp_url: str = ""
    mail_from: str = ""
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_outbox_dir: Path = Path("./var/mail")

    oauth_clients: str = DEV_OAUTH_CLIENTS
    # Comma-separated ids of public clients (apps that cannot keep a secret, such as the iOS app):
    # they authenticate with an empty secret and get password and refresh grants only.
    oauth_public_clients: str = ""
    oauth_access_ttl_seconds: int = 3600
    oauth_refresh_ttl_seconds: int = 60 * 60 * 24 * 30

    @field_validator("cors_origins", "trusted_proxies", "recaptcha_hostnames", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        """Accept a comma-separated string from the environment as well as a JSON list."""
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value

    @field_validator("smtp_url")
    @classmethod
    def _valid_smtp_url(cls, value: str) -> str:
        if value:
            from getnative.mail import SmtpTarget

            try:
                SmtpTarget.parse(value)
            except ValueError as exc:  # the message never repeats the URL: it may hold a password
                raise ValueError(f"the SMTP URL {exc}") from None
        return value

    @model_validator(mode="after")
    def _database_media_needs_postgresql(self) -> Settings:
        """SQLite serves one machine (the filesystem backend fits it), and its single writer
        lock would make an upload wait on its own request's transaction."""
        if self.media_backend == "database" and self.is_sqlite:
            raise ValueError("GETNATIVE_MEDIA_BACKEND=database needs a PostgreSQL database")
        return self

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.env != "production":
            return self
        defaults = {
            "GETNATIVE_JWT_SECRET": self.jwt_secret == DEV_JWT_SECRET,
            "GETNATIVE_IP_HASH_KEY": self.ip_hash_key == DEV_IP_HASH_KEY,
            "GETNATIVE_OAUTH_CLIENTS": self.oauth_clients == DEV_OAUTH_CLIENTS,
        }
        weak = [name for name, is_default in defaults.items() if is_default]
        if len(self.jwt_secret) < 32 and "GETNATIVE_JWT_SECRET" not in weak:
            weak.append("GETNATIVE_JWT_SECRET (shorter than 32 characters)")
        if weak:
            raise InsecureConfigurationError(
                "refusing to start in production with default secrets: " + ", ".join(weak)
            )
        missing = [
            name
            for name, value in (
                ("GETNATIVE_SMTP_URL", self.smtp_url),
                ("GETNATIVE_MAIL_FROM", self.mail_from),
            )
            if not value.strip()
        ]
        if missing:
            raise InsecureConfigurationError(
                "refusing to start in production without a mail relay: " + ", ".join(missing)
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def oauth_client_secrets(self) -> dict[str, str]:
        """Parse `id:secret,id2:secret2` into a mapping of the configured Rockpack clients."""
        pairs = (item.split(":", 1) for item in self.oauth_clients.split(",") if ":" in item)
        return {client.strip(): secret.strip() for client, secret in pairs}

    def oauth_public_client_ids(self) -> frozenset[str]:
        return frozenset(i.strip() for i in self.oauth_public_clients.split(",") if i.strip())

    def public_url(self, path: str) -> str:
        """An absolute URL for `path` under the public base URL (Rockpack wants absolute URLs)."""
        return public_url_of(self.public_base_url, path)


def public_url_of(base_url: str, path: str) -> str:
    """`Settings.public_url` for the base URL given (for caches keyed by it)."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` and pass it explicitly."""
    return Settings()
