"""Apply Alembic migrations, safely even when several server processes start at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process sharing the database.
PG_MIGRATION_LOCK_KEY = 724_061_001


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind `engine` to `revision`.

    On PostgreSQL the migration runs under an advisory lock, so that processes starting together
    on several machines apply it once and the others wait and find it done.
    """
    config = alembic_config()
    with (
        engine.connect() as connection,
        _sqlite_foreign_key_actions_off(connection),
        connection.begin(),
    ):
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _sqlite_foreign_key_actions_off(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys off while migrating, checked and back on afterwards.

    Rebuilding a table (the only way SQLite changes some definitions, see revision 0004) drops
    the old table, and with foreign keys on that drop would cascade into every child table. The
    pragma is a no-op inside a transaction, so it is set on the raw connection before `BEGIN`.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")
