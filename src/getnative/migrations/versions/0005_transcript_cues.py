"""Timed transcript cues and their full-text index (GET /clips, `cues`, `matches`).

The table is described by `getnative.catalog.models.TranscriptCue`; the search index beside it is
written by hand, as in 0002/0003: SQLite gets an FTS5 table `cue_search` over `search_text`, kept
in sync by triggers; PostgreSQL a generated `search_vector` column with a GIN index, and a GIN
index over the word pairs of `search_pairs` for quoted phrases (a tsvector GIN index keeps no
positions: a phrase of two common words would recheck every row holding both). Existing
transcripts were imported without timing, so there is nothing to backfill.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_UP = [
    "CREATE VIRTUAL TABLE cue_search USING fts5("
    "search_text, content='transcript_cues', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER transcript_cues_search_ai AFTER INSERT ON transcript_cues BEGIN "
    "INSERT INTO cue_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER transcript_cues_search_ad AFTER DELETE ON transcript_cues BEGIN "
    "INSERT INTO cue_search(cue_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER transcript_cues_search_au AFTER UPDATE OF search_text ON transcript_cues "
    "BEGIN INSERT INTO cue_search(cue_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO cue_search(rowid, search_text) VALUES (new.id, new.search_text); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER transcript_cues_search_au",
    "DROP TRIGGER transcript_cues_search_ad",
    "DROP TRIGGER transcript_cues_search_ai",
    "DROP TABLE cue_search",
]
POSTGRES_UP = [
    "ALTER TABLE transcript_cues ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX ix_transcript_cues_search_vector ON transcript_cues USING gin (search_vector)",
    "CREATE INDEX ix_transcript_cues_search_pairs ON transcript_cues "
    "USING gin (string_to_array(search_pairs, ' '))",
]


def upgrade() -> None:
    op.create_table(
        "transcript_cues",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column(
            "transcript_id",
            BIG_ID,
            sa.ForeignKey("transcripts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "video_id", BIG_ID, sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_pairs", sa.Text(), nullable=False),
        sqlite_autoincrement=True,  # ids are never reused (0004)
    )
    op.create_index("ix_transcript_cues_transcript_id", "transcript_cues", ["transcript_id"])
    op.create_index(
        "ix_transcript_cues_video_id_start_ms", "transcript_cues", ["video_id", "start_ms"]
    )
    for statement in SQLITE_UP if op.get_bind().dialect.name == "sqlite" else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
    op.drop_table("transcript_cues")  # drops its indexes and the generated column with it
