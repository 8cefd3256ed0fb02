"""Domain errors: what went wrong, in the domain's words, with no HTTP in sight.

Each API dialect maps these once to its own status codes and bodies; the `code` slug is stable
and is what the dialects key their mapping on (Get Native turns it into a numeric code).
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class InvalidInput(DomainError):
    """The request's content breaks a rule (format, length, unknown reference)."""

    code = "invalid_input"


class NotFound(DomainError):
    """The addressed record does not exist, or is not visible to the caller."""

    code = "not_found"


class Conflict(DomainError):
    """The change collides with existing state (an email already in use, a duplicate title)."""

    code = "conflict"


class AuthenticationFailed(DomainError):
    """Missing, wrong, expired or revoked credentials."""

    code = "authentication_failed"


class PermissionDenied(DomainError):
    """Authenticated, but not allowed to touch this resource."""

    code = "permission_denied"


class RateLimited(DomainError):
    """Too many requests; `retry_after` seconds until the window frees up."""

    code = "rate_limited"

    def __init__(self, message: str = "Too many requests", *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamUnavailable(DomainError):
    """An outside service (reCAPTCHA, media store) could not be used."""

    code = "upstream_unavailable"


class ServerBusy(UpstreamUnavailable):
    """The server is at its bound for this kind of work (image decodes at once); retry shortly.

    A subclass of `UpstreamUnavailable` so every dialect answers its 503 form without a new
    mapping; Get Native gives it its own code."""

    code = "server_busy"
