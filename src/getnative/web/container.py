"""The application's long-lived parts, built once from settings and shared by every dialect."""

from __future__ import annotations

from dataclasses import dataclass, field

from getnative.config import Settings
from getnative.db import Database
from getnative.likes.recaptcha import RecaptchaVerifier, verifier_from_settings
from getnative.mail import LogMailer, Mailer
from getnative.media.images import ImageLimits
from getnative.media.storage import MediaStorage, make_media_storage
from getnative.web.client_ip import IPNetwork, parse_networks
from getnative.web.ratelimit import RateLimiter, make_rate_limiter


@dataclass
class Container:
    settings: Settings
    db: Database
    media: MediaStorage
    rate_limiter: RateLimiter
    trusted_proxies: list[IPNetwork] = field(default_factory=list)
    mailer: Mailer = field(default_factory=LogMailer)
    # None means "no reCAPTCHA check" (no secret configured: local development).
    recaptcha_verifier: RecaptchaVerifier | None = None

    def __post_init__(self) -> None:
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
        return ImageLimits(s.max_image_bytes, s.max_image_pixels, s.max_image_side)

    def close(self) -> None:
        """Release pools at shutdown: database connections and the Redis client."""
        self.db.dispose()
        close = getattr(self.rate_limiter, "close", None)
        if close is not None:
            close()

    @classmethod
    def from_settings(cls, settings: Settings) -> Container:
        db = Database(settings.database_url)
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
            trusted_proxies=parse_networks(settings.trusted_proxies),
        )
