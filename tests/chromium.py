"""Shared browser fixtures: Debian's Chromium driven headless by Playwright, nothing downloaded.

Import the fixtures into a test package's conftest (`from tests.chromium import browser`).
Playwright is pointed at the system browser (`/usr/bin/chromium`, or `GETNATIVE_TEST_CHROMIUM`),
so `playwright install` is never needed. Without a browser the tests skip, except under
`CI=true`, where `.ci/run` installs Debian's `chromium` and a missing one is a failure.
Screenshots go to `test-artifacts/` at the repository root (or `GETNATIVE_TEST_ARTIFACTS`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
ARTIFACTS = Path(
    os.environ.get("GETNATIVE_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts")
)


def chromium_path() -> str | None:
    configured = os.environ.get("GETNATIVE_TEST_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"a browser is required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium per test process."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        _unavailable(f"playwright is not installed: {exc}")
    executable = chromium_path()
    if executable is None:
        _unavailable("no Chromium on this machine (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield launched
        launched.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
