"""Engine, session and the per-request transaction, for SQLite and PostgreSQL alike.

SQLite is the embedded default; PostgreSQL is the production store that several stateless server
processes share. Everything dialect-specific about connections lives here so that services only
see a SQLAlchemy `Session`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from typing import cast as cast_type

import asyncpg
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    MetaData,
    ScalarSelect,
    Text,
    cast,
    create_engine,
    event,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Executable, Select
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import replacement_traverse
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


def dialect_of(bind: Session | AsyncConnection) -> str:
    """`postgresql` or `sqlite`: the dialect a session or an async connection talks to."""
    if isinstance(bind, AsyncConnection):
        return bind.dialect.name
    return bind.get_bind().dialect.name


def dialect_insert(dialect: str, model: type[Base]) -> Any:
    """`INSERT` of `dialect` (`postgresql` or `sqlite`), which has `on_conflict_do_nothing`.

    The race-safe "create unless it exists" of likes, cues, subscriptions and IP users is one
    statement whose RETURNING says whether this request created the row; SQLite and PostgreSQL
    both support it, through their own `insert` constructs.
    """
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


def conflict_tolerant_insert(session: Session, model: type[Base]) -> Any:
    """`dialect_insert` of the session's dialect."""
    return dialect_insert(dialect_of(session), model)


def floor_at_zero(dialect: str, value: ColumnElement[int]) -> ColumnElement[int]:
    """`max(value, 0)` in SQL: `greatest` on PostgreSQL, the two-argument `max` on SQLite.

    Denormalised counters moved by a decrement use it so they can never go negative."""
    return (func.greatest if dialect == "postgresql" else func.max)(value, 0)


def floored_at_zero(session: Session, value: ColumnElement[int]) -> ColumnElement[int]:
    """`floor_at_zero` in the session's dialect."""
    return floor_at_zero(dialect_of(session), value)


def insert_select_values(
    model: type[Base], row: dict[str, Any]
) -> tuple[list[str], list[ColumnElement[Any]]]:
    """Column names and SQL values for `insert(model).from_select(names, select(*values))`.

    The row's values typed like the columns (values that are SQL expressions stay), plus the
    scalar defaults of the columns the row leaves out, as literals: an INSERT nested in a CTE
    gets no default processing from SQLAlchemy, so `from_select`'s own defaults stay NULL.
    """
    table = model.__table__
    values = dict(row)
    for column in table.c:
        default = column.default
        if column.name not in values and default is not None and default.is_scalar:
            values[column.name] = default.arg
    return list(values), [
        value if isinstance(value, ColumnElement) else literal(value, type_=table.c[name].type)
        for name, value in values.items()
    ]


def json_rows(
    dialect: str,
    columns: Sequence[Any],
    *,
    where: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
) -> ScalarSelect[str]:
    """The matching rows' `columns` as one JSON array of arrays (`[[a, b], ...]`, `[]` for
    none), in `order_by` order, built by the database: a page's nested parts come back in the
    page's own row instead of a query each. JSON text on both backends (`orjson.loads` it).

    PostgreSQL orders inside the aggregate; SQLite's `json_group_array` takes the rows in the
    order of the ordered subquery it reads.
    """
    if dialect == "postgresql":
        array = func.json_agg(aggregate_order_by(func.json_build_array(*columns), *order_by))
        empty: ColumnElement[Any] = literal_column("'[]'::json")
        return select(cast(func.coalesce(array, empty), Text)).where(*where).scalar_subquery()
    labelled = [column.label(f"c{i}") for i, column in enumerate(columns)]
    ordered = select(*labelled).where(*where).order_by(*order_by).subquery()
    return select(func.json_group_array(func.json_array(*ordered.c))).scalar_subquery()


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


def _psycopg_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


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
        engine = create_engine(
            _psycopg_url(url),
            pool_size=pool_size,
            max_overflow=pool_size * 2,
            pool_pre_ping=True,
            hide_parameters=True,
        )
    _refuse_unstorable_text(engine)
    return engine


