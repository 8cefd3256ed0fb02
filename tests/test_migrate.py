"""Migrations: the models and the migrations agree, and a revision can be written from them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from getnative import migrate
from getnative.db import Database
from getnative.models import Base


def test_models_and_migrations_agree(database: Database) -> None:
    """A model change without its revision (or a revision the models do not reflect) fails here."""
    assert migrate.schema_differences(database.engine) == []


def test_a_missing_revision_is_reported(database: Database) -> None:
    """The comparison sees a column the migrations never created, so the test above can fail."""
    models = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(models)
    models.tables["categories"].append_column(sa.Column("not_migrated", sa.Integer))
    differences = migrate.schema_differences(database.engine, models)
    assert [difference[0] for difference in differences] == ["add_column"]


def test_revision_is_numbered_after_the_last_one(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`getnative db revision` writes `NNNN_<slug>.py` revising the current head, into a copy of
    the migrations folder here so that the source tree is left alone."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", copy)
    heads = sorted(path.name[:4] for path in (copy / "versions").glob("[0-9]*.py"))

    path = migrate.write_revision(database.engine, "add nothing")

    expected_id = f"{int(heads[-1]) + 1:04d}"
    assert path.name == f"{expected_id}_add_nothing.py"
    text = path.read_text()
    assert f"revision: str = '{expected_id}'" in text or f'revision: str = "{expected_id}"' in text
    assert heads[-1] in text  # down_revision
