"""Alembic environment.

`getnative migrate` and `getnative db ...` hand over a connection (`getnative.migrate`); the plain
`alembic` command (alembic.ini at the repository root) connects to `GETNATIVE_DATABASE_URL`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from getnative.migrate import include_object
from getnative.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        _run_on_configured_database()
        return
    _run_on(connection)


def _run_on_configured_database() -> None:
    from sqlalchemy import create_engine

    from getnative.config import get_settings

    engine = create_engine(get_settings().database_url)
    try:
        with engine.begin() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
