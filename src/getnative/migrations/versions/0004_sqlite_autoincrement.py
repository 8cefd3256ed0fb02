"""Ids are never reused: AUTOINCREMENT on every SQLite table with an integer id.

Without AUTOINCREMENT SQLite gives a new row the largest id plus one, so deleting the newest row
hands its id to the next one, and an old link (a Rockpack subscription URL, a Get Native video
id) would point at a new object. SQLite cannot add AUTOINCREMENT to a table, so each table is
rebuilt the documented way (https://sqlite.org/lang_altertable.html#otheralter): create the new
table, copy the rows with their ids, drop the old one, rename, then re-create its indexes and
triggers (the search triggers of `videos`). `getnative.migrate` switches foreign key actions off
around migrations on SQLite, so dropping a parent table does not cascade into its children, and
checks the foreign keys afterwards.

PostgreSQL needs nothing: ids come from sequences, which never hand out a value twice.

Revision ID: 0004
Revises: 0003
"""

import re
from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection, text

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID_COLUMN = re.compile(r"^(\s*)id INTEGER NOT NULL,", re.MULTILINE)
_PRIMARY_KEY = re.compile(r",\s*CONSTRAINT (pk_\w+) PRIMARY KEY \(id\)")


def _tables_with_integer_ids(connection: Connection) -> list[str]:
    names = connection.execute(
        text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql LIKE '%PRIMARY KEY (id)%' AND sql NOT LIKE '%AUTOINCREMENT%' ORDER BY name"
        )
    )
    return list(names.scalars())


def _autoincrement_sql(create_sql: str, table: str, new_name: str) -> str:
    """The table's own CREATE statement with `id ... PRIMARY KEY AUTOINCREMENT` inline."""
    constraint = _PRIMARY_KEY.search(create_sql)
    if constraint is None or not _ID_COLUMN.search(create_sql):
        raise RuntimeError(f"unexpected definition of table {table}; cannot add AUTOINCREMENT")
    sql = _PRIMARY_KEY.sub("", create_sql, count=1)
    sql = _ID_COLUMN.sub(
        rf"\1id INTEGER NOT NULL CONSTRAINT {constraint[1]} PRIMARY KEY AUTOINCREMENT,",
        sql,
        count=1,
    )
    return sql.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {new_name} (", 1)


def _rebuild(connection: Connection, table: str) -> None:
    create_sql = connection.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar_one()
    dependents = connection.execute(
        text(
            "SELECT sql FROM sqlite_master WHERE tbl_name = :name "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
        ),
        {"name": table},
    ).scalars()
    saved = list(dependents)
    new_name = f"_autoincrement_{table}"
    connection.exec_driver_sql(_autoincrement_sql(create_sql, table, new_name))
    connection.exec_driver_sql(f"INSERT INTO {new_name} SELECT * FROM {table}")
    connection.exec_driver_sql(f"DROP TABLE {table}")
    connection.exec_driver_sql(f"ALTER TABLE {new_name} RENAME TO {table}")
    for sql in saved:
        connection.exec_driver_sql(sql)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("PRAGMA legacy_alter_table = ON")  # rename touches nothing else
    try:
        for table in _tables_with_integer_ids(connection):
            _rebuild(connection, table)
    finally:
        connection.exec_driver_sql("PRAGMA legacy_alter_table = OFF")


def downgrade() -> None:
    """Nothing to undo that matters: AUTOINCREMENT only stops id reuse."""
