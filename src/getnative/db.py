"""Engine, session and the per-request transaction, for SQLite and PostgreSQL alike.

SQLite is the embedded default; PostgreSQL is the production store that several stateless server
processes share. Everything dialect-specific about connections lives here so that services only
see a SQLAlchemy `Session`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    MetaData,
    create_engine,
    event,
    func,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from getnative.text import parameters_hold_unstorable_text, text_invalid

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Every id is a 64-bit integer (the Get Native document says Int64). SQLite's INTEGER already is,
# and must stay plain INTEGER for a primary key to alias the rowid.
BigId = BigInteger().with_variant(Integer, "sqlite")
MAX_ID = 2**63 - 1
"""The largest id any table can hold; a larger id in a request is unknown, never a 500."""


class Base(DeclarativeBase):
    """Declarative base shared by every domain's models (one metadata, one migration history)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {int: BigId}  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def conflict_tolerant_insert(session: Session, model: type[Base]) -> Any:
    """`INSERT` of the session's dialect, which has `on_conflict_do_nothing`.

    The race-safe "create unless it exists" of likes, cues, subscriptions and IP users is one
    statement whose RETURNING says whether this request created the row; SQLite and PostgreSQL
    both support it, through their own `insert` constructs.
    """
    is_postgres = session.get_bind().dialect.name == "postgresql"
    return (pg_insert if is_postgres else sqlite_insert)(model)


def floored_at_zero(session: Session, value: ColumnElement[int]) -> ColumnElement[int]:
    """`max(value, 0)` in SQL: `greatest` on PostgreSQL, the two-argument `max` on SQLite.

    Denormalised counters moved by a decrement use it so they can never go negative."""
    is_postgres = session.get_bind().dialect.name == "postgresql"
    return (func.greatest if is_postgres else func.max)(value, 0)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout and explicit BEGINs.

    pysqlite's own transaction handling starts transactions lazily and deferred; a deferred
    transaction that later writes can fail with SQLITE_BUSY without waiting. Writers therefore
    begin with `BEGIN IMMEDIATE` (see `Database.session(write=True)`), readers with plain `BEGIN`.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _refuse_unstorable_text(engine: Engine) -> None:
    """Every statement's string parameters must be storable (`getnative.text`).

    One guard in front of both drivers catches every text field of every dialect, including
    fields added later: a lone surrogate or a NUL becomes `InvalidInput` (a 400 in the dialect's
    format) before the driver sees it, instead of a UnicodeEncodeError or psycopg's NUL error.
    """

    @event.listens_for(engine, "before_cursor_execute")
    def _check(
        _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if parameters and parameters_hold_unstorable_text(parameters, many):
            raise text_invalid()


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create the engine for `url`; SQLite files get their folder created.

    Logged database errors never carry bound parameters (`hide_parameters`): they hold emails,
    password hashes and user text.
    """
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        _configure_sqlite(engine)
    else:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size * 2,
            pool_pre_ping=True,
            hide_parameters=True,
        )
    _refuse_unstorable_text(engine)
    return engine


class Database:
    """The engine plus session factories; one per application instance."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer_bind = (
            self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        )
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=writer_bind, expire_on_commit=False)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        factory = self._writer if write else self._reader
        session = factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
