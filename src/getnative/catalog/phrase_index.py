"""PostgreSQL's ordered index of cue word pairs (`cue_pairs`), for quoted phrases in GET /clips.

A quoted phrase needs "the newest 100 cues that hold it". A GIN index (of tsvectors or of the
`search_pairs` array) answers that with an unordered bitmap: every cue holding the pair is
fetched and sorted, 115-370 ms for a pair held by 3-9k cues of 10M (bench/RESULTS.md, Clips).
`cue_pairs(pair, cue_id)` with its btree primary key is ordered by cue id within a pair, so the
newest matching cues are a backward index walk that stops after the page's window, whatever
the pair's frequency.

The rows are derived from `transcript_cues.search_pairs` (`search.word_pairs`) by statement
triggers, so every writer (the importer, `bench.generate`'s COPY, a hand-written INSERT) keeps
the index without knowing about it, and a delete needs no index on `cue_id` (the trigger deletes
by primary key). SQLite searches phrases with FTS5 instead and has no such table.

Revision 0008 creates the table and its triggers and fills it from the existing cues, in batches
with progress (its SQL is written out in the revision, which must not change). `bench.generate`
disables the insert trigger during its COPY and fills the table afterwards with
`fill_statements` (`BULK_LOAD_*`), the same statements as the revision's backfill.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import column, table

cue_pairs = table("cue_pairs", column("pair"), column("cue_id"))
"""The table for Core statements (it is not a model: PostgreSQL only, derived, never written by
the application)."""

FILL_BATCH = 500_000
"""Cue ids per filling statement: about 10 s each on the bench machine, so progress shows."""

ADD_PRIMARY_KEY = "ALTER TABLE cue_pairs ADD CONSTRAINT pk_cue_pairs PRIMARY KEY (pair, cue_id)"
DROP_PRIMARY_KEY = "ALTER TABLE cue_pairs DROP CONSTRAINT pk_cue_pairs"
INSERT_TRIGGER = "transcript_cues_pairs_ai"
"""The statement trigger that adds a new cue's pairs (its function and the update, delete and
truncate triggers are in migration 0008, written out there so that the revision stays frozen)."""

BULK_LOAD_BEGIN = [
    f"ALTER TABLE transcript_cues DISABLE TRIGGER {INSERT_TRIGGER}",
    DROP_PRIMARY_KEY,
]
"""Before a bulk COPY into `transcript_cues`: rows are added by `fill_statements` afterwards and
the primary key is built once, sorted, instead of per row."""
BULK_LOAD_END = [ADD_PRIMARY_KEY, f"ALTER TABLE transcript_cues ENABLE TRIGGER {INSERT_TRIGGER}"]


def fill_statements(max_cue_id: int, batch: int = FILL_BATCH) -> Iterator[tuple[int, str]]:
    """`(last cue id covered, INSERT)` per batch of cue ids, to fill `cue_pairs` from the cues
    up to `max_cue_id` (run them in order; report the first value as progress)."""
    for first in range(1, max_cue_id + 1, batch):
        last = min(first + batch - 1, max_cue_id)
        yield (
            last,
            "INSERT INTO cue_pairs (pair, cue_id) SELECT DISTINCT pair, c.id "
            "FROM transcript_cues c, unnest(string_to_array(c.search_pairs, ' ')) AS pair "
            f"WHERE c.id BETWEEN {first} AND {last}",
        )
