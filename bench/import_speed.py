"""Import speed: `getnative import` of a large catalog, first run and idempotent re-run.

Builds a catalog of N videos by repeating the demo catalog's videos under new keys (each keeps
its SRT transcript, collocations and questions), writes it as YAML, and times the importer on
the given database (migrated first). Prints videos per second for both runs.

    uv run python -m bench.import_speed --database-url sqlite:////tmp/import.sqlite3 --videos 2000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from getnative.catalog.importer import import_file
from getnative.cli import DEMO_CATALOG
from getnative.db import Database
from getnative.migrate import upgrade


def build_catalog(videos: int) -> dict[str, Any]:
    demo = yaml.safe_load(DEMO_CATALOG.read_text(encoding="utf-8"))
    templates = demo["videos"]
    demo["videos"] = [{**templates[n % len(templates)], "key": f"bench-{n}"} for n in range(videos)]
    return dict(demo)


def timed_import(db: Database, path: Path) -> float:
    started = time.perf_counter()
    import_file(db, path, progress=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--videos", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.yaml"
        path.write_text(yaml.safe_dump(build_catalog(args.videos), allow_unicode=True))
        size_mb = path.stat().st_size / 1e6
        db = Database(args.database_url, pool_size=2)
        upgrade(db.engine)
        first = timed_import(db, path)
        again = timed_import(db, path)
        db.dispose()
    print(f"{args.videos} videos, {size_mb:.1f} MB of YAML")
    print(f"first import: {first:.1f} s, {args.videos / first:.0f} videos/s")
    print(f"re-import (no change): {again:.1f} s, {args.videos / again:.0f} videos/s")


if __name__ == "__main__":
    main()
