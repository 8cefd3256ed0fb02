"""reCAPTCHA v3 verification for likes-API writes.

The rule (`require_human_async`) lives here, in the domain, so that any dialect could guard an
action with it; the HTTP details of talking to Google sit behind the small `RecaptchaVerifier`
protocol so tests and deployments can swap the verifier (or point `GETNATIVE_RECAPTCHA_VERIFY_URL`
at a local fake).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio.to_thread
import httpx

from getnative import metrics
from getnative.errors import (
    RecaptchaFailed,
    RecaptchaMissing,
    RecaptchaUnavailable,
)

logger = logging.getLogger("getnative.recaptcha")


@dataclass(frozen=True)
class RecaptchaResult:
    """What the verifier said about a token (Google's `success`, `score`, `error-codes`)."""

    success: bool
    score: float | None = None
    action: str | None = None
    error_codes: tuple[str, ...] = field(default=())
    hostname: str | None = None


class RecaptchaVerifier(Protocol):
    """May also offer `async def verify_async(token, remote_ip)`, which `require_human_async`
    prefers: waiting on Google then holds no worker thread."""

    def verify(self, token: str, remote_ip: str | None) -> RecaptchaResult:
        """Ask the verifier about `token`; raise `RecaptchaUnavailable` when it cannot answer."""
        ...


@dataclass(frozen=True)
class RecaptchaExpectations:
    """What a passing answer must also say; empty values are not checked."""

    min_score: float
    action: str = ""
    hostnames: tuple[str, ...] = ()


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
    action, hostname = payload.get("action"), payload.get("hostname")
    return RecaptchaResult(
        success=payload["success"],
        score=score,
        action=action if isinstance(action, str) else None,
        error_codes=tuple(str(c) for c in codes) if isinstance(codes, list) else (),
        hostname=hostname if isinstance(hostname, str) else None,
    )


def _result_of(response: httpx.Response) -> RecaptchaResult:
    if response.status_code != 200:
        logger.warning("reCAPTCHA verifier answered HTTP %d", response.status_code)
        raise RecaptchaUnavailable(f"reCAPTCHA verifier answered {response.status_code}.")
    try:
        payload = response.json()
    except ValueError as exc:
        raise RecaptchaUnavailable("reCAPTCHA answer is not JSON.") from exc
    return _parse_answer(payload)


def _unreachable(exc: httpx.HTTPError) -> RecaptchaUnavailable:
    logger.warning("reCAPTCHA verifier unreachable: %s", type(exc).__name__)
    return RecaptchaUnavailable("reCAPTCHA verifier unreachable.")


class HttpRecaptchaVerifier:
    """Google's siteverify protocol: POST form `secret`, `response`, `remoteip`; JSON answer."""

    def __init__(self, *, url: str, secret: str, timeout_seconds: float) -> None:
        self.url = url
        self.secret = secret
        self.timeout_seconds = timeout_seconds

    def _form(self, token: str, remote_ip: str | None) -> dict[str, str]:
        form = {"secret": self.secret, "response": token}
        if remote_ip:
            form["remoteip"] = remote_ip
        return form

    def verify(self, token: str, remote_ip: str | None) -> RecaptchaResult:
        try:
            with httpx.Client(timeout=self.timeout_seconds) as client:
                response = client.post(self.url, data=self._form(token, remote_ip))
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from exc
        return _result_of(response)

    async def verify_async(self, token: str, remote_ip: str | None) -> RecaptchaResult:
        """`verify` on the event loop: a slow Google holds no thread of the shared pool."""
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                response = await client.post(self.url, data=self._form(token, remote_ip))
        except httpx.HTTPError as exc:
            raise _unreachable(exc) from exc
        return _result_of(response)


@contextmanager
def counted_outcome() -> Iterator[None]:
    """Count each verification's outcome for the metrics: passed, missing, failed, unavailable."""
    outcome = "unavailable"
    try:
        yield
        outcome = "passed"
    except RecaptchaMissing:
        outcome = "missing"
        raise
    except RecaptchaFailed:
        outcome = "failed"
        raise
    finally:
        metrics.count_recaptcha(outcome)


def judge(result: RecaptchaResult, expected: RecaptchaExpectations) -> None:
    """`RecaptchaFailed` unless the answer is a success with a high enough score and, when
    configured, the expected action and one of the expected hostnames (a token minted for
    another action or on another site is no proof for this one)."""
    if not result.success:
        raise RecaptchaFailed("reCAPTCHA verification failed")
    if result.score is not None and result.score < expected.min_score:
        raise RecaptchaFailed("reCAPTCHA verification failed")
    if expected.action and result.action != expected.action:
        raise RecaptchaFailed("reCAPTCHA verification failed")
    if expected.hostnames and result.hostname not in expected.hostnames:
        raise RecaptchaFailed("reCAPTCHA verification failed")


async def require_human_async(
    verifier: RecaptchaVerifier | None,
    token: str | None,
    *,
    remote_ip: str | None,
    expected: RecaptchaExpectations,
) -> None:
    """Pass, or raise: no token -> `RecaptchaMissing`; unsuccessful, score below the minimum, or
    (when expected) another action or hostname -> `RecaptchaFailed`; verifier broken ->
    `RecaptchaUnavailable`. `verifier=None` means no secret is configured (local development):
    the check is skipped. A successful answer without a score (a v2 key) passes the score check.

    Uses the verifier's `verify_async` when it has one; a sync-only verifier runs in a worker
    thread so the event loop never waits on it.
    """
    if verifier is None:
        return
    with counted_outcome():
        if token is None or not token.strip():
            raise RecaptchaMissing("Invalid request")
        verify_async = getattr(verifier, "verify_async", None)
        if verify_async is not None:
            result = await verify_async(token.strip(), remote_ip)
        else:
            result = await anyio.to_thread.run_sync(verifier.verify, token.strip(), remote_ip)
        judge(result, expected)


def verifier_from_settings(
    *, secret: str, url: str, timeout_seconds: float
) -> HttpRecaptchaVerifier | None:
    """The real verifier, or None when no secret is configured (the check is skipped)."""
    if not secret:
        return None
    return HttpRecaptchaVerifier(url=url, secret=secret, timeout_seconds=timeout_seconds)
