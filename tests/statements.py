"""Counting the statements a request sends, whichever way they go to the database.

A hot path may skip SQLAlchemy and run on a raw asyncpg connection (`Database.fetch`), so a
counter listening only to SQLAlchemy's engines passes vacuously on PostgreSQL: this one hears
both layers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Engine, event

_open_counts: list[list[str]] = []
"""The lists of the `counting_statements` blocks open now. A connection outlives the block that
opened it (SQLAlchemy pools it), so its query logger writes to whichever blocks are open when a
query runs, not to the block it was opened in."""


def _hear_asyncpg_query(record: Any) -> None:
    for statements in _open_counts:
        statements.append(record.query)


def _hear_asyncpg_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now until the test ends, every asyncpg connection opened reports its queries."""
    if getattr(asyncpg.connect, "reports_queries", False):
        return  # an earlier block of this test patched it already
    real_connect = asyncpg.connect

    async def connect_and_report(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        connection = await real_connect(*args, **kwargs)
        connection.add_query_logger(_hear_asyncpg_query)
        return connection

    connect_and_report.reports_queries = True  # type: ignore[attr-defined]
    monkeypatch.setattr(asyncpg, "connect", connect_and_report)


@contextmanager
def counting_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement sent to the database meanwhile, at both layers it can go through:
    SQLAlchemy's engines (SQLite, psycopg, and the asyncio layer's engines) and, on PostgreSQL,
    each asyncpg connection opened since the test's first block (`Database.fetch`; outside the
    server's loop, as under a test client, it connects anew), through asyncpg's query loggers.

    A statement SQLAlchemy sends through asyncpg is heard at both layers, so it counts twice: a
    test of "one statement" fails if the request sends one that way, which is the stricter side.
    """
    statements: list[str] = []

    def _record(*args: Any) -> None:
        statements.append(args[2])

    _hear_asyncpg_connections(monkeypatch)
    event.listen(Engine, "before_cursor_execute", _record)
    _open_counts.append(statements)
    try:
        yield statements
    finally:
        del _open_counts[next(i for i, open_ in enumerate(_open_counts) if open_ is statements)]
        event.remove(Engine, "before_cursor_execute", _record)
