"""The like: one row per (video, user), whichever dialect created it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from getnative.db import Base, UTCDateTime, utcnow


class Like(Base):
    """A Get Native like, a Rockpack star and a likes-API like are all this row."""

    __tablename__ = "likes"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_like: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("video_id", "user_id", name="uq_likes_video_id_user_id"),)
