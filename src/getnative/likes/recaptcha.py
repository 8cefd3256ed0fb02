"""reCAPTCHA v3 verification for likes-API writes.

The rule (`require_human`) lives here, in the domain, so that any dialect could guard an action
with it; the HTTP details of talking to Google sit behind the small `RecaptchaVerifier` protocol
so tests and deployments can swap the verifier (or point `GETNATIVE_RECAPTCHA_VERIFY_URL` at a
local fake).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from getnative import metrics
from getnative.errors import InvalidInput, PermissionDenied, UpstreamUnavailable

logger = logging.getLogger("getnative.recaptcha")


@dataclass(frozen=True)
class RecaptchaResult:
    """What the verifier said about a token (Google's `success`, `score`, `error-codes`)."""

    success: bool
    score: float | None = None
    action: str | None = None
    error_codes: tuple[str, ...] = field(default=())


class RecaptchaMissing(InvalidInput):
    code = "recaptcha_missing"


class RecaptchaFailed(PermissionDenied):
    code = "recaptcha_failed"


class RecaptchaUnavailable(UpstreamUnavailable):
    code = "recaptcha_unavailable"


class RecaptchaVerifier(Protocol):
    def verify(self, token: str, remote_ip: str | None) -> RecaptchaResult:
        """Ask the verifier about `token`; raise `RecaptchaUnavailable` when it cannot answer."""
        ...


def _parse_answer(payload: Any) -> RecaptchaResult:
    """Google's JSON answer; anything else is a broken verifier, not a failed human check."""
    if not isinstance(payload, dict) or not isinstance(payload.get("success"), bool):
        raise RecaptchaUnavailable("reCAPTCHA answer has no boolean 'success'.")
    score = payload.get("score")
    if score is not None:
        is_number = isinstance(score, int | float) and not isinstance(score, bool)
        if not is_number or not math.isfinite(score):
            raise RecaptchaUnavailable("reCAPTCHA answer has a malformed 'score'.")
        score = float(score)
    codes = payload.get("error-codes") or ()
    action = payload.get("action")
    return RecaptchaResult(
        success=payload["success"],
        score=score,
        action=action if isinstance(action, str) else None,
        error_codes=tuple(str(c) for c in codes) if isinstance(codes, list) else (),
    )


class HttpRecaptchaVerifier:
    """Google's siteverify protocol: POST form `secret`, `response`, `remoteip`; JSON answer."""

    def __init__(self, *, url: str, secret: str, timeout_seconds: float) -> None:
        self.url = url
        self.secret = secret
        self.timeout_seconds = timeout_seconds

    def verify(self, token: str, remote_ip: str | None) -> RecaptchaResult:
        form = {"secret": self.secret, "response": token}
        if remote_ip:
            form["remoteip"] = remote_ip
        try:
            with httpx.Client(timeout=self.timeout_seconds) as client:
                response = client.post(self.url, data=form)
        except httpx.HTTPError as exc:
            logger.warning("reCAPTCHA verifier unreachable: %s", type(exc).__name__)
            raise RecaptchaUnavailable("reCAPTCHA verifier unreachable.") from exc
        if response.status_code != 200:
            logger.warning("reCAPTCHA verifier answered HTTP %d", response.status_code)
            raise RecaptchaUnavailable(f"reCAPTCHA verifier answered {response.status_code}.")
        try:
            payload = response.json()
        except ValueError as exc:
            raise RecaptchaUnavailable("reCAPTCHA answer is not JSON.") from exc
        return _parse_answer(payload)


def require_human(
    verifier: RecaptchaVerifier | None,
    token: str | None,
    *,
    remote_ip: str | None,
    min_score: float,
) -> None:
    """Pass, or raise: no token -> `RecaptchaMissing`; unsuccessful or score below
    `min_score` -> `RecaptchaFailed`; verifier broken -> `RecaptchaUnavailable`.

    `verifier=None` means no secret is configured (local development): the check is skipped.
    A successful answer without a score (a v2 key) counts as passing the score check.
    """
    if verifier is None:
        return
    outcome = "unavailable"
    try:
        if token is None or not token.strip():
            outcome = "missing"
            raise RecaptchaMissing("Invalid request")
        result = verifier.verify(token.strip(), remote_ip)
        if not result.success or (result.score is not None and result.score < min_score):
            outcome = "failed"
            raise RecaptchaFailed("reCAPTCHA verification failed")
        outcome = "passed"
    finally:
        metrics.count_recaptcha(outcome)


def verifier_from_settings(
    *, secret: str, url: str, timeout_seconds: float
) -> HttpRecaptchaVerifier | None:
    """The real verifier, or None when no secret is configured (the check is skipped)."""
    if not secret:
        return None
    return HttpRecaptchaVerifier(url=url, secret=secret, timeout_seconds=timeout_seconds)
