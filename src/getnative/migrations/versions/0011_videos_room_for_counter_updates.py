"""PostgreSQL: video pages keep a fifth free (`fillfactor = 80`), so that a counter update
(a like, a view) is a HOT update.

Every like toggle rewrites its video's row. A video row is wide (1.4 kB on average with its
`search_vector`: five to a page), and on full pages the new version went to another page and
into all eight indexes of `videos`, the full-text GIN index included: 42 % of the counter
updates were not HOT under the likes benchmark. GIN's pending list then filled within about
two seconds, and whichever statement crossed its limit merged it into the index, about 240 ms
(18k pages read, seen with auto_explain) while that statement held its locks. With a fifth of
each page free, the new version fits beside the old one and no index is touched: 98 % of the
updates were HOT, the raw-driver anchor's `/like` went from about 4,000 to 5,500 req/s on the
same data, and the stalls were gone (bench/RESULTS.md, "Seventh session"). The price is a
table about a quarter larger.

The setting applies to pages written from now on. On an existing database the old pages stay
full until rewritten: `VACUUM FULL videos` (which locks the table) or pg_repack at a quiet
hour makes it apply at once; otherwise each updated row moves to a page filled to 80 %, so it
applies little by little. SQLite has no such setting: nothing to do there.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIDEOS_FILLFACTOR = 80


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE videos SET (fillfactor = {VIDEOS_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE videos RESET (fillfactor)")