def async_driver_url(url: str) -> str:
    """The same database through an asyncio driver: aiosqlite for SQLite, asyncpg for
    PostgreSQL (whatever driver the configured URL names for the sync engine)."""
    parsed = make_url(url)
    driver = "sqlite+aiosqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+asyncpg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def make_async_engine(url: str, *, pool_size: int | None) -> AsyncEngine:
    """The asyncio engine of `url`: pooled (`pool_size` connections, no overflow: a request
    waits for a free one, as in the anchor's asyncpg pool) or, with `pool_size=None`, opening a
    connection per checkout (usable from any event loop).

    No overflow because overflow connections churn under load: SQLAlchemy closes one whenever
    it comes back to a full pool and opens a new one at the next peak (TCP, SSL negotiation,
    startup, and every statement prepared again). With 8 + 8 overflow, a 32-connection like
    load on one worker spent ~5 % of its samples in `asyncpg.connect` and served 152 req/s;
    with no overflow, 204 req/s (bench/RESULTS.md). Nothing holds two async connections at
    once, so a request never waits on itself.

    Last in, first out: the pool is opened whole at start when it has warm statements
    (`Database.warm_async`), and a light load then keeps reusing the same few connections
    (their statements prepared, their caches hot) instead of cycling through all of them.

    No pre-ping: it would cost every request a round trip; a connection the server dropped fails
    one request and is replaced (SQLAlchemy invalidates the pool on a disconnect error), and
    `pool_recycle` retires connections before a proxy's idle timeout would.
    """
    pooling: dict[str, Any] = (
        {"poolclass": NullPool}
        if pool_size is None
        else {
            "pool_size": pool_size,
            "max_overflow": 0,
            "pool_recycle": 1800,
            "pool_use_lifo": True,
        }
    )
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_async_engine(
            async_driver_url(url), connect_args={"timeout": 30}, hide_parameters=True, **pooling
        )
        _configure_sqlite(engine.sync_engine)
    else:
        engine = create_async_engine(
            async_driver_url(url),
            hide_parameters=True,
            connect_args={"server_settings": _ASYNC_SESSION},
            **pooling,
        )
    _refuse_unstorable_text(engine.sync_engine)
    return engine


_ASYNC_SESSION = {"plan_cache_mode": "force_custom_plan", "max_parallel_workers_per_gather": "0"}
"""Session settings of the async pool's PostgreSQL connections, set once when each connects.

`force_custom_plan`: the searches on this pool (`GET /videos?q=`, `GET /clips`) bind their
terms, and whether a term is rare (use its GIN index) or common (walk the id index and stop at
the window) is known only from its value. After five executions of a prepared statement the
default mode may keep a generic plan, and it did: `/videos?q=business` went from 40 ms to
1-1.6 s per request (a bitmap of 660k rows), which was the p99 of the search scenario. The
other statements on this pool (token checks, the like toggle, the feed) are small to plan.

`max_parallel_workers_per_gather = 0`: clips' walks of frequent pairs and rare words get a
Gather whose workers cost 20-50 ms to start on a busy machine, where the serial walk that stops
at the window takes about 1 ms. Set per connection instead of a SET and a RESET around each
page (two round trips); the plans of the other statements of this pool (searches, feed) and of
the hot reads (list, detail) have no Gather either way (bench/RESULTS.md, search tail)."""


@dataclass(frozen=True)
class _AsyncEngines:
    """One async pool, seen with the options of a read and of a write (made once, not per use)."""

    base: AsyncEngine
    reader: AsyncEngine
    writer: AsyncEngine

    @classmethod
    def of(cls, url: str, *, pool_size: int | None) -> _AsyncEngines:
        base = make_async_engine(url, pool_size=pool_size)
        if base.dialect.name == "sqlite":
            return cls(base, base, base.execution_options(sqlite_immediate=True))
        return cls(base, base.execution_options(isolation_level="AUTOCOMMIT"), base)


_ASYNCPG = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class _DriverSql:
    """A statement as asyncpg runs it: SQL with `$n` placeholders and the name of each `n`'s
    value. Values the statement fixes itself (a catalog source, a LIMIT) are written into the
    SQL as literals, so that the one plan PostgreSQL keeps for it knows them."""

    sql: str
    names: tuple[str, ...]

    @classmethod
    def compile(cls, statement: Select[Any]) -> _DriverSql:
        fixed = cast_type(Select[Any], replacement_traverse(statement, {}, _literal_if_fixed))
        compiled = fixed.compile(dialect=_ASYNCPG)
        if compiled._bind_processors:
            # Values go to asyncpg as they are; a type that converts them needs the full path.
            raise TypeError(f"a hot read cannot bind {sorted(compiled._bind_processors)}")
        return cls(compiled.string, tuple(compiled.positiontup or ()))

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[name] for name in self.names]


def _literal_if_fixed(element: Any, **_: Any) -> ColumnElement[Any] | None:
    if isinstance(element, BindParameter) and not element.required:
        text = element.compile(dialect=_ASYNCPG, compile_kwargs={"literal_binds": True})
        return literal_column(text.string, element.type)
    return None


