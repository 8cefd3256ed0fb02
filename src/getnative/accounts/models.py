"""Users of every dialect: Get Native members, Rockpack users and likes-API IP users, one table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from getnative.db import Base, UTCDateTime, utcnow

USER_KIND_MEMBER = "member"
USER_KIND_IP = "ip"


class User(Base):
    """A person (member) or an anonymous IP identity (kind `ip`, no email, cannot log in)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=USER_KIND_MEMBER)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64))
    ip_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    name: Mapped[str | None] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(1))
    locale: Mapped[str | None] = mapped_column(String(35))
    lang: Mapped[str] = mapped_column(String(35), default="en")
    utc_offset: Mapped[int | None] = mapped_column(Integer)
    default_study_language_code: Mapped[str] = mapped_column(String(35), default="en")
    browser_notifications_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    email_notifications_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    picture_url: Mapped[str | None] = mapped_column(String(500))

    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        # Emails and usernames are unique among active accounts only: a deactivated account
        # frees its email for a new registration (spec README, "DELETE /account"). The
        # case-insensitive username index is in migration 0002 (an expression index).
        Index(
            "uq_users_active_email",
            "email",
            unique=True,
            postgresql_where=text("is_active AND email IS NOT NULL"),
            sqlite_where=text("is_active AND email IS NOT NULL"),
        ),
    )


class RefreshToken(Base):
    """A Rockpack OAuth refresh token; only its hash is stored, and it rotates on every use."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
