"""Imports every domain's models so that the metadata (and Alembic) sees all tables."""

from getnative.accounts.models import RefreshToken, User
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
from getnative.channels.models import (
    Channel,
    ContentReport,
    CoverArt,
    Subscription,
    VideoInstance,
    VideoView,
)
from getnative.db import Base
from getnative.likes.models import Like
from getnative.media.models import MediaFile
from getnative.notifications.models import Notification
from getnative.study.models import Cue, StudySession, WritingAnswer

__all__ = [
    "Base",
    "Category",
    "Channel",
    "Collocation",
    "ContentReport",
    "CoverArt",
    "Cue",
    "Like",
    "MediaFile",
    "Notification",
    "RefreshToken",
    "Speaker",
    "StudySession",
    "Subcategory",
    "Subscription",
    "Transcript",
    "UsageExample",
    "User",
    "Video",
    "VideoInstance",
    "VideoLocale",
    "VideoView",
    "WritingAnswer",
    "WritingQuestion",
]
