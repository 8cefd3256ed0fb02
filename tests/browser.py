"""A real headless browser for tests: Debian's `chromium`, driven from the command line.

`render(url)` returns the DOM after the page's scripts ran. Tests that need it call
`require_chromium()`: a missing browser skips the test, except under CI=true, where `.ci/run`
installs it and its absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

# Only the test server is reachable: a page that needs a CDN or any other host renders empty.
OFFLINE_RULES = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI=true (.ci/run installs it as root)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def render(url: str, *, budget_ms: int = 15_000, timeout: float = 120) -> str:
    """The page's DOM once scripts ran for `budget_ms` of virtual time, offline but for loopback."""
    browser = require_chromium()
    with tempfile.TemporaryDirectory(prefix="getnative-chromium-") as profile:
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",  # tests run as root in CI
                "--disable-gpu",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                f"--host-resolver-rules={OFFLINE_RULES}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    return done.stdout
