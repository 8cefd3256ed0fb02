"""PostgreSQL: `cue_pairs`, the word pairs of cues ordered by cue id (quoted phrases in GET /clips).

Replaces the GIN index over `search_pairs` of 0005, which has no order: a rare phrase read every
cue holding its pair (`getnative.catalog.phrase_index` says why and how). The table is written
by hand (it is PostgreSQL only and derived from `transcript_cues.search_pairs` by triggers), so
it is one of `migrate.MANUAL_OBJECTS`. Existing cues are backfilled in batches of cue ids, with
progress on the `getnative.migrations` logger (about 30M rows for 10M cues: a few minutes),
then the primary key is built once. Writers of `transcript_cues` wait meanwhile (SHARE lock),
so no cue is missed between the backfill and the triggers. SQLite is unchanged (FTS5).

Revision ID: 0008
Revises: 0007
"""

import logging
import time
from collections.abc import Sequence

from alembic import op

from getnative.catalog import phrase_index

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("getnative.migrations")

PAIR_GIN_INDEX = (
    "CREATE INDEX ix_transcript_cues_search_pairs ON transcript_cues "
    "USING gin (string_to_array(search_pairs, ' '))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE transcript_cues IN SHARE MODE")
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(phrase_index.CREATE_TABLE)
    _backfill()
    started = time.monotonic()
    op.execute(phrase_index.ADD_PRIMARY_KEY)
    log.info("cue_pairs: primary key built in %.0f s", time.monotonic() - started)
    for statement in phrase_index.CREATE_TRIGGERS:
        op.execute(statement)
    op.execute("DROP INDEX ix_transcript_cues_search_pairs")
    op.execute("ANALYZE cue_pairs")


def _backfill() -> None:
    connection = op.get_bind()
    max_cue_id = connection.exec_driver_sql(phrase_index.MAX_CUE_ID).scalar_one()
    started = time.monotonic()
    for last, statement in phrase_index.fill_statements(max_cue_id):
        connection.exec_driver_sql(statement)
        log.info(
            "cue_pairs: %d of %d cue ids (%.0f%%), %.0f s",
            last,
            max_cue_id,
            100 * last / max_cue_id,
            time.monotonic() - started,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in phrase_index.DROP:
        op.execute(statement)
    op.execute(PAIR_GIN_INDEX)
