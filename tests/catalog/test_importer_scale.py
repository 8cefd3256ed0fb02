"""`getnative import` at scale: a re-run changes nothing at all, and progress is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from getnative.catalog.importer import import_file
from getnative.cli import DEMO_CATALOG
from getnative.db import Base, Database


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = connection.execute(sa.select(table).order_by(*order))
            tables[table.name] = [tuple(row) for row in rows]
    return tables


def test_reimporting_the_same_file_changes_no_row(db: Database) -> None:
    import_file(db, DEMO_CATALOG, progress=False)
    before = snapshot(db)
    report = import_file(db, DEMO_CATALOG, progress=False)
    after = snapshot(db)
    assert report.videos.created == 0
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [], f"a re-import rewrote rows of {changed}"


def test_import_shows_progress_on_stderr(db: Database, tmp_path: Path, capsys: Any) -> None:
    import_file(db, DEMO_CATALOG, progress=True)
    err = capsys.readouterr().err
    assert "reading" in err and "videos" in err


def test_imported_search_documents_match_the_rows(db: Database) -> None:
    """The importer builds each document from the file; it must equal the one the rows give."""
    from sqlalchemy import select

    from getnative.catalog.models import Video
    from getnative.catalog.search import refresh_search_document

    import_file(db, DEMO_CATALOG, progress=False)
    with db.session(write=False) as session:
        videos = list(session.scalars(select(Video)))
        stored = {video.id: video.search_document for video in videos}
        for video in videos:
            refresh_search_document(session, video)
            assert video.search_document == stored[video.id], video.key
        session.rollback()
