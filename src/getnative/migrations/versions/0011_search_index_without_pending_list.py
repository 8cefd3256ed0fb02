"""PostgreSQL: the videos' full-text GIN index takes its entries at once (`fastupdate = off`).

Every like toggle rewrites its video's row (the counter). A video row (1.4 kB on average, its
`search_vector` included) leaves no room on its page for a new version, so most of these
updates are not HOT and add the row's entries to every index of `videos`. With GIN's default
fast update they went to the index's pending list, and whichever statement found the list
over its limit merged it into the index: about 240 ms (18k pages read) every two seconds
under the likes benchmark, seen with auto_explain, while that statement held its locks. A
batch of toggles (`likes.toggle_batches`) held up that way holds all of its toggles, so the
likes API's p99 went to 200-300 ms. Without the pending list each update inserts its entries
itself: a little more work per update, no stall (bench/RESULTS.md, "Seventh session").

`ALTER INDEX ... SET` changes only the index's options (no rebuild); the entries pending at
that moment stay until the next VACUUM merges them, or `gin_clean_pending_list` does.
SQLite searches through FTS5 tables: nothing to do there.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_videos_search_vector SET (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_videos_search_vector RESET (fastupdate)")