class ReadStatement:
    """A hot read: a Core select with bound parameters, built once per shape and run through
    `Database.fetch`, which gives back plain positional rows.

    On PostgreSQL it is compiled once into asyncpg's SQL and run on a raw asyncpg connection
    as a prepared statement with a generic plan (see `_READ_SESSION`): SQLAlchemy's asyncio
    layer (a greenlet switch, its pool and result objects per execute) cost three times what
    the query itself did. Only values that need no conversion may be bound (ints, strings);
    the columns come back as asyncpg decodes them, which for this schema is what the ORM types
    give (timestamps in UTC). On SQLite it runs through `Database.async_connection`.

    A write that is one self-contained statement (the likes API's toggle, a data-modifying
    CTE) is one too, run by `Database.fetch(write=True)` or `Database.fetch_after_lock`.
    """

    __slots__ = ("_driver_sql", "statement")

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._driver_sql: _DriverSql | None = None

    def driver_sql(self) -> _DriverSql:
        if self._driver_sql is None:
            self._driver_sql = _DriverSql.compile(self.statement)
        return self._driver_sql


CACHEABLE_STATEMENT_BYTES = 64 * 1024
"""The longest statement asyncpg keeps prepared in a connection's cache. Its default (15 KiB) is
close to the hot statements' sizes (the list page's is 10.7 KB): one that grew past it would be
parsed and planned again on every execution, without a sign."""

_READ_SESSION = {"plan_cache_mode": "force_generic_plan"}
"""The hot reads' connections plan each prepared statement once. By default PostgreSQL plans
every execution anew for a while and then keeps doing so when the generic plan's estimate is
not lower: the detail page's statement cost 2-7 ms of planning per execution for 0.5 ms of
execution. Their statements fix their LIMITs and constants as literals, so the generic plan is
the one a custom plan would be (measured per page shape on the 1M-video data)."""


class _ReadConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection of the hot reads, released without asyncpg's reset statement (one
    round trip per release): those reads are single autocommit statements and leave no
    session state behind (no transaction, LISTEN, SET or advisory lock)."""

    async def reset(self, *, timeout: float | None = None) -> None:
        if self.is_in_transaction():  # a read cancelled inside one: the full reset
            await super().reset(timeout=timeout)


async def _prepare_and_plan(connection: asyncpg.Connection, driver_sql: _DriverSql) -> None:
    """Prepare `driver_sql` in `connection`'s statement cache (the statement `fetch` will run)
    and have PostgreSQL make and keep its generic plan, without running it.

    The warm-up used to run each statement once with NULL for every value. With a custom plan
    a NULL folds to an empty result, but these connections keep the generic plan
    (`_READ_SESSION`), which cannot know the value is NULL: the list page walked its whole
    index for rows matching NULL, 1.5-3 s on the 1M-video data, on every pooled connection of
    every worker, and that was most of a worker's 20 s start (bench/RESULTS.md, worker start).
    `EXPLAIN EXECUTE` builds and caches the same generic plan and executes nothing, so a warmed
    write changes nothing whatever its values.

    asyncpg has no public way to prepare into the cache that `fetch` uses (`prepare()` makes a
    statement of its own), hence `_get_statement`, the method `fetch` itself calls; the test
    of the warm-up checks the statement is the one PostgreSQL planned. A statement asyncpg
    does not cache (longer than its `max_cacheable_statement_size`) is prepared anew by each
    `fetch` anyway: there is nothing to keep for it."""
    state = await connection._get_statement(driver_sql.sql, None)
    if not state.name:
        return
    values = ", ".join("NULL" for _ in driver_sql.names)
    await connection.execute(f'EXPLAIN EXECUTE "{state.name}"' + (f"({values})" if values else ""))


def asyncpg_dsn(url: str) -> str:
    """The libpq-style URL asyncpg connects with, whatever driver `url` names."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class WarmStatement:
    """A statement of the SQLAlchemy async pool to prepare at worker start
    (`Database.warm_async`), with values under which it reads and changes nothing."""

    statement: Executable
    values: tuple[tuple[str, Any], ...]


