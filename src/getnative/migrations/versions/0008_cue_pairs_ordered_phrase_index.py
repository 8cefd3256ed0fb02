"""PostgreSQL: `cue_pairs`, the word pairs of cues ordered by cue id (quoted phrases in GET /clips).

Replaces the GIN index over `search_pairs` of 0005, which has no order: a rare phrase read every
cue holding its pair (`getnative.catalog.phrase_index` says why and how). The table is written
by hand (it is PostgreSQL only and derived from `transcript_cues.search_pairs` by triggers), so
it is one of `migrate.MANUAL_OBJECTS`. Existing cues are backfilled in batches of cue ids, with
progress on the `getnative.migrations` logger (about 30M rows for 10M cues: a few minutes),
then the primary key is built once. Writers of `transcript_cues` wait meanwhile (SHARE lock),
so no cue is missed between the backfill and the triggers. SQLite is unchanged (FTS5).

Frozen: the SQL is written out here, not imported from `catalog.phrase_index`, so a later
change to the application's module cannot change what this revision did. The backfill
statement is the same as `phrase_index.fill_statements` (bench.generate fills the same way)
on purpose; keep them apart.

Revision ID: 0008
Revises: 0007
"""

import logging
import time
from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("getnative.migrations")

PAIR_GIN_INDEX = (
    "CREATE INDEX ix_transcript_cues_search_pairs ON transcript_cues "
    "USING gin (string_to_array(search_pairs, ' '))"
)
CREATE_TABLE = "CREATE TABLE cue_pairs (pair text NOT NULL, cue_id bigint NOT NULL)"
ADD_PRIMARY_KEY = "ALTER TABLE cue_pairs ADD CONSTRAINT pk_cue_pairs PRIMARY KEY (pair, cue_id)"
FILL_BATCH = 500_000
"""Cue ids per backfill statement: about 10 s each on the bench machine, so progress shows."""

CREATE_TRIGGERS = [
    "CREATE FUNCTION cue_pairs_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO cue_pairs (pair, cue_id) SELECT DISTINCT pair, n.id FROM new_cues n, "
    "unnest(string_to_array(n.search_pairs, ' ')) AS pair; "
    "RETURN NULL; END $$",
    "CREATE FUNCTION cue_pairs_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM cue_pairs p USING (SELECT DISTINCT pair, o.id FROM old_cues o, "
    "unnest(string_to_array(o.search_pairs, ' ')) AS pair) gone "
    "WHERE p.pair = gone.pair AND p.cue_id = gone.id; "
    "RETURN NULL; END $$",
    # Transition tables forbid a column list on an UPDATE trigger, so unchanged pairs are
    # skipped in the body instead.
    "CREATE FUNCTION cue_pairs_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM cue_pairs p USING (SELECT DISTINCT pair, o.id FROM old_cues o "
    "JOIN new_cues n ON n.id = o.id, unnest(string_to_array(o.search_pairs, ' ')) AS pair "
    "WHERE o.search_pairs <> n.search_pairs) gone "
    "WHERE p.pair = gone.pair AND p.cue_id = gone.id; "
    "INSERT INTO cue_pairs (pair, cue_id) SELECT DISTINCT pair, n.id FROM old_cues o "
    "JOIN new_cues n ON n.id = o.id, unnest(string_to_array(n.search_pairs, ' ')) AS pair "
    "WHERE o.search_pairs <> n.search_pairs; "
    "RETURN NULL; END $$",
    "CREATE FUNCTION cue_pairs_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "TRUNCATE cue_pairs; RETURN NULL; END $$",
    "CREATE TRIGGER transcript_cues_pairs_ai AFTER INSERT ON transcript_cues "
    "REFERENCING NEW TABLE AS new_cues FOR EACH STATEMENT EXECUTE FUNCTION cue_pairs_insert()",
    "CREATE TRIGGER transcript_cues_pairs_ad AFTER DELETE ON transcript_cues "
    "REFERENCING OLD TABLE AS old_cues FOR EACH STATEMENT EXECUTE FUNCTION cue_pairs_delete()",
    "CREATE TRIGGER transcript_cues_pairs_au AFTER UPDATE ON transcript_cues "
    "REFERENCING OLD TABLE AS old_cues NEW TABLE AS new_cues "
    "FOR EACH STATEMENT EXECUTE FUNCTION cue_pairs_update()",
    "CREATE TRIGGER transcript_cues_pairs_at AFTER TRUNCATE ON transcript_cues "
    "FOR EACH STATEMENT EXECUTE FUNCTION cue_pairs_truncate()",
]
DROP = [
    "DROP TRIGGER transcript_cues_pairs_ai ON transcript_cues",
    "DROP TRIGGER transcript_cues_pairs_ad ON transcript_cues",
    "DROP TRIGGER transcript_cues_pairs_au ON transcript_cues",
    "DROP TRIGGER transcript_cues_pairs_at ON transcript_cues",
    "DROP FUNCTION cue_pairs_insert()",
    "DROP FUNCTION cue_pairs_delete()",
    "DROP FUNCTION cue_pairs_update()",
    "DROP FUNCTION cue_pairs_truncate()",
    "DROP TABLE cue_pairs",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE transcript_cues IN SHARE MODE")
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(CREATE_TABLE)
    _backfill()
    started = time.monotonic()
    op.execute(ADD_PRIMARY_KEY)
    log.info("cue_pairs: primary key built in %.0f s", time.monotonic() - started)
    for statement in CREATE_TRIGGERS:
        op.execute(statement)
    op.execute("DROP INDEX ix_transcript_cues_search_pairs")
    op.execute("ANALYZE cue_pairs")


def _backfill() -> None:
    """Fill `cue_pairs` from the existing cues, a batch of cue ids per statement."""
    connection = op.get_bind()
    max_cue_id = connection.exec_driver_sql(
        "SELECT coalesce(max(id), 0) FROM transcript_cues"
    ).scalar_one()
    started = time.monotonic()
    for first in range(1, max_cue_id + 1, FILL_BATCH):
        last = min(first + FILL_BATCH - 1, max_cue_id)
        connection.exec_driver_sql(
            "INSERT INTO cue_pairs (pair, cue_id) SELECT DISTINCT pair, c.id "
            "FROM transcript_cues c, unnest(string_to_array(c.search_pairs, ' ')) AS pair "
            f"WHERE c.id BETWEEN {first} AND {last}"
        )
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
    for statement in DROP:
        op.execute(statement)
    op.execute(PAIR_GIN_INDEX)
