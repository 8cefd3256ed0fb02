"""Import a catalog file (YAML or JSON; format in docs/import-format.md) into the database.

The whole file is parsed and validated (pydantic) before anything is written, and then written in
ONE transaction: a malformed file, or one referring to a speaker or subcategory that exists
nowhere, leaves the database exactly as it was. Re-importing is idempotent: categories and
subcategories are matched by name, speakers and videos by `key`; matched records are updated,
a video's transcripts (with collocations and usage examples) and locales are replaced, and its
writing questions are matched by text so that users' writing answers to unchanged questions
survive. Nothing absent from the file is deleted, except a video's own questions, transcripts
and locales (the file is the truth about those).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from getnative.catalog.events import catalog_changed
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
from getnative.catalog.search import refresh_search_document
from getnative.catalog.service import CATALOG_SOURCE, LANG_PATTERN
from getnative.catalog.subtitles import SubtitleError, joiner_for, srt_to_text, vtt_to_text
from getnative.db import Database


class CatalogImportError(Exception):
    """The file cannot be imported; the message is meant for the person running the import."""


# --- the file format --------------------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[\w.-]+$"),
]
Lang = Annotated[str, StringConstraints(max_length=35, pattern=LANG_PATTERN.pattern)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


def _date_to_datetime(value: Any) -> Any:
    """YAML reads an unquoted `2016-01-04` as a date; accept it as midnight UTC."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


Timestamp = Annotated[datetime, BeforeValidator(_date_to_datetime)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)

    @field_validator("*", mode="before")
    @classmethod
    def _empty_list_for_null(cls, value: Any, info: ValidationInfo) -> Any:
        """`writing_questions:` with nothing after it is YAML null; read it as an empty list."""
        field_info = cls.model_fields.get(info.field_name or "")
        if value is None and field_info is not None and field_info.default_factory is list:
            return []
        return value


def _no_duplicates(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)


class SubcategoryIn(_Strict):
    name: Name
    writing_questions: list[Text] = Field(default_factory=list)


