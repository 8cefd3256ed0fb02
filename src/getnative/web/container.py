"""The application's long-lived parts, built once from settings and shared by every dialect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from getnative.accounts.service import LoginThrottle
from getnative.catalog.related_cache import RelatedVideosCache
from getnative.config import Settings
from getnative.db import Database
from getnative.likes.recaptcha import RecaptchaVerifier, verifier_from_settings
from getnative.likes.toggle_batches import LikeToggles
from getnative.mail import LogMailer, Mailer, make_mailer
from getnative.media.images import ImageLimits
from getnative.media.storage import MediaStorage, make_media_storage
from getnative.ratelimit import RateLimiter, make_rate_limiter
from getnative.web.client_ip import (
    IPNetwork,
    TrustedNetworks,
    client_key_from_scope,
    parse_networks,
)


@dataclass
class Container:
    settings: Settings
    db: Database
    media: MediaStorage
    rate_limiter: RateLimiter
    trusted_proxies: Sequence[IPNetwork] = field(default_factory=TrustedNetworks)
    mailer: Mailer = field(default_factory=LogMailer)
    # None means "no reCAPTCHA check" (no secret configured: local development).
    recaptcha_verifier: RecaptchaVerifier | None = None
    # Anonymous detail pages' related videos (None: made from the settings, as short-lived as
    # the page cache's pages).
    related_videos: RelatedVideosCache | None = None
    # The likes API's toggles, batched under load (made from the settings).
    like_toggles: LikeToggles = field(init=False)

    def __post_init__(self) -> None:
        self.like_toggles = LikeToggles(self.db, self.settings.like_toggles_in_flight)
        if self.related_videos is None:
            self.related_videos = RelatedVideosCache(self.settings.page_cache_seconds)
        if self.recaptcha_verifier is None:
            s = self.settings
            self.recaptcha_verifier = verifier_from_settings(
                secret=s.recaptcha_secret,
                url=s.recaptcha_verify_url,
                timeout_seconds=s.recaptcha_timeout_seconds,
            )

    @property
    def image_limits(self) -> ImageLimits:
        s = self.settings
        return ImageLimits(
            s.max_image_bytes,
            s.max_image_pixels,
            s.max_image_side,
            max_concurrent=s.max_concurrent_decodes,
            wait_seconds=s.decode_wait_seconds,
        )

    def close(self) -> None:
        """Release pools at shutdown: database connections and the Redis client."""
        self.db.dispose()
        close = getattr(self.rate_limiter, "close", None)
        if close is not None:
            close()

    def login_throttle(self, purpose: str = "login") -> LoginThrottle:
        """The failed-password budget `purpose` (`login`, `password-change`), shared by every
        dialect so alternating APIs does not double an attacker's guesses."""
        limit = self.settings.login_attempts_per_15_minutes
        return LoginThrottle(self.rate_limiter, limit, purpose=purpose)

    def client_key(self, scope: Any) -> str:
        """The client's identity for budgets and likes-API users (`web.client_ip.client_key`)."""
        return client_key_from_scope(scope, self.trusted_proxies, self.settings.ipv6_client_prefix)

    @classmethod
    def from_settings(cls, settings: Settings) -> Container:
        db = Database(
            settings.database_url,
            pool_size=settings.database_pool_size,
            async_pool_size=settings.database_async_pool_size,
        )
        return cls(
            settings=settings,
            db=db,
            media=make_media_storage(
                settings.media_backend,
                db=db,
                root=settings.media_dir,
                url_prefix=settings.public_url(settings.media_url_path),
            ),
            rate_limiter=make_rate_limiter(settings.redis_url),
            trusted_proxies=TrustedNetworks(parse_networks(settings.trusted_proxies)),
            mailer=make_mailer(settings),
        )
