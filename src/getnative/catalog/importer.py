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
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

import yaml
from pydantic import (
    AfterValidator,
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
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session, selectinload
from tqdm import tqdm

from getnative.catalog.events import catalog_changed
from getnative.catalog.languages import catalog_lang
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
from getnative.catalog.search import build_document, normalize, word_pairs
from getnative.catalog.service import CATALOG_SOURCE, LANG_PATTERN
from getnative.catalog.subtitles import (
    MAX_TIME_MS,
    SubtitleError,
    TimedText,
    cues_to_text,
    joiner_for,
    parse_srt,
    parse_timing,
    parse_vtt,
)
from getnative.db import Database

# A speaker or subcategory appears on the site this long before its first video.
ADDED_BEFORE_FIRST_VIDEO = timedelta(days=30)


class CatalogImportError(Exception):
    """The file cannot be imported; the message is meant for the person running the import."""


# --- the file format --------------------------------------------------------------------------

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[\w.-]+$"),
]
# Stored as `GET /videos?lang=` looks it up: by language, region dropped (see `languages`).
Lang = Annotated[
    str,
    StringConstraints(max_length=35, pattern=LANG_PATTERN.pattern),
    AfterValidator(catalog_lang),
]
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
    created_at: Timestamp | None = None  # default: before its earliest video (`_Writer`)


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
    created_at: Timestamp | None = None  # default: before their earliest video (`_Writer`)


class CollocationIn(_Strict):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    description: str = ""
    pronunciation: Annotated[str, StringConstraints(max_length=500)] = ""
    usage_examples: list[Text] = Field(default_factory=list)


def _time_to_ms(value: Any) -> Any:
    """A cue time: seconds as a number (`5.2`), or a subtitle timestamp (`00:00:05.200`)."""
    if isinstance(value, bool):
        raise ValueError("a cue time is a number of seconds or a timestamp, not true/false")
    if isinstance(value, int | float):
        return round(value * 1000)
    if isinstance(value, str):
        try:
            return parse_timing(f"{value.strip()} --> {value.strip()}")[0]
        except SubtitleError:
            raise ValueError(f"{value!r} is not a time such as 5.2 or '00:00:05.200'") from None
    return value


CueTime = Annotated[int, BeforeValidator(_time_to_ms), Field(ge=0, le=MAX_TIME_MS)]


class CueIn(_Strict):
    """One cue of the timed form of a transcript."""

    start: CueTime
    end: CueTime
    text: Text

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("a cue cannot end before it starts")
        return self


