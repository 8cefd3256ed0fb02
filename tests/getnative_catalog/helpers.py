"""Helpers for the catalog tests (kept here, not in tests/factories.py, to avoid conflicts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from getnative.catalog.importer import import_file
from getnative.catalog.models import (
    Category,
    Collocation,
    Speaker,
    Subcategory,
    Transcript,
    UsageExample,
    Video,
    VideoLocale,
    WritingQuestion,
)
from getnative.db import Database
from getnative.study.models import Cue

DEMO_CATALOG = Path(__file__).resolve().parents[2] / "src" / "getnative" / "demo" / "catalog.yaml"
COUNTED = (
    Category,
    Subcategory,
    Speaker,
    Video,
    VideoLocale,
    Transcript,
    Collocation,
    UsageExample,
    WritingQuestion,
)


def import_demo(db: Database) -> None:
    import_file(db, DEMO_CATALOG, progress=False)


def table_counts(db: Database) -> dict[str, int]:
    with db.session(write=False) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def video_id_by_key(db: Database, key: str) -> int:
    with db.session(write=False) as session:
        video_id = session.scalar(select(Video.id).where(Video.key == key))
        assert video_id is not None, key
        return video_id


def make_category(db: Database, name: str, subcategories: list[str]) -> list[int]:
    """A category with subcategories; returns the subcategory ids in order."""
    with db.session() as session:
        category = Category(name=name)
        category.subcategories = [Subcategory(name=sub) for sub in subcategories]
        session.add(category)
        session.flush()
        return [sub.id for sub in category.subcategories]


def make_external_video(db: Database, **fields: Any) -> Video:
    """A Rockpack YouTube video: same table, not part of the Get Native catalog."""
    fields.setdefault("source", "youtube")
    fields.setdefault("source_id", "dQw4w9WgXcQ")
    fields.setdefault("title", "Never gonna give you up")
    fields.setdefault("description", "business business business")
    fields.setdefault("search_document", "business business business")
    with db.session() as session:
        video = Video(**fields)
        session.add(video)
        session.flush()
        return video


def cue_rows(db: Database, user_id: int) -> list[int]:
    with db.session(write=False) as session:
        return sorted(session.scalars(select(Cue.video_id).where(Cue.user_id == user_id)))


def ids(response_json: dict[str, Any]) -> list[int]:
    assert response_json["count"] == len(response_json["records"])
    return [record["id"] for record in response_json["records"]]


def add_video_questions(db: Database, video_id: int, texts: list[str]) -> None:
    with db.session() as session:
        session.add_all(WritingQuestion(video_id=video_id, text=text) for text in texts)
