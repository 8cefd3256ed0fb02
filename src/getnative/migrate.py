"""Apply and write Alembic migrations.

Applying is safe even when several server processes start at once (an advisory lock on
PostgreSQL). Writing a revision autogenerates it from the difference between the models and a
database migrated to head, the documented Alembic workflow (CONTRIBUTING.md): generate, review,
commit.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process sharing the database.
PG_MIGRATION_LOCK_KEY = 724_061_001

# Objects created by hand-written revisions (0002-0005, 0008) that the ORM metadata does not
# describe; autogenerate must not propose dropping them.
MANUAL_OBJECTS = frozenset(
    {
        "video_search",
        "uq_users_active_username",
        "search_vector",
        "ix_videos_search_vector",
        "cue_search",
        "ix_transcript_cues_search_vector",
        "ix_transcript_cues_search_pairs",  # 0005, dropped by 0008
        "cue_pairs",  # 0008, PostgreSQL only (getnative.catalog.phrase_index)
    }
)
MANUAL_PREFIXES = ("video_search_", "cue_search_")


def include_object(
    _obj: object, name: str | None, _type: str, _reflected: bool, _other: object
) -> bool:
    """Leave the hand-made objects (SQLite's FTS tables, expression indexes) out of comparisons."""
    return name not in MANUAL_OBJECTS and not (name or "").startswith(MANUAL_PREFIXES)


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


def next_revision_id() -> str:
    """Revisions are numbered `0001`, `0002`, ... so that their files sort in order."""
    numbers = [
        int(path.name[:4])
        for path in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def write_revision(engine: Engine, message: str, *, autogenerate: bool = True) -> Path:
    """Write a new revision file comparing the models with `engine`'s database, migrated first.

    The database is upgraded to head first so that the new revision holds only the change the
    models make. Returns the path of the written file, which is then reviewed by hand.
    """
    upgrade(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        script = command.revision(
            config, message=message, autogenerate=autogenerate, rev_id=next_revision_id()
        )
    if script is None or isinstance(script, list):  # only with several heads, which we never have
        raise RuntimeError("alembic wrote no single revision")
    return Path(script.path)


def schema_differences(engine: Engine, metadata: MetaData | None = None) -> list[Any]:
    """What autogenerate would change in `engine`'s database to match `metadata` (the models by
    default): empty when the migrations and the models agree."""
    from getnative.models import Base

    with engine.connect() as connection, warnings.catch_warnings():
        # The expression index of 0002 cannot be reflected; it is a MANUAL_OBJECT anyway.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        return list(compare_metadata(context, metadata or Base.metadata))
