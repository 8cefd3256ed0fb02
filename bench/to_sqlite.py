"""Copy a generated PostgreSQL benchmark database into a SQLite file (the embedded default).

`bench.generate` writes PostgreSQL with COPY; SQLite figures use the same data at a smaller
scale, copied table by table into a SQLite file migrated by the server's own migrations (whose
triggers fill the FTS5 search index as the videos arrive).

    PG=postgresql://postgres@127.0.0.1/getnative_bench_100k
    createdb -h 127.0.0.1 -U postgres getnative_bench_100k
    uv run python -m bench.generate --database-url $PG \\
        --videos 100000 --users 20000 --channels 4000 --likes 200000
    uv run python -m bench.to_sqlite --from $PG --to sqlite:////tmp/getnative_bench_100k.sqlite3
"""

from __future__ import annotations

import argparse
import time

import sqlalchemy as sa

from getnative.db import Base, Database
from getnative.migrate import upgrade

BATCH = 5000
DERIVED = {"feed_entries"}
"""Tables the target's own triggers fill as the rows they derive from arrive."""


def copy(source_url: str, target_url: str) -> None:
    source = sa.create_engine(source_url.replace("postgresql://", "postgresql+psycopg://", 1))
    target = Database(target_url)
    upgrade(target.engine)
    target_meta = sa.MetaData()
    target_meta.reflect(target.engine)
    with source.connect() as reading, target.engine.begin() as writing:
        for table in Base.metadata.sorted_tables:
            if table.name not in target_meta.tables or table.name in DERIVED:
                continue
            columns = [c for c in table.columns if c.name in target_meta.tables[table.name].c]
            started = time.monotonic()
            rows = reading.execution_options(yield_per=BATCH).execute(
                sa.select(*columns).order_by(*table.primary_key.columns)
            )
            copied = 0
            for batch in rows.partitions(BATCH):
                writing.execute(table.insert(), [dict(row._mapping) for row in batch])
                copied += len(batch)
            print(f"{table.name}: {copied} rows in {time.monotonic() - started:.1f}s", flush=True)
    source.dispose()
    target.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--from", dest="source", required=True, help="PostgreSQL URL")
    parser.add_argument("--to", dest="target", required=True, help="sqlite:///PATH")
    args = parser.parse_args()
    copy(args.source, args.target)


if __name__ == "__main__":
    main()
