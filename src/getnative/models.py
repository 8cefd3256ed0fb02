"""Imports every domain's models so that the metadata (and Alembic) sees all tables."""

from getnative.accounts.models import RefreshToken, User
from getnative.catalog.models import (
    Category,
    Collocation,
    Speaker,
    Subcategory,
    Transcript,
    TranscriptCue,
    UsageExample,
    Video,
    VideoLocale,
    WritingQuestion,
)
from getnative.channels.models import (
    Channel,
    ContentReport,
    CoverArt,
    FeedEntry,
    Subscription,
    VideoInstance,
    VideoView,
)
from getnative.db import Base
from getnative.likes.models import Like
from getnative.media.models import MediaFile
from getnative.notifications.models import Notification
from getnative.study.models import Cue, StudySession, WritingAnswer


def _never_reuse_ids() -> None:
    """AUTOINCREMENT on SQLite for every table keyed by an integer `id` (migration 0004), so the
    metadata describes the same tables the migrations build."""
    for table in Base.metadata.tables.values():
        if [column.name for column in table.primary_key] == ["id"]:
            table.dialect_kwargs["sqlite_autoincrement"] = True


_never_reuse_ids()

__all__ = [
    "Base",
    "Category",
    "Channel",
    "Collocation",
    "ContentReport",
    "CoverArt",
    "Cue",
    "FeedEntry",
    "Like",
    "MediaFile",
    "Notification",
    "RefreshToken",
    "Speaker",
    "StudySession",
    "Subcategory",
    "Subscription",
    "Transcript",
    "TranscriptCue",
    "UsageExample",
    "User",
    "Video",
    "VideoInstance",
    "VideoLocale",
    "VideoView",
    "WritingAnswer",
    "WritingQuestion",
]
