"""The learner's page in a real browser: a live server on the demo catalog, and a fresh page.

The server runs in a thread of the test process (uvicorn on a free port) over a SQLite file with
the shipped demo catalog: these tests check the page, the storage rules are tested elsewhere on
both databases. Requests to other hosts (the demo catalog's remote media) are refused, so the
tests never touch the network and the page has to look whole with failed images.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from getnative.cli import load_demo_if_empty
from getnative.db import Database
from getnative.migrate import upgrade
from tests.chromium import browser, offline_page  # noqa: F401  (browser: a fixture)
from tests.clients import custom_container
from tests.servers import running_server


@dataclass
class LiveServer:
    url: str
    db: Database
    container: Any


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("webapp")
    db = Database(f"sqlite:///{tmp / 'demo.sqlite3'}")
    upgrade(db.engine)
    load_demo_if_empty(db)
    container = custom_container(tmp, db)
    with running_server(container) as url:
        yield LiveServer(url, db, container)
    db.dispose()


@dataclass
class PageErrors:
    errors: list[str] = field(default_factory=list)


# One wait for everything the page does: Playwright's `expect` gives up after 5 s by default,
# less than the page's own 10 s. Registering runs argon2id on the server, which on a loaded CI
# machine (load average 20 on two cores) took longer than 5 s and failed a correct page.
STEP_TIMEOUT_MS = 10_000
expect.set_options(timeout=STEP_TIMEOUT_MS)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def open_page(
    chromium: Any, live_server: LiveServer, errors: PageErrors, viewport: dict[str, int]
) -> Any:
    page = offline_page(chromium, live_server.url, viewport=viewport, locale="en-US")
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.on("pageerror", lambda exc: errors.errors.append(str(exc)))
    return page


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    errors = PageErrors()
    yield errors
    assert errors.errors == [], f"JavaScript errors on the page: {errors.errors}"


@pytest.fixture
def page(browser: Any, live_server: LiveServer, page_errors: PageErrors) -> Iterator[Any]:  # noqa: F811
    page = open_page(browser, live_server, page_errors, DESKTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser: Any, live_server: LiveServer, page_errors: PageErrors) -> Iterator[Any]:  # noqa: F811
    page = open_page(browser, live_server, page_errors, PHONE)
    yield page
    page.context.close()