class Database:
    """The engines plus session factories; one per application instance.

    Two ways in, one transaction rule: `session()` (sync ORM, run in a worker thread) for most
    routes, and `async_connection()` (SQLAlchemy Core on asyncpg / aiosqlite, on the event loop)
    for hot paths that must not hop threads. The async pool belongs to the event loop that
    `start_async()` was called in (the server's, from the app lifespan); any other loop (test
    clients run each request in a new one) gets a connection of its own per block.
    """

    def __init__(self, url: str, *, pool_size: int = 10, async_pool_size: int = 8) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.dialect_name: str = self.engine.dialect.name
        self.is_sqlite = self.dialect_name == "sqlite"
        writer_bind = (
            self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        )
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=writer_bind, expire_on_commit=False)
        self._async_pool_size = async_pool_size
        self._async_home: tuple[asyncio.AbstractEventLoop, _AsyncEngines] | None = None
        self._async_unpooled: _AsyncEngines | None = None
        self._read_pool: asyncpg.Pool | None = None  # PostgreSQL: the hot reads' (home loop)
        self.warm_reads: list[ReadStatement] = []  # made ready by `start_async`
        self.warm_async_statements: list[WarmStatement] = []  # the same, on the async pool

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

    @asynccontextmanager
    async def async_connection(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """An asyncio connection for Core statements, released when the block ends.

        `write=True`: one transaction (`BEGIN IMMEDIATE` on SQLite), committed when the block
        ends normally, rolled back otherwise, like `session()`. `write=False` on PostgreSQL runs
        each statement in autocommit: no BEGIN/COMMIT round trips, but every statement sees its
        own snapshot, so a read that needs several consistent statements asks for `write=True`
        (or does it in one statement). SQLite reads are one deferred transaction.
        """
        engines = self._async_engines()
        async with (engines.writer if write else engines.reader).begin() as connection:
            yield connection

    def _async_engines(self) -> _AsyncEngines:
        home = self._async_home
        if home is not None and home[0] is asyncio.get_running_loop():
            return home[1]
        if self._async_unpooled is None:
            self._async_unpooled = _AsyncEngines.of(self.url, pool_size=None)
        return self._async_unpooled

    async def fetch(
        self, read: ReadStatement, values: Mapping[str, Any], *, write: bool = False
    ) -> Sequence[Sequence[Any]]:
        """The rows of one hot statement (`ReadStatement`), by position: one statement, one
        round trip, autocommit on PostgreSQL (its own snapshot), a deferred transaction on
        SQLite.

        `write=True`: the statement is a self-contained write (a data-modifying statement such
        as the likes API's toggle). On PostgreSQL nothing differs: in autocommit the statement
        is its own transaction, committed (as durably as any commit) before `fetch` returns,
        without the BEGIN and COMMIT round trips. On SQLite it runs in a `BEGIN IMMEDIATE`
        transaction (a deferred one could fail with SQLITE_BUSY when it starts writing).

        Text values are checked as every statement's are (`getnative.text`); the pooled
        connections belong to the loop of `start_async`, any other loop connects per call.
        """
        if parameters_hold_unstorable_text(values, False):
            raise text_invalid()
        rows: Sequence[Sequence[Any]]
        if self.is_sqlite:
            async with self.async_connection(write=write) as connection:
                rows = (await connection.execute(read.statement, values)).all()
            return rows
        driver_sql = read.driver_sql()
        pool = self._read_pool
        if pool is not None and self._is_home_loop():
            # `_driver_connection`'s pooled case, without its context-manager generator: one
            # frame less to enter, resume and leave on every hot statement.
            async with pool.acquire() as connection:
                return await connection.fetch(driver_sql.sql, *driver_sql.arguments(values))  # type: ignore[no-any-return]
        async with self._driver_connection() as connection:
            rows = await connection.fetch(driver_sql.sql, *driver_sql.arguments(values))
        return rows

    async def fetch_after_lock(
        self, lock: ReadStatement, read: ReadStatement, values: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        """The rows of `read`, run in one writing transaction after `lock` (whose rows are
        dropped): `lock` takes row locks in a statement of its own, so that `read`'s snapshot
        is taken once they are held and sees every transaction that held them before. The
        transaction commits before this returns. Both statements get `values` (each takes the
        names it binds); the same checks and connections as `fetch`.
        """
        if parameters_hold_unstorable_text(values, False):
            raise text_invalid()
        rows: Sequence[Sequence[Any]]
        if self.is_sqlite:
            async with self.async_connection(write=True) as connection:
                await connection.execute(lock.statement, values)
                rows = (await connection.execute(read.statement, values)).all()
            return rows
        lock_sql, read_sql = lock.driver_sql(), read.driver_sql()
        async with self._driver_connection() as connection, connection.transaction():
            await connection.execute(lock_sql.sql, *lock_sql.arguments(values))
            rows = await connection.fetch(read_sql.sql, *read_sql.arguments(values))
        return rows

    @asynccontextmanager
    async def _driver_connection(self) -> AsyncIterator[asyncpg.Connection]:
        """PostgreSQL: a raw asyncpg connection in autocommit, from the hot statements' pool on
        the home loop, else one of its own, closed when the block ends."""
        pool = self._read_pool
        if pool is not None and self._is_home_loop():
            async with pool.acquire() as pooled:
                yield pooled
            return
        unpooled = await asyncpg.connect(
            asyncpg_dsn(self.url),
            server_settings=_READ_SESSION,
            max_cacheable_statement_size=CACHEABLE_STATEMENT_BYTES,
        )
        try:
            yield unpooled
        finally:
            await unpooled.close()

    def warm(self, reads: Sequence[ReadStatement]) -> None:
        """Have `reads` compiled, prepared and planned on every pooled connection when the
        pool starts (`start_async`), not by the first requests that need them. They are not
        run (`_prepare_and_plan`), so a warmed write changes nothing."""
        self.warm_reads += [read for read in reads if read not in self.warm_reads]

    def warm_async(self, statements: Sequence[WarmStatement]) -> None:
        """Have `statements` compiled and prepared on every connection of the SQLAlchemy async
        pool (PostgreSQL) when it starts, as `warm` does for the hot reads' pool: that pool
        connects lazily, so a worker's first searches each opened a connection (the dialect's
        set-up round trips included) and prepared their statements while 64 clients queued
        behind them (bench/RESULTS.md, search warm-up). Each runs once with the values given,
        which must read (and change) nothing. The pool plans every execution with its values
        (`_ASYNC_SESSION`, force_custom_plan), so the warm-up's values fix no plan."""
        for statement in statements:
            if statement not in self.warm_async_statements:
                self.warm_async_statements.append(statement)

    async def _warm_async_pool(self, engine: AsyncEngine, size: int) -> None:
        """Open the `size` connections of `engine`'s pool, each running the warm statements.
        Every task holds its connection until all have one, so that each warms its own."""
        if not self.warm_async_statements:
            return
        all_open = asyncio.Barrier(size)

        async def open_and_warm() -> None:
            try:
                async with engine.connect() as connection:
                    for warm in self.warm_async_statements:
                        await connection.execute(warm.statement, dict(warm.values))
                    await all_open.wait()
            except BaseException:
                await all_open.abort()  # the others stop waiting; gather raises this one
                raise

        await asyncio.gather(*(open_and_warm() for _ in range(size)))

    def _is_home_loop(self) -> bool:
        home = self._async_home
        return home is not None and home[0] is asyncio.get_running_loop()

    async def start_async(self) -> None:
        """Give the running event loop (the server worker's) its pools of async connections:
        SQLAlchemy's and, on PostgreSQL, the hot reads' asyncpg pool.

        On PostgreSQL both pools' connections are opened here, and each prepares (and the hot
        reads' plans) its warm statements (`warm_async`, `warm`): otherwise the first requests
        of a worker did that work while the others queued behind them, which showed as the p99
        of a short load run. The two pools open side by side, each connection at once: a
        worker waits for the slowest connection, not for the sum of them. A database that
        cannot be reached fails the start (the worker never reports ready), with the driver's
        own error, after both pools are closed again.
        """
        await self.stop_async()
        engines = _AsyncEngines.of(self.url, pool_size=self._async_pool_size)
        self._async_home = (asyncio.get_running_loop(), engines)
        if self.is_sqlite:
            return
        size = self._async_pool_size
        outcomes: Sequence[Any] = await asyncio.gather(
            self._warm_async_pool(engines.reader, size),
            self._open_read_pool(size),
            return_exceptions=True,
        )
        if isinstance(outcomes[1], asyncpg.Pool):
            self._read_pool = outcomes[1]
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                await self.stop_async()
                raise outcome

    async def _open_read_pool(self, size: int) -> asyncpg.Pool:
        """The hot reads' pool of `size` connections, each with `warm_reads` prepared and
        planned (`_prepare_and_plan`)."""
        warm = [read.driver_sql() for read in self.warm_reads]

        async def prepare(connection: asyncpg.Connection) -> None:
            for driver_sql in warm:
                await _prepare_and_plan(connection, driver_sql)

        return await asyncpg.create_pool(
            asyncpg_dsn(self.url),
            min_size=size,
            max_size=size,
            connection_class=_ReadConnection,
            server_settings=_READ_SESSION,
            max_cacheable_statement_size=CACHEABLE_STATEMENT_BYTES,
            init=prepare,
        )

    async def stop_async(self) -> None:
        """Close the pooled async connections (app shutdown); later blocks connect unpooled."""
        home, self._async_home = self._async_home, None
        pool, self._read_pool = self._read_pool, None
        if pool is not None:
            await pool.close()
        if home is not None:
            await home[1].base.dispose()

    def dispose(self) -> None:
        self.engine.dispose()
