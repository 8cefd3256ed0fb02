"""Full-text search over videos and the case-insensitive username index.

Autogenerate cannot express these, so they live in their own hand-written revision.

SQLite gets an FTS5 table kept in sync with `videos.search_document` by triggers; PostgreSQL a GIN
index over `to_tsvector('simple', search_document)`. The document spaces out CJK characters
(see `getnative.catalog.search`), so the same word-based index serves Japanese as well.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE video_search USING fts5("
    "search_document, content='videos', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER videos_search_ai AFTER INSERT ON videos BEGIN "
    "INSERT INTO video_search(rowid, search_document) VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER videos_search_ad AFTER DELETE ON videos BEGIN "
    "INSERT INTO video_search(video_search, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER videos_search_au AFTER UPDATE OF search_document ON videos BEGIN "
    "INSERT INTO video_search(video_search, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO video_search(rowid, search_document) VALUES (new.id, new.search_document); END",
    "CREATE UNIQUE INDEX uq_users_active_username ON users (lower(username)) "
    "WHERE is_active AND username IS NOT NULL",
]
SQLITE_DOWN = [
    "DROP INDEX uq_users_active_username",
    "DROP TRIGGER videos_search_au",
    "DROP TRIGGER videos_search_ad",
    "DROP TRIGGER videos_search_ai",
    "DROP TABLE video_search",
]
POSTGRES_UP = [
    "CREATE INDEX ix_videos_search_document ON videos "
    "USING gin (to_tsvector('simple', search_document))",
    "CREATE UNIQUE INDEX uq_users_active_username ON users (lower(username)) "
    "WHERE is_active AND username IS NOT NULL",
]
POSTGRES_DOWN = ["DROP INDEX uq_users_active_username", "DROP INDEX ix_videos_search_document"]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP)


def downgrade() -> None:
    _run(SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else POSTGRES_DOWN)
