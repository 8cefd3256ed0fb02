"""64-bit ids everywhere, and a stored tsvector for search on PostgreSQL.

Ids: the Get Native document types ids as Int64, and Rockpack ids decode to 64-bit keys; with
32-bit columns PostgreSQL answered a large id with "integer out of range". SQLite's INTEGER is
already 64-bit, so this revision only touches PostgreSQL.

Search: a generated `search_vector` column with its own GIN index replaces the expression index,
so filtering candidates costs no `to_tsvector` call per row (see getnative.catalog.search).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_COLUMNS: dict[str, list[str]] = {
    "categories": ["id"],
    "speakers": ["id"],
    "users": ["id"],
    "content_reports": ["id", "reporter_id", "object_id"],
    "cover_art": ["id", "owner_id"],
    "refresh_tokens": ["id", "user_id"],
    "subcategories": ["id", "category_id"],
    "channels": ["id", "owner_id", "category_id", "cover_art_id"],
    "videos": ["id", "speaker_id", "subcategory_id"],
    "cues": ["id", "user_id", "video_id"],
    "likes": ["id", "video_id", "user_id"],
    "study_sessions": ["id", "user_id", "video_id"],
    "subscriptions": ["id", "user_id", "channel_id"],
    "transcripts": ["id", "video_id"],
    "video_instances": ["id", "channel_id", "video_id"],
    "video_locales": ["video_id"],
    "writing_questions": ["id", "video_id", "subcategory_id"],
    "collocations": ["id", "transcript_id"],
    "notifications": ["id", "user_id", "actor_id", "channel_id", "video_instance_id"],
    "video_views": ["id", "user_id", "video_instance_id"],
    "writing_answers": ["id", "user_id", "study_session_id", "writing_question_id"],
    "usage_examples": ["id", "collocation_id"],
}


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _set_id_type(sql_type: str) -> None:
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {sql_type}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
        if "id" in columns:
            op.execute(f"ALTER SEQUENCE IF EXISTS {table}_id_seq AS {sql_type}")


def upgrade() -> None:
    if not _is_postgres():
        return
    _set_id_type("bigint")
    op.execute("DROP INDEX IF EXISTS ix_videos_search_document")
    op.execute(
        "ALTER TABLE videos ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED"
    )
    op.execute("CREATE INDEX ix_videos_search_vector ON videos USING gin (search_vector)")


def downgrade() -> None:
    if not _is_postgres():
        return
    op.execute("DROP INDEX ix_videos_search_vector")
    op.execute("ALTER TABLE videos DROP COLUMN search_vector")
    op.execute(
        "CREATE INDEX ix_videos_search_document ON videos "
        "USING gin (to_tsvector('simple', search_document))"
    )
    _set_id_type("integer")
