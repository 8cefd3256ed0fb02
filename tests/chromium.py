"""The one headless browser of the tests: Debian's Chromium driven by Playwright.

Nothing is downloaded.

Import the fixture into a test package's conftest (`from tests.chromium import browser`).
Playwright is pointed at the system browser (`/usr/bin/chromium`, or `GETNATIVE_TEST_CHROMIUM`),
so `playwright install` is never needed. Without a browser the tests skip, except under
`CI=true`, where `.ci/run` installs Debian's `chromium` and a missing one is a failure.
Pages opened with `offline_page` reach only their own server: a page that needs a CDN or any
other host shows it. Screenshots go to `test-artifacts/` at the repository root (or
`GETNATIVE_TEST_ARTIFACTS`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


def offline_page(browser: Any, url: str, **context_options: Any) -> Any:
    """A new page (in its own context) that reaches only the origin of `url`: others are refused."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    context = browser.new_context(**context_options)

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(origin):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_this_server)
    return context.new_page()


def rendered_dom(browser: Any, url: str, *, ready: str, timeout_ms: int = 15_000) -> str:
    """The DOM of `url`, offline but for its own server, once an element matches `ready`.

    When nothing matches within `timeout_ms` the DOM is returned as it is, for the test to show.
    """
    page = offline_page(browser, url)
    try:
        page.goto(url)
        # A timeout is not an error here: the caller's assertion shows what did render.
        with contextlib.suppress(Exception):
            page.wait_for_selector(ready, timeout=timeout_ms)
        return str(page.content())
    finally:
        page.context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