def _subcategory_from_name(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class CategoryIn(_Strict):
    name: Name
    subcategories: list[Annotated[SubcategoryIn, BeforeValidator(_subcategory_from_name)]] = Field(
        default_factory=list
    )


class SpeakerIn(_Strict):
    key: Key
    name: Name
    description: str = ""
    location: Annotated[str, StringConstraints(max_length=200)] = ""
    lang: Lang = "en"
    gender: Annotated[str, StringConstraints(max_length=16)] | None = None
    picture_url: Url | None = None


class CollocationIn(_Strict):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    description: str = ""
    pronunciation: Annotated[str, StringConstraints(max_length=500)] = ""
    usage_examples: list[Text] = Field(default_factory=list)


class TranscriptIn(_Strict):
    """Exactly one of `srt`, `vtt` or `text`; `plain_text` is what gets stored."""

    _plain_text: str = PrivateAttr(default="")

    lang: Lang
    srt: str | None = None
    vtt: str | None = None
    text: str | None = None
    collocations: list[CollocationIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        given = [name for name in ("srt", "vtt", "text") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a transcript needs exactly one of 'srt', 'vtt' or 'text'")
        try:
            self._plain_text = self._convert()
        except SubtitleError as exc:
            raise ValueError(f"{given[0]}: {exc}") from None
        if not self._plain_text:
            raise ValueError("the transcript is empty")
        return self

    def _convert(self) -> str:
        if self.srt is not None:
            return srt_to_text(self.srt, lang=self.lang)
        if self.vtt is not None:
            return vtt_to_text(self.vtt, lang=self.lang)
        lines = (line.strip() for line in (self.text or "").splitlines())
        return joiner_for(self.lang).join(line for line in lines if line)

    @property
    def plain_text(self) -> str:
        return self._plain_text


class VideoIn(_Strict):
    key: Key
    speaker: Key
    subcategory: Name
    lang: Lang
    title: Annotated[str, StringConstraints(max_length=300)] = ""
    description: str = ""
    length: int = Field(default=0, ge=0, le=86_400)
    loop_count: int = Field(default=0, ge=0, le=2**31 - 1)
    loop_velocity: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    video_url: Url = ""
    thumbnail_image_url: Url = ""
    created_at: Timestamp | None = None
    locales: list[Annotated[str, StringConstraints(min_length=1, max_length=35)]] = Field(
        default_factory=list
    )
    transcripts: list[TranscriptIn] = Field(default_factory=list)
    writing_questions: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_questions(self) -> Self:
        _no_duplicates(self.writing_questions, "writing question")
        _no_duplicates(self.locales, "locale")
        return self


class CatalogFile(_Strict):
    categories: list[CategoryIn] = Field(default_factory=list)
    speakers: list[SpeakerIn] = Field(default_factory=list)
    videos: list[VideoIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names_and_keys(self) -> Self:
        _no_duplicates((c.name for c in self.categories), "category")
        subcategories = (s.name for c in self.categories for s in c.subcategories)
        _no_duplicates(subcategories, "subcategory")
        _no_duplicates((s.key for s in self.speakers), "speaker key")
        _no_duplicates((v.key for v in self.videos), "video key")
        return self


# --- reading and validating -------------------------------------------------------------------


def _read(path: Path) -> Any:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogImportError(f"cannot read {path}: {exc}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(content)
        return yaml.safe_load(content)
    except json.JSONDecodeError as exc:
        raise CatalogImportError(f"{path}: invalid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise CatalogImportError(f"{path}: invalid YAML: {exc}") from None


def _location(loc: tuple[int | str, ...], data: Any) -> str:
    """`videos[3] (harold-business-cards).transcripts[0]` from a pydantic error location."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("key") or node.get("name"), str):
                parts.append(f" ({node.get('key') or node.get('name')})")
        else:
            if part.startswith("function-") or "[" in part:  # pydantic's internal step names
                continue
            parts.append(("." if parts else "") + part)
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts) or "(file)"


def _describe(error: ValidationError, data: Any, path: Path) -> str:
    lines = [f"{path}: {error.error_count()} problem(s), nothing was imported:"]
    for item in error.errors()[:50]:
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"  - {_location(tuple(item['loc']), data)}: {message}")
    return "\n".join(lines)


def load_catalog(path: Path) -> CatalogFile:
    """Parse and validate the whole file, or raise CatalogImportError saying what is wrong."""
    data = _read(path)
    if not isinstance(data, dict):
        raise CatalogImportError(f"{path}: the file must be a mapping with 'videos' and friends")
    try:
        return CatalogFile.model_validate(data)
    except ValidationError as exc:
        raise CatalogImportError(_describe(exc, data, path)) from None


# --- writing ----------------------------------------------------------------------------------


@dataclass
class Tally:
    created: int = 0
    updated: int = 0

    def count(self, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.updated += 1

    def __str__(self) -> str:
        return f"{self.created + self.updated} ({self.created} new, {self.updated} updated)"


@dataclass
class ImportReport:
    source: str
    categories: Tally = field(default_factory=Tally)
    subcategories: Tally = field(default_factory=Tally)
    speakers: Tally = field(default_factory=Tally)
    videos: Tally = field(default_factory=Tally)
    transcripts: int = 0
    collocations: int = 0
    writing_questions: int = 0

    def summary(self) -> str:
        return (
            f"imported {self.source}: categories {self.categories}, "
            f"subcategories {self.subcategories}, speakers {self.speakers}, "
            f"videos {self.videos}, transcripts {self.transcripts}, "
            f"collocations {self.collocations}, writing questions {self.writing_questions}"
        )


class _Writer:
    """Upserts one validated file into one session."""

    def __init__(self, session: Session, report: ImportReport) -> None:
        self.session = session
        self.report = report
        self.subcategories: dict[str, Subcategory] = {}
        self.speakers: dict[str, Speaker] = {}

    def upsert_categories(self, categories: list[CategoryIn]) -> None:
        existing = {c.name: c for c in self.session.scalars(select(Category))}
        known = {s.name: s for s in self.session.scalars(select(Subcategory))}
        for item in categories:
            category = existing.get(item.name)
            self.report.categories.count(category is None)
            if category is None:
                category = Category(name=item.name)
                self.session.add(category)
                self.session.flush()
            for sub in item.subcategories:
                subcategory = known.get(sub.name)
                self.report.subcategories.count(subcategory is None)
                if subcategory is None:
                    subcategory = Subcategory(name=sub.name, category_id=category.id)
                    self.session.add(subcategory)
                subcategory.category_id = category.id
                self.session.flush()
                self._questions(sub.writing_questions, subcategory_id=subcategory.id)
                self.subcategories[sub.name] = subcategory

    def upsert_speakers(self, speakers: list[SpeakerIn]) -> None:
        keys = [s.key for s in speakers]
        query = select(Speaker).where(Speaker.key.in_(keys))
        existing = {s.key: s for s in self.session.scalars(query)}
        for item in speakers:
            speaker = existing.get(item.key)
            self.report.speakers.count(speaker is None)
            if speaker is None:
                speaker = Speaker(key=item.key)
                self.session.add(speaker)
            for name in ("name", "description", "location", "lang", "gender", "picture_url"):
                setattr(speaker, name, getattr(item, name))
            self.speakers[item.key] = speaker
        self.session.flush()

    def resolve_references(self, videos: list[VideoIn]) -> None:
        """Find speakers and subcategories named by videos but not in the file; fail if absent."""
        missing_speakers = {v.speaker for v in videos} - self.speakers.keys()
        for speaker in self.session.scalars(
            select(Speaker).where(Speaker.key.in_(missing_speakers))
        ):
            self.speakers[speaker.key or ""] = speaker
        missing_subcategories = {v.subcategory for v in videos} - self.subcategories.keys()
        for subcategory in self.session.scalars(
            select(Subcategory).where(Subcategory.name.in_(missing_subcategories))
        ):
            self.subcategories[subcategory.name] = subcategory
        problems = [
            f"videos[{index}] ({video.key}): unknown {what} {name!r}"
            for index, video in enumerate(videos)
            for what, name, known in (
                ("speaker", video.speaker, self.speakers),
                ("subcategory", video.subcategory, self.subcategories),
            )
            if name not in known
        ]
        if problems:
            raise CatalogImportError(
                "nothing was imported; the file refers to records that exist neither in the file "
                "nor in the database:\n  - " + "\n  - ".join(problems)
            )

    def upsert_video(self, item: VideoIn) -> None:
        video = self.session.scalar(select(Video).where(Video.key == item.key))
        self.report.videos.count(video is None)
        if video is None:
            video = Video(key=item.key, source=CATALOG_SOURCE)
            self.session.add(video)
        video.speaker_id = self.speakers[item.speaker].id
        video.subcategory_id = self.subcategories[item.subcategory].id
        for name in (
            "lang",
            "title",
            "description",
            "length",
            "loop_count",
            "loop_velocity",
            "video_url",
            "thumbnail_image_url",
        ):
            setattr(video, name, getattr(item, name))
        if item.created_at is not None:
            video.created_at = item.created_at
        self.session.flush()
        self._replace_children(video, item)
        self._questions(item.writing_questions, video_id=video.id)
        refresh_search_document(self.session, video)
        self.session.flush()

    def _replace_children(self, video: Video, item: VideoIn) -> None:
        # The database cascades collocations and usage examples (ON DELETE CASCADE).
        self.session.execute(delete(Transcript).where(Transcript.video_id == video.id))
        self.session.execute(delete(VideoLocale).where(VideoLocale.video_id == video.id))
        self.session.expire(video, ["transcripts"])
        for locale in item.locales:
            self.session.add(VideoLocale(video_id=video.id, locale=locale))
        for transcript in item.transcripts:
            self.session.add(self._transcript(video.id, transcript))
            self.report.transcripts += 1
            self.report.collocations += len(transcript.collocations)

    @staticmethod
    def _transcript(video_id: int, item: TranscriptIn) -> Transcript:
        transcript = Transcript(video_id=video_id, lang=item.lang, text=item.plain_text)
        for position, collocation in enumerate(item.collocations):
            transcript.collocations.append(
                Collocation(
                    position=position,
                    text=collocation.text,
                    description=collocation.description,
                    pronunciation=collocation.pronunciation,
                    usage_examples=[
                        UsageExample(position=index, text=example)
                        for index, example in enumerate(collocation.usage_examples)
                    ],
                )
            )
        return transcript

    def _questions(
        self, texts: list[str], *, video_id: int | None = None, subcategory_id: int | None = None
    ) -> None:
        """Make the owner's questions exactly `texts`, keeping rows (and answers) that match."""
        owner = (
            WritingQuestion.video_id == video_id
            if video_id is not None
            else (WritingQuestion.subcategory_id == subcategory_id)
            & WritingQuestion.video_id.is_(None)
        )
        existing = {q.text: q for q in self.session.scalars(select(WritingQuestion).where(owner))}
        for text, question in existing.items():
            if text not in texts:
                self.session.delete(question)
        for text in texts:
            if text not in existing:
                self.session.add(
                    WritingQuestion(video_id=video_id, subcategory_id=subcategory_id, text=text)
                )
        self.report.writing_questions += len(texts)


def import_catalog(
    db: Database, catalog: CatalogFile, *, source: str = "catalog", progress: bool = False
) -> ImportReport:
    """Write an already validated catalog in one transaction."""
    report = ImportReport(source=source)
    with db.session() as session:
        writer = _Writer(session, report)
        writer.upsert_categories(catalog.categories)
        writer.upsert_speakers(catalog.speakers)
        writer.resolve_references(catalog.videos)
        for item in tqdm(catalog.videos, desc="videos", unit="video", disable=not progress):
            writer.upsert_video(item)
    catalog_changed()  # committed: pages rendered before it are stale
    return report


def import_file(db: Database, path: Path, *, progress: bool) -> ImportReport:
    """Validate `path` completely, then import it atomically; CatalogImportError if unusable."""
    catalog = load_catalog(path)
    return import_catalog(db, catalog, source=path.name, progress=progress)
