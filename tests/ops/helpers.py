"""Shared by the operations tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import _create_postgres_database, _drop_postgres_database, _postgres_reachable


def require_postgres() -> None:
    problem = _postgres_reachable()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of `backend` for a server process to migrate."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.sqlite3'}"
        return
    require_postgres()
    url, admin = _create_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(admin, url)