class TranscriptIn(_Strict):
    """Exactly one of `srt`, `vtt`, `cues` or `text`; `plain_text` is what gets shown.

    `srt`, `vtt` and `cues` are timed: their cues are kept (`timed_cues`) for GET /clips.
    """

    _plain_text: str = PrivateAttr(default="")
    _cues: list[TimedText] = PrivateAttr(default_factory=list)

    lang: Lang
    srt: str | None = None
    vtt: str | None = None
    cues: list[CueIn] | None = None
    text: str | None = None
    collocations: list[CollocationIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        sources = ("srt", "vtt", "cues", "text")
        given = [name for name in sources if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a transcript needs exactly one of 'srt', 'vtt', 'cues' or 'text'")
        try:
            self._cues = self._timed()
        except SubtitleError as exc:
            raise ValueError(f"{given[0]}: {exc}") from None
        self._plain_text = self._convert()
        if not self._plain_text:
            raise ValueError("the transcript is empty")
        return self

    def _timed(self) -> list[TimedText]:
        if self.srt is not None:
            return parse_srt(self.srt, lang=self.lang)
        if self.vtt is not None:
            return parse_vtt(self.vtt, lang=self.lang)
        cues = self.cues or []
        return [TimedText(cue.start, cue.end, cue.text) for cue in cues]

    def _convert(self) -> str:
        if self.text is None:
            return cues_to_text(self._cues, lang=self.lang)
        lines = (line.strip() for line in self.text.splitlines())
        return joiner_for(self.lang).join(line for line in lines if line)

    @property
    def plain_text(self) -> str:
        return self._plain_text

    @property
    def timed_cues(self) -> list[TimedText]:
        """The cues in time order (empty for an untimed `text`)."""
        return sorted(self._cues, key=lambda cue: (cue.start_ms, cue.end_ms))


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
    views: int | None = Field(default=None, ge=0, le=2**31 - 1)  # the view count; kept if absent
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
        # libyaml's loader when PyYAML was built with it: several times faster on large files
        return yaml.load(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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

Record = TypeVar("Record", Category, Subcategory, Speaker)
"""A record the importer finds by its natural key or adds (`_Writer._found_or_added`)."""


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
    cues: int = 0
    collocations: int = 0
    writing_questions: int = 0

    def summary(self) -> str:
        return (
            f"imported {self.source}: categories {self.categories}, "
            f"subcategories {self.subcategories}, speakers {self.speakers}, "
            f"videos {self.videos}, transcripts {self.transcripts}, cues {self.cues}, "
            f"collocations {self.collocations}, writing questions {self.writing_questions}"
        )


class _Writer:
    """Upserts one validated file into one session."""

    def __init__(self, session: Session, report: ImportReport, media_url: str = "") -> None:
        self.session = session
        self.report = report
        self.media_url = media_url
        self.subcategories: dict[str, Subcategory] = {}
        self.speakers: dict[str, Speaker] = {}

    def _found_or_added(
        self, found: Record | None, tally: Tally, new: Callable[[], Record]
    ) -> Record:
        """`found`, or else a `new()` record added to the session; `tally` counts which."""
        tally.count(created=found is None)
        if found is None:
            found = new()
            self.session.add(found)
        return found

    def upsert_categories(self, categories: list[CategoryIn]) -> None:
        existing = {c.name: c for c in self.session.scalars(select(Category))}
        known = {s.name: s for s in self.session.scalars(select(Subcategory))}
        for item in categories:
            category = self._found_or_added(
                existing.get(item.name), self.report.categories, partial(Category, name=item.name)
            )
            self.session.flush()  # a new category's id, for its subcategories
            for sub in item.subcategories:
                subcategory = self._found_or_added(
                    known.get(sub.name),
                    self.report.subcategories,
                    partial(Subcategory, name=sub.name, category_id=category.id),
                )
                subcategory.category_id = category.id
                self.session.flush()
                self._questions(sub.writing_questions, subcategory_id=subcategory.id)
                self.subcategories[sub.name] = subcategory

    def upsert_speakers(self, speakers: list[SpeakerIn]) -> None:
        keys = [s.key for s in speakers]
        query = select(Speaker).where(Speaker.key.in_(keys))
        existing = {s.key: s for s in self.session.scalars(query)}
        for item in speakers:
            speaker = self._found_or_added(
                existing.get(item.key), self.report.speakers, partial(Speaker, key=item.key)
            )
            for name in ("name", "description", "location", "lang", "gender"):
                setattr(speaker, name, getattr(item, name))
            speaker.picture_url = self._url(item.picture_url)
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
        is_new = video is None
        self.report.videos.count(is_new)
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
        ):
            setattr(video, name, getattr(item, name))
        video.video_url = self._url(item.video_url) or ""
        video.thumbnail_image_url = self._url(item.thumbnail_image_url) or ""
        if item.created_at is not None:
            video.created_at = item.created_at
        if item.views is not None:
            video.view_count = item.views
        self.session.flush()
        self._replace_children(video, item, is_new=is_new)
        self._questions(item.writing_questions, video_id=video.id, is_new=is_new)
        # The document from the file itself: what refresh_search_document would read back from
        # the rows just written, without three queries a video.
        video.search_document = build_document(
            description=video.description,
            speaker=self.speakers[item.speaker].name,
            subcategory=self.subcategories[item.subcategory].name,
            transcripts=[transcript.plain_text for transcript in item.transcripts],
        )
        self.session.flush()

    def _url(self, value: str | None) -> str | None:
        """A media URL as stored: absolute URLs as given; a relative path names a file under the
        media path (the demo's pictures, `demo/...`) and becomes `<media URL>/<path>`."""
        if not value or "://" in value or value.startswith("/") or not self.media_url:
            return value
        return f"{self.media_url.rstrip('/')}/{value}"

    def date_speakers_and_subcategories(self, catalog: CatalogFile) -> None:
        """Date each speaker and subcategory of the file: its `created_at` if given, else
        `ADDED_BEFORE_FIRST_VIDEO` before its earliest video. Being dated at import time made a
        2016 video's speaker look newer than the video."""
        for speaker_in in catalog.speakers:
            speaker = self.speakers[speaker_in.key]
            self._date(speaker, speaker_in.created_at, Video.speaker_id == speaker.id)
        for category_in in catalog.categories:
            for sub_in in category_in.subcategories:
                subcategory = self.subcategories[sub_in.name]
                self._date(subcategory, sub_in.created_at, Video.subcategory_id == subcategory.id)
        self.session.flush()

    def _date(
        self, record: Speaker | Subcategory, given: datetime | None, videos: ColumnElement[bool]
    ) -> None:
        if given is not None:
            record.created_at = given
            return
        first_video = self.session.scalar(select(func.min(Video.created_at)).where(videos))
        if first_video is not None:
            record.created_at = first_video - ADDED_BEFORE_FIRST_VIDEO

    def _replace_children(self, video: Video, item: VideoIn, *, is_new: bool) -> None:
        """Make the video's transcripts and locales the file's; unchanged ones are left alone,
        so re-importing the same file rewrites no row (ids and timestamps stay)."""
        if not is_new and self._stored_children(video.id) == _file_children(item):
            for transcript in item.transcripts:
                self.report.transcripts += 1
                self.report.cues += len(transcript.timed_cues)
                self.report.collocations += len(transcript.collocations)
            return
        # The database cascades collocations and usage examples (ON DELETE CASCADE).
        self.session.execute(delete(Transcript).where(Transcript.video_id == video.id))
        self.session.execute(delete(VideoLocale).where(VideoLocale.video_id == video.id))
        self.session.expire(video, ["transcripts"])
        for locale in item.locales:
            self.session.add(VideoLocale(video_id=video.id, locale=locale))
        for transcript in item.transcripts:
            self.session.add(self._transcript(video.id, transcript))
            self.report.transcripts += 1
            self.report.cues += len(transcript.timed_cues)
            self.report.collocations += len(transcript.collocations)

    def _stored_children(self, video_id: int) -> tuple[Any, ...]:
        locales = self.session.scalars(
            select(VideoLocale.locale).where(VideoLocale.video_id == video_id)
        )
        transcripts = self.session.scalars(
            select(Transcript)
            .where(Transcript.video_id == video_id)
            .order_by(Transcript.id)
            .options(
                selectinload(Transcript.collocations).selectinload(Collocation.usage_examples),
                selectinload(Transcript.cues),
            )
        )
        return (
            tuple(sorted(locales)),
            tuple(
                (
                    t.lang,
                    t.text,
                    tuple((c.start_ms, c.end_ms, c.text) for c in sorted(t.cues, key=_cue_order)),
                    tuple(
                        (
                            c.text,
                            c.description,
                            c.pronunciation,
                            tuple(u.text for u in sorted(c.usage_examples, key=_position)),
                        )
                        for c in sorted(t.collocations, key=_position)
                    ),
                )
                for t in transcripts
            ),
        )

    @staticmethod
    def _transcript(video_id: int, item: TranscriptIn) -> Transcript:
        transcript = Transcript(video_id=video_id, lang=item.lang, text=item.plain_text)
        transcript.cues = [
            TranscriptCue(
                video_id=video_id,
                start_ms=cue.start_ms,
                end_ms=cue.end_ms,
                text=cue.text,
                search_text=normalize(cue.text),
                search_pairs=word_pairs(cue.text),
            )
            for cue in item.timed_cues
        ]
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
        self,
        texts: list[str],
        *,
        video_id: int | None = None,
        subcategory_id: int | None = None,
        is_new: bool = False,
    ) -> None:
        """Make the owner's questions exactly `texts`, keeping rows (and answers) that match."""
        owner = (
            WritingQuestion.video_id == video_id
            if video_id is not None
            else (WritingQuestion.subcategory_id == subcategory_id)
            & WritingQuestion.video_id.is_(None)
        )
        existing = (
            {}
            if is_new  # a video created just now has no questions yet: no query
            else {q.text: q for q in self.session.scalars(select(WritingQuestion).where(owner))}
        )
        for text, question in existing.items():
            if text not in texts:
                self.session.delete(question)
        for text in texts:
            if text not in existing:
                self.session.add(
                    WritingQuestion(video_id=video_id, subcategory_id=subcategory_id, text=text)
                )
        self.report.writing_questions += len(texts)


def _position(row: Collocation | UsageExample) -> int:
    return row.position


def _cue_order(cue: TranscriptCue) -> tuple[int, int, int]:
    return (cue.start_ms, cue.end_ms, cue.id)


def _file_children(item: VideoIn) -> tuple[Any, ...]:
    """The file's transcripts and locales in the shape of `_Writer._stored_children`."""
    return (
        tuple(sorted(item.locales)),
        tuple(
            (
                t.lang,
                t.plain_text,
                tuple((c.start_ms, c.end_ms, c.text) for c in t.timed_cues),
                tuple(
                    (c.text, c.description, c.pronunciation, tuple(c.usage_examples))
                    for c in t.collocations
                ),
            )
            for t in item.transcripts
        ),
    )


def import_catalog(
    db: Database,
    catalog: CatalogFile,
    *,
    source: str = "catalog",
    progress: bool = False,
    media_url: str = "",
) -> ImportReport:
    """Write an already validated catalog in one transaction. `media_url` (the public URL of the
    media path) turns relative media paths of the file into URLs."""
    report = ImportReport(source=source)
    with db.session() as session:
        writer = _Writer(session, report, media_url)
        writer.upsert_categories(catalog.categories)
        writer.upsert_speakers(catalog.speakers)
        writer.resolve_references(catalog.videos)
        for item in tqdm(catalog.videos, desc="videos", unit="video", disable=not progress):
            writer.upsert_video(item)
        writer.date_speakers_and_subcategories(catalog)
    catalog_changed()  # committed: pages rendered before it are stale
    return report


def import_file(db: Database, path: Path, *, progress: bool, media_url: str = "") -> ImportReport:
    """Validate `path` completely, then import it atomically; CatalogImportError if unusable."""
    if progress:
        size = path.stat().st_size if path.is_file() else 0
        print(f"reading and checking {path.name} ({size / 1e6:.1f} MB)", file=sys.stderr)
    catalog = load_catalog(path)
    if progress:
        print(f"{len(catalog.videos)} videos valid; writing", file=sys.stderr)
    return import_catalog(db, catalog, source=path.name, progress=progress, media_url=media_url)
