"""Declared success bodies of the Get Native catalog reads (`GET /videos`, `GET /videos/:id`).

TypedDicts: the renderers build plain dicts of exactly this shape and the routes serialise them
with orjson, without validating them again (see docs/performance.md); FastAPI reads these types
only to document the bodies in the served OpenAPI document.
"""

from __future__ import annotations

from typing import NotRequired

from typing_extensions import TypedDict  # pydantic needs it below Python 3.12


class SpeakerBody(TypedDict):
    id: int
    name: str
    description: str
    location: str
    lang: str
    gender: str | None
    created_at: str
    picture_url: str
    thumbnail_image_url: str
    is_silhouette_picture: bool


class SubcategoryBody(TypedDict):
    id: int
    name: str
    category_id: int
    created_at: str


class CueBody(TypedDict):
    """A timed cue: milliseconds from the start of the video, and what is said."""

    start_ms: int
    end_ms: int
    text: str


class VideoSummary(TypedDict):
    id: int
    created_at: str
    lang: str
    description: str
    speaker: SpeakerBody | None
    subcategory: SubcategoryBody | None
    loop_count: int
    loop_velocity: float | None
    thumbnail_image_url: str
    picture_url: str
    video_url: str
    length: int
    like_count: int
    cued: bool | None
    liked: bool | None
    matches: NotRequired[list[CueBody]]  # only on a search: up to 3 matching cues, time order


class VideoList(TypedDict):
    count: int
    records: list[VideoSummary]


class Clip(TypedDict):
    """A moment: a cue (its id) of a catalog video, with the video's summary."""

    id: int
    video: VideoSummary
    start_ms: int
    end_ms: int
    text: str


class ClipList(TypedDict):
    count: int
    records: list[Clip]


class UsageExample(TypedDict):
    text: str


class UsageExampleList(TypedDict):
    count: int
    records: list[UsageExample]


class CollocationBody(TypedDict):
    id: int
    text: str
    description: str | None
    pronunciation: str | None
    ipa_spelling: str | None
    usage_examples: UsageExampleList


class CollocationList(TypedDict):
    count: int
    records: list[CollocationBody]


class TranscriptBody(TypedDict):
    id: int
    text: str
    lang: str
    language_code: str
    collocations: CollocationList
    cues: list[CueBody]


class TranscriptList(TypedDict):
    count: int
    records: list[TranscriptBody]


class OwnLike(TypedDict):
    id: int
    created_at: str


class LikesBody(TypedDict):
    count: int
    records: list[OwnLike]


class WritingQuestion(TypedDict):
    id: int
    text: str


class WritingQuestionList(TypedDict):
    count: int
    records: list[WritingQuestion]


class VideoDetail(VideoSummary):
    related_videos: VideoList
    has_related_videos: bool
    likes: LikesBody
    transcripts: TranscriptList
    writing_questions: WritingQuestionList
