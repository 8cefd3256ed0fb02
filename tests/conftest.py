"""Test fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from `GETNATIVE_TEST_POSTGRES_URL` (default: the local server with trust auth).
Each test session creates its own database and drops it at the end, so parallel runs never
collide. Under `CI=true` an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Base, Database
from getnative.likes.recaptcha import RecaptchaVerifier
from getnative.migrate import upgrade
from getnative.web.app import create_app
from getnative.web.container import Container
from getnative.web.ratelimit import MemoryRateLimiter

POSTGRES_ADMIN_URL = os.environ.get(
    "GETNATIVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


def _postgres_reachable() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not reachable" for the skip decision
        return str(exc).splitlines()[0]


def _create_postgres_database() -> tuple[str, sa.Engine]:
    name = f"getnative_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
        hide_password=False
    ), admin


def _drop_postgres_database(admin: sa.Engine, url: str) -> None:
    name = sa.engine.make_url(url).database
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


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
    problem = _postgres_reachable()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    url, admin = _create_postgres_database()
    db = Database(url)
    upgrade(db.engine)
    yield db
    db.dispose()
    _drop_postgres_database(admin, url)


def _clean(db: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.is_sqlite:
            for table in tables:
                connection.exec_driver_sql(f'DELETE FROM "{table}"')
            connection.exec_driver_sql("INSERT INTO video_search(video_search) VALUES ('rebuild')")
        else:
            # DELETE, not TRUNCATE: on tables this small it is ~50x faster (TRUNCATE swaps files).
            for table in tables:
                connection.exec_driver_sql(f'DELETE FROM "{table}"')


# Mid-window for the 60-second and the 15-minute rate-limit windows (450 s into a 15-minute window,
# 30 s into a minute): a test counting hits can never straddle a window boundary of the real clock.
FROZEN_NOW = 1_699_999_650.0


class FrozenClock:
    """A clock for `MemoryRateLimiter` that only moves when a test moves it."""

    def __init__(self, now: float = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_settings(tmp_path: Path, db: Database, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "database_url": db.url,
        "media_dir": tmp_path / "media",
        "public_base_url": "http://testserver",
        "rate_limit_per_minute": 100_000,
        "likes_rate_limit_per_minute": 100_000,
        "login_attempts_per_15_minutes": 100_000,
        "recaptcha_secret": "",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def db(database: Database) -> Database:
    """The backend's database, emptied before the test."""
    _clean(database)
    return database


@pytest.fixture
def settings(tmp_path: Path, db: Database) -> Settings:
    return make_settings(tmp_path, db)


def build_container(settings: Settings, db: Database) -> Container:
    from getnative.media.storage import LocalMediaStorage
    from getnative.web.client_ip import parse_networks

    return Container(
        settings=settings,
        db=db,
        media=LocalMediaStorage(settings.media_dir, settings.public_url(settings.media_url_path)),
        rate_limiter=MemoryRateLimiter(clock=FrozenClock()),
        trusted_proxies=parse_networks(settings.trusted_proxies),
    )


@pytest.fixture
def container(settings: Settings, db: Database) -> Container:
    return build_container(settings, db)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(container.settings, container=container)
    # No `with`: the lifespan would dispose the session-wide engine after every test.
    yield TestClient(app, raise_server_exceptions=False)


ClientFactory = Callable[..., TestClient]
DEFAULT_PEER = "203.0.113.7"


@pytest.fixture
def make_client(tmp_path: Path, db: Database) -> ClientFactory:
    """`make_client(ip=..., verifier=..., **settings)`: the whole app seen from socket peer `ip`."""

    def build(
        *, ip: str = DEFAULT_PEER, verifier: RecaptchaVerifier | None = None, **overrides: Any
    ) -> TestClient:
        settings = make_settings(tmp_path, db, **overrides)
        container = build_container(settings, db)
        if verifier is not None:
            container.recaptcha_verifier = verifier
        app = create_app(settings, container=container)
        return TestClient(app, raise_server_exceptions=False, client=(ip, 50000))

    return build
