"""The `database` media backend's table: one row per stored image (see media/storage.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from getnative.db import Base, UTCDateTime, utcnow


class MediaFile(Base):
    __tablename__ = "media_files"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    etag: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # bytea on PostgreSQL
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
