"""Domain errors: what went wrong, in the domain's words, with no HTTP in sight.

Every error a service raises on purpose is defined here, the eight kinds first and then the
particular errors of each domain, so a reader finds them all in one module (and a dialect's
mapping imports from one place). Each API dialect maps them once to its own status codes and
bodies (`api/<dialect>/errors.py`); the `code` slug is stable and is what the dialects key their
mapping on (Get Native turns it into a numeric code, `api/getnative/errors.py:ERROR_CODES`).
A particular error subclasses its kind, so a dialect that does not name it still answers the
kind's response.
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


# --- the particular errors, by domain ----------------------------------------------------------
# accounts


class TokenExpired(AuthenticationFailed):
    code = "token_expired"


class InvalidGrant(AuthenticationFailed):
    """The credentials or refresh token of a grant are wrong, expired or revoked."""

    code = "invalid_grant"


class RefreshTokenReused(InvalidGrant):
    """A revoked refresh token came back: the caller must revoke the user's other tokens."""

    code = "refresh_token_reused"

    def __init__(self, user_id: int) -> None:
        super().__init__("The refresh token has already been used.")
        self.user_id = user_id


class LoginThrottled(RateLimited):
    code = "login_throttled"


class UsernameTaken(Conflict):
    """The username is in use (case-insensitively); carries a free variant to suggest."""

    code = "username_taken"
    MESSAGE = "Username is already taken"

    def __init__(self, suggestion: str) -> None:
        super().__init__(self.MESSAGE, field="username")
        self.suggestion = suggestion


class FormInvalid(InvalidInput):
    """Several fields are wrong at once: `errors` maps each field to its messages."""

    code = "form_invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Some fields are invalid.")
        self.errors = errors
        self.suggested_username: str | None = None


# channels


class ChannelFormInvalid(InvalidInput):
    """Every problem of a channel form at once, by field (Rockpack's `form_errors`)."""

    code = "channel_form_invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Invalid channel data.")
        self.errors = errors


class InvalidVideoRefs(InvalidInput):
    """Some items of a channel video list name nothing usable; `positions` index the list."""

    code = "invalid_video_instance_ids"

    def __init__(self, positions: list[int]) -> None:
        super().__init__("Invalid video instance ids")
        self.positions = positions


class CoverArtTooLarge(InvalidInput):
    """The upload is bigger than the configured byte limit (a 413, unlike bad pixels)."""

    code = "cover_art_too_large"


# likes


class RecaptchaMissing(InvalidInput):
    code = "recaptcha_missing"


class RecaptchaFailed(PermissionDenied):
    code = "recaptcha_failed"


class RecaptchaUnavailable(UpstreamUnavailable):
    code = "recaptcha_unavailable"


# media and the request itself


class ImageTooLarge(InvalidInput):
    code = "image_too_large"


class BodyTooLarge(InvalidInput):
    """The request body is over the limit (refused at the edge before any route runs)."""

    code = "body_too_large"
