"""Test fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from `GETNATIVE_TEST_POSTGRES_URL` (default: the local server with trust auth).
Each test session creates its own database and drops it at the end, so parallel runs never
collide. Under `CI=true` an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Base, Database
from getnative.migrate import upgrade
from getnative.web.container import Container
from tests.clients import build_container, client_on, custom_client, make_settings
from tests.servers import create_postgres_database, drop_postgres_database, require_postgres

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated database of each backend, shared by the tests of a session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
        db = Database(url)
        upgrade(db.engine)
        yield db
        db.dispose()
        return
    require_postgres()
    url, admin = create_postgres_database()
    db = Database(url)
    upgrade(db.engine)
    yield db
    db.dispose()
    drop_postgres_database(admin, url)


def _clean(db: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        # DELETE, not TRUNCATE: on tables this small it is ~50x faster (TRUNCATE swaps files).
        for table in tables:
            connection.exec_driver_sql(f'DELETE FROM "{table}"')
        if db.is_sqlite:
            connection.exec_driver_sql("INSERT INTO video_search(video_search) VALUES ('rebuild')")
            # AUTOINCREMENT keeps each table's highest id ever used: a test that stores an id of
            # its own choosing (a video at 2**33 + 7) would otherwise make every later test's
            # ids that large (a test that turned ids into hours overflowed the date range).
            connection.exec_driver_sql("DELETE FROM sqlite_sequence")


@pytest.fixture
def db(database: Database) -> Database:
    """The backend's database, emptied before the test."""
    _clean(database)
    return database


@pytest.fixture
def settings(tmp_path: Path, db: Database) -> Settings:
    return make_settings(tmp_path, db)


@pytest.fixture
def container(settings: Settings, db: Database) -> Container:
    return build_container(settings, db)


@pytest.fixture
def client(container: Container) -> TestClient:
    return client_on(container)


ClientFactory = Callable[..., TestClient]
DEFAULT_PEER = "203.0.113.7"


@pytest.fixture
def make_client(tmp_path: Path, db: Database) -> ClientFactory:
    """`make_client(ip=..., verifier=..., **settings)`: the whole app seen from socket peer `ip`."""

    def build(*, ip: str = DEFAULT_PEER, **overrides: Any) -> TestClient:
        return custom_client(tmp_path, db, peer=ip, **overrides)

    return build


@pytest.fixture
def no_getnative_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process environment without any GETNATIVE_* setting, for tests of settings."""
    for name in list(os.environ):
        if name.startswith("GETNATIVE_"):
            monkeypatch.delenv(name)
