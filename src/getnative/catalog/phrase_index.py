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

Revision 0008 creates it and fills it from existing cues (`fill_statements`, in batches with
progress); `bench.generate` disables the insert trigger during its COPY and fills the table the
same way afterwards (`BULK_LOAD_*`).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import column, table

cue_pairs = table("cue_pairs", column("pair"), column("cue_id"))
"""The table for Core statements (it is not a model: PostgreSQL only, derived, never written by
the application)."""

FILL_BATCH = 500_000
"""Cue ids per filling statement: about 10 s each on the bench machine, so progress shows."""

_PAIRS_OF = "unnest(string_to_array({alias}.search_pairs, ' ')) AS pair"

CREATE_TABLE = "CREATE TABLE cue_pairs (pair text NOT NULL, cue_id bigint NOT NULL)"
ADD_PRIMARY_KEY = "ALTER TABLE cue_pairs ADD CONSTRAINT pk_cue_pairs PRIMARY KEY (pair, cue_id)"
DROP_PRIMARY_KEY = "ALTER TABLE cue_pairs DROP CONSTRAINT pk_cue_pairs"

_FUNCTIONS = {
    "cue_pairs_insert": (
        "INSERT INTO cue_pairs (pair, cue_id) "
        f"SELECT DISTINCT pair, n.id FROM new_cues n, {_PAIRS_OF.format(alias='n')};"
    ),
    "cue_pairs_delete": (
        "DELETE FROM cue_pairs p USING "
        f"(SELECT DISTINCT pair, o.id FROM old_cues o, {_PAIRS_OF.format(alias='o')}) gone "
        "WHERE p.pair = gone.pair AND p.cue_id = gone.id;"
    ),
    # Transition tables forbid a column list on an UPDATE trigger, so unchanged pairs are
    # skipped here instead.
    "cue_pairs_update": (
        "DELETE FROM cue_pairs p USING "
        f"(SELECT DISTINCT pair, o.id FROM old_cues o JOIN new_cues n ON n.id = o.id, "
        f"{_PAIRS_OF.format(alias='o')} WHERE o.search_pairs <> n.search_pairs) gone "
        "WHERE p.pair = gone.pair AND p.cue_id = gone.id; "
        "INSERT INTO cue_pairs (pair, cue_id) "
        "SELECT DISTINCT pair, n.id FROM old_cues o JOIN new_cues n ON n.id = o.id, "
        f"{_PAIRS_OF.format(alias='n')} WHERE o.search_pairs <> n.search_pairs;"
    ),
    "cue_pairs_truncate": "TRUNCATE cue_pairs;",
}
_TRIGGERS = {
    "transcript_cues_pairs_ai": (
        "AFTER INSERT",
        "REFERENCING NEW TABLE AS new_cues",
        "cue_pairs_insert",
    ),
    "transcript_cues_pairs_ad": (
        "AFTER DELETE",
        "REFERENCING OLD TABLE AS old_cues",
        "cue_pairs_delete",
    ),
    "transcript_cues_pairs_au": (
        "AFTER UPDATE",
        "REFERENCING OLD TABLE AS old_cues NEW TABLE AS new_cues",
        "cue_pairs_update",
    ),
    "transcript_cues_pairs_at": ("AFTER TRUNCATE", "", "cue_pairs_truncate"),
}
INSERT_TRIGGER = "transcript_cues_pairs_ai"

CREATE_TRIGGERS = [
    *(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} "
        "RETURN NULL; END $$"
        for name, body in _FUNCTIONS.items()
    ),
    *(
        f"CREATE TRIGGER {name} {event} ON transcript_cues {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        for name, (event, referencing, function) in _TRIGGERS.items()
    ),
]
DROP = [
    *(f"DROP TRIGGER {name} ON transcript_cues" for name in _TRIGGERS),
    *(f"DROP FUNCTION {name}()" for name in _FUNCTIONS),
    "DROP TABLE cue_pairs",
]

BULK_LOAD_BEGIN = [
    f"ALTER TABLE transcript_cues DISABLE TRIGGER {INSERT_TRIGGER}",
    DROP_PRIMARY_KEY,
]
"""Before a bulk COPY into `transcript_cues`: rows are added by `fill_statements` afterwards and
the primary key is built once, sorted, instead of per row."""
BULK_LOAD_END = [ADD_PRIMARY_KEY, f"ALTER TABLE transcript_cues ENABLE TRIGGER {INSERT_TRIGGER}"]

MAX_CUE_ID = "SELECT coalesce(max(id), 0) FROM transcript_cues"


def fill_statements(max_cue_id: int, batch: int = FILL_BATCH) -> Iterator[tuple[int, str]]:
    """`(last cue id covered, INSERT)` per batch of cue ids, to fill `cue_pairs` from the cues
    up to `max_cue_id` (run them in order; report the first value as progress)."""
    for first in range(1, max_cue_id + 1, batch):
        last = min(first + batch - 1, max_cue_id)
        yield (
            last,
            "INSERT INTO cue_pairs (pair, cue_id) "
            f"SELECT DISTINCT pair, c.id FROM transcript_cues c, {_PAIRS_OF.format(alias='c')} "
            f"WHERE c.id BETWEEN {first} AND {last}",
        )
