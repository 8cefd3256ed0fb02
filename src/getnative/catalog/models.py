"""The video catalog: categories, speakers, videos, transcripts, collocations, writing questions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from getnative.db import Base, UTCDateTime, utcnow


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    subcategories: Mapped[list[Subcategory]] = relationship(
        back_populates="category", order_by="Subcategory.id"
    )


class Subcategory(Base):
    __tablename__ = "subcategories"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    category: Mapped[Category] = relationship(back_populates="subcategories")


class Speaker(Base):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(35), default="en")
    gender: Mapped[str | None] = mapped_column(String(16))
    picture_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Video(Base):
    """A video, native (Get Native catalog) or external (a Rockpack `["youtube", id]` pair).

    `like_count` is the denormalised like counter shared by every dialect; it is only ever
    changed in the same transaction as the like row it counts (see `getnative.likes.service`).
    """

    __tablename__ = "videos"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(32), default="getnative")
    source_id: Mapped[str | None] = mapped_column(String(100))
    source_username: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(35), default="en")
    # Indexed with the id (below): a speaker's newest videos are a related-videos walk.
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id", ondelete="SET NULL"))
    subcategory_id: Mapped[int | None] = mapped_column(
        ForeignKey("subcategories.id", ondelete="SET NULL"), index=True
    )
    length: Mapped[int] = mapped_column(Integer, default=0)
    loop_count: Mapped[int] = mapped_column(Integer, default=0)
    loop_velocity: Mapped[float | None] = mapped_column(Float)
    video_url: Mapped[str] = mapped_column(String(500), default="")
    thumbnail_image_url: Mapped[str] = mapped_column(String(500), default="")
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    search_document: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    speaker: Mapped[Speaker | None] = relationship()
    subcategory: Mapped[Subcategory | None] = relationship()
    transcripts: Mapped[list[Transcript]] = relationship(
        back_populates="video", order_by="Transcript.id", cascade="all, delete-orphan"
    )
    writing_questions: Mapped[list[WritingQuestion]] = relationship(
        order_by="WritingQuestion.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_videos_source_source_id"),
        Index("ix_videos_lang_id", "lang", "id"),
        Index("ix_videos_subcategory_id_id", "subcategory_id", "id"),
        Index("ix_videos_speaker_id_id", "speaker_id", "id"),
    )


class VideoLocale(Base):
    """Restricts a video to some locales; a video without rows is visible everywhere."""

    __tablename__ = "video_locales"

    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(35), primary_key=True)


class Transcript(Base):
    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    video: Mapped[Video] = relationship(back_populates="transcripts")
    collocations: Mapped[list[Collocation]] = relationship(
        order_by="Collocation.position", cascade="all, delete-orphan"
    )
    cues: Mapped[list[TranscriptCue]] = relationship(
        order_by="[TranscriptCue.start_ms, TranscriptCue.id]",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class TranscriptCue(Base):
    """One timed line of a transcript (an SRT/WebVTT cue): the moment a speaker says `text`.

    `video_id` repeats the transcript's video so that a search over cues reaches the video (its
    language, its catalog membership) without a join through transcripts. `search_text` is
    `text` in the normalised form of `getnative.catalog.search.normalize`, which is what the
    full-text indexes (FTS5 table `cue_search` on SQLite, `search_vector` on PostgreSQL) read.
    `search_pairs` (`search.word_pairs`) is copied by triggers into PostgreSQL's ordered
    `cue_pairs` table (`catalog.phrase_index`), which finds quoted phrases.
    """

    __tablename__ = "transcript_cues"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_pairs: Mapped[str] = mapped_column(Text, default="")

    video: Mapped[Video] = relationship()

    __table_args__ = (Index("ix_transcript_cues_video_id_start_ms", "video_id", "start_ms"),)


class Collocation(Base):
    __tablename__ = "collocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    pronunciation: Mapped[str] = mapped_column(String(500), default="")

    usage_examples: Mapped[list[UsageExample]] = relationship(
        order_by="UsageExample.position", cascade="all, delete-orphan"
    )


class UsageExample(Base):
    __tablename__ = "usage_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    collocation_id: Mapped[int] = mapped_column(
        ForeignKey("collocations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)


class WritingQuestion(Base):
    """A writing prompt attached to a video, or to a whole subcategory."""

    __tablename__ = "writing_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int | None] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), index=True
    )
    subcategory_id: Mapped[int | None] = mapped_column(
        ForeignKey("subcategories.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
