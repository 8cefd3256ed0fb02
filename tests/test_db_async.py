"""The asyncio way into the database (`Database.async_connection`), on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import Integer, bindparam, delete, event, func, literal, select, update
from sqlalchemy.pool import Pool, QueuePool

from getnative.accounts.models import User
from getnative.catalog import search_page
from getnative.db import (
    CACHEABLE_STATEMENT_BYTES,
    Database,
    ReadStatement,
    WarmStatement,
    async_driver_url,
)
from getnative.errors import InvalidInput
from tests.factories import make_user


class Boom(Exception):
    pass


def test_a_read_runs_core_statements(db: Database) -> None:
    user = make_user(db)

    async def read() -> str | None:
        async with db.async_connection() as connection:
            return await connection.scalar(select(User.email).where(User.id == user.id))

    assert asyncio.run(read()) == user.email


def test_a_write_commits_when_the_block_ends(db: Database) -> None:
    user = make_user(db)

    async def rename() -> None:
        async with db.async_connection(write=True) as connection:
            await connection.execute(update(User).where(User.id == user.id).values(name="Ada"))

    asyncio.run(rename())
    with db.session(write=False) as session:
        assert session.scalar(select(User.name).where(User.id == user.id)) == "Ada"


def test_a_write_that_raises_is_rolled_back(db: Database) -> None:
    user = make_user(db, name="Before")

    async def fail() -> None:
        async with db.async_connection(write=True) as connection:
            await connection.execute(update(User).where(User.id == user.id).values(name="After"))
            raise Boom

    with pytest.raises(Boom):
        asyncio.run(fail())
    with db.session(write=False) as session:
        assert session.scalar(select(User.name).where(User.id == user.id)) == "Before"


def test_unstorable_text_is_refused_before_the_driver(db: Database) -> None:
    async def lookup() -> None:
        async with db.async_connection() as connection:
            await connection.execute(select(User.id).where(User.email == "a\x00b"))

    with pytest.raises(InvalidInput):
        asyncio.run(lookup())


def test_the_started_loop_reuses_pooled_connections_and_others_still_connect(
    db: Database,
) -> None:
    make_user(db)

    async def count_twice() -> list[object]:
        await db.start_async()
        try:
            seen = []
            for _ in range(2):
                async with db.async_connection() as connection:
                    raw = await connection.get_raw_connection()
                    seen.append(raw.driver_connection)
                    assert await connection.scalar(select(func.count(User.id))) == 1
            return seen
        finally:
            await db.stop_async()

    first, second = asyncio.run(count_twice())
    assert first is second  # one pooled driver connection, checked out twice

    async def elsewhere() -> int | None:  # another loop (a test client's): unpooled, still works
        async with db.async_connection() as connection:
            return await connection.scalar(select(func.count(User.id)))

    assert asyncio.run(elsewhere()) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///./var/x.sqlite3", "sqlite+aiosqlite:///./var/x.sqlite3"),
        ("postgresql://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
        ("postgresql+psycopg://u:p@h:5433/d", "postgresql+asyncpg://u:p@h:5433/d"),
    ],
)
def test_the_async_driver_url_names_the_same_database(url: str, expected: str) -> None:
    assert async_driver_url(url) == expected


def test_the_worker_pool_queues_instead_of_opening_more_connections(db: Database) -> None:
    """20 blocks at once on a pool of 2: they wait their turn on the same two connections
    (an overflow connection would be closed and opened again at every peak under load)."""
    opened: list[object] = []

    def count(dbapi_connection: object, _record: object) -> None:
        opened.append(dbapi_connection)

    async def burst() -> list[int]:
        database = Database(db.url, async_pool_size=2)
        await database.start_async()
        try:

            async def one(n: int) -> int:
                async with database.async_connection() as connection:
                    await asyncio.sleep(0.01)
                    return int(await connection.scalar(select(func.abs(n))) or 0)

            return list(await asyncio.gather(*(one(n) for n in range(20))))
        finally:
            await database.stop_async()
            database.dispose()

    event.listen(Pool, "connect", count)
    try:
        assert asyncio.run(burst()) == list(range(20))
    finally:
        event.remove(Pool, "connect", count)
    assert len(opened) == 2


# --- hot reads (`ReadStatement` through `Database.fetch`) ------------------------------------

_EMAIL_OF = ReadStatement(
    select(User.email, User.token_version, literal("fixed"))
    .where(User.id == bindparam("user_id"), User.is_active)
    .limit(1)
)


def test_a_hot_read_gives_positional_rows_with_its_fixed_values(db: Database) -> None:
    user = make_user(db)
    rows = asyncio.run(db.fetch(_EMAIL_OF, {"user_id": user.id}))
    assert [tuple(row) for row in rows] == [(user.email, user.token_version, "fixed")]
    assert asyncio.run(db.fetch(_EMAIL_OF, {"user_id": user.id + 1})) == []


def test_a_hot_read_refuses_unstorable_text_before_the_driver(db: Database) -> None:
    read = ReadStatement(select(User.id).where(User.email == bindparam("email")))
    with pytest.raises(InvalidInput):
        asyncio.run(db.fetch(read, {"email": "a\x00b"}))


def test_postgresql_sees_a_hot_reads_constants_as_literals() -> None:
    """The one generic plan kept per statement must know the LIMIT and the fixed values."""
    sql = _EMAIL_OF.driver_sql()
    assert sql.names == ("user_id",)
    assert "LIMIT 1" in sql.sql
    assert "'fixed'" in sql.sql


def test_the_started_pool_serves_warmed_hot_reads_and_other_loops_still_connect(
    db: Database,
) -> None:
    user = make_user(db)
    db.warm([_EMAIL_OF])
    db.warm([_EMAIL_OF])
    assert db.warm_reads.count(_EMAIL_OF) == 1  # once, however often it is asked for

    async def twice() -> list[Sequence[Sequence[object]]]:
        await db.start_async()  # PostgreSQL: every pooled connection prepares _EMAIL_OF
        try:
            return [await db.fetch(_EMAIL_OF, {"user_id": user.id}) for _ in range(2)]
        finally:
            await db.stop_async()

    first, second = asyncio.run(twice())
    assert [tuple(row) for row in first] == [tuple(row) for row in second]
    assert asyncio.run(db.fetch(_EMAIL_OF, {"user_id": user.id}))  # unpooled, another loop


def test_postgresql_async_connections_plan_every_execution_serially(db: Database) -> None:
    """Searches bind their terms, and a generic plan made a common word's search take seconds;
    clips' serial walks must not start parallel workers. Both are settings of the connection
    (set when it connects), not statements run around each page."""
    if db.is_sqlite:
        pytest.skip("PostgreSQL session settings")

    async def settings() -> list[str | None]:
        async with db.async_connection() as connection:
            return [
                await connection.scalar(select(func.current_setting(name)))
                for name in ("plan_cache_mode", "max_parallel_workers_per_gather")
            ]

    assert asyncio.run(settings()) == ["force_custom_plan", "0"]


def test_warmed_async_statements_open_every_pooled_connection_and_read_nothing(
    db: Database,
) -> None:
    """PostgreSQL: the SQLAlchemy pool (searches, clips) is opened, and its warm statements
    run on each connection, when it starts; the search page's warm values match nothing, and
    the connections still plan each execution with its own values (`_ASYNC_SESSION`)."""
    if db.is_sqlite:
        assert search_page.warm_statements(db.dialect_name) == []
        pytest.skip("the SQLite pool is not warmed")
    user = make_user(db)
    warm = WarmStatement(
        select(User.email).where(User.id == bindparam("user_id")), (("user_id", None),)
    )
    before = list(db.warm_async_statements)  # the session's database: left as found
    db.warm_async([warm, warm])
    db.warm_async(search_page.warm_statements(db.dialect_name))
    assert db.warm_async_statements.count(warm) == 1  # once, however often it is asked for

    async def start() -> tuple[int, str | None, str | None, list[int]]:
        await db.start_async()
        try:
            pool = db._async_engines().base.pool
            opened = pool.checkedin() if isinstance(pool, QueuePool) else 0
            async with db.async_connection() as connection:
                mode = await connection.scalar(select(func.current_setting("plan_cache_mode")))
                email = await connection.scalar(warm.statement, {"user_id": user.id})
                found = [
                    len((await connection.execute(page.statement, dict(page.values))).all())
                    for page in search_page.warm_statements(db.dialect_name)
                ]
            return opened, mode, email, found
        finally:
            await db.stop_async()

    try:
        opened, mode, email, found = asyncio.run(start())
    finally:
        db.warm_async_statements[:] = before
    assert opened == db._async_pool_size
    assert (mode, email, found) == ("force_custom_plan", user.email, [0, 0, 0])


def test_warmed_hot_statements_are_planned_not_run(db: Database) -> None:
    """PostgreSQL: `warm` prepares each hot statement into the cache `fetch` uses and has its
    generic plan made, without running it. Running it with NULL values walked the list page's
    whole index on the 1M-video data (a generic plan cannot know the value is NULL), 1.5-3 s
    per pooled connection of every worker; and a warmed write must change nothing whatever
    its values. The statement here would delete every user if it ran with NULL."""
    if db.is_sqlite:
        pytest.skip("the SQLite pool is not warmed")
    user = make_user(db)
    deleted = (
        delete(User)
        .where(func.coalesce(bindparam("user_id", type_=Integer), User.id) == User.id)
        .returning(User.id)
        .cte("deleted")
    )
    remove = ReadStatement(select(deleted.c.id))
    sql = remove.driver_sql().sql

    async def start() -> tuple[list[int], list[int]]:
        database = Database(db.url, async_pool_size=1)  # one connection: the one fetch uses
        database.warm([remove])
        await database.start_async()
        try:
            assert database._read_pool is not None
            async with database._read_pool.acquire() as connection:
                planned = "SELECT generic_plans FROM pg_prepared_statements WHERE statement = $1"
                at_start = [row[0] for row in await connection.fetch(planned, sql)]
            async with database.async_connection() as connection:
                kept = await connection.scalar(select(User.id).where(User.id == user.id))
            assert kept == user.id  # the warm-up ran nothing
            await database.fetch(remove, {"user_id": user.id}, write=True)
            async with database._read_pool.acquire() as connection:
                after_use = [row[0] for row in await connection.fetch(planned, sql)]
            return at_start, after_use
        finally:
            await database.stop_async()
            database.dispose()

    at_start, after_use = asyncio.run(start())
    assert at_start == [1]  # prepared once, its generic plan made
    assert after_use == [2]  # the request ran that statement, with that plan
    with db.session(write=False) as session:
        assert session.get(User, user.id) is None


def test_a_hot_statement_longer_than_asyncpgs_default_stays_prepared(db: Database) -> None:
    """A statement over asyncpg's default cacheable size (15 KiB) is kept prepared like the
    others: prepared once at start, then executed with that plan, not parsed every time."""
    if db.is_sqlite:
        pytest.skip("the SQLite pool is not warmed")
    user = make_user(db)
    padding = "x" * (20 * 1024)  # a fixed value: written into the SQL as a literal
    long_read = ReadStatement(
        select(User.id).where(User.id == bindparam("user_id"), User.email != padding)
    )
    sql = long_read.driver_sql().sql
    assert 15 * 1024 < len(sql) < CACHEABLE_STATEMENT_BYTES

    async def run_twice() -> list[int]:
        database = Database(db.url, async_pool_size=1)
        database.warm([long_read])
        await database.start_async()
        try:
            for _ in range(2):
                rows = await database.fetch(long_read, {"user_id": user.id})
                assert [tuple(row) for row in rows] == [(user.id,)]
            assert database._read_pool is not None
            async with database._read_pool.acquire() as connection:
                planned = "SELECT generic_plans FROM pg_prepared_statements WHERE statement = $1"
                return [row[0] for row in await connection.fetch(planned, sql)]
        finally:
            await database.stop_async()
            database.dispose()

    assert asyncio.run(run_twice()) == [3]  # the start's plan, then both executions


def test_a_database_that_cannot_be_reached_fails_the_start(db: Database) -> None:
    """A worker whose database is unreachable must not report ready: `start_async` raises
    the driver's error (both pools open side by side; neither failure is swallowed)."""
    if db.is_sqlite:
        pytest.skip("SQLite opens its file on first use")
    database = Database("postgresql://someone@127.0.0.1:1/nothing")
    database.warm([_EMAIL_OF])
    database.warm_async(search_page.warm_statements(database.dialect_name))

    async def start() -> None:
        await database.start_async()

    try:
        with pytest.raises(OSError, match=r"Connect call failed|refused"):
            asyncio.run(start())
        assert database._read_pool is None
        assert database._async_home is None
    finally:
        database.dispose()
