"""The one place tests arrange data: each call writes one record (with what it needs) in its
own committed transaction and returns it; the last section reads state back for assertions.

Plain functions, not shared fixtures, so every test states the data it depends on. A test that
needs a record of a kind not here adds its factory here, not in its own folder.
"""

from __future__ import annotations

import base64
import io
import itertools
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from getnative.accounts.models import User
from getnative.accounts.passwords import hash_password
from getnative.accounts.tokens import issue_token
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
from getnative.catalog.search import refresh_search_document
from getnative.channels.models import Channel, CoverArt, Subscription, VideoInstance
from getnative.config import Settings
from getnative.db import Database
from getnative.likes.models import Like
from getnative.notifications.models import Notification
from getnative.study.models import Cue, StudySession, WritingAnswer

_sequence = itertools.count(1)
DEFAULT_PASSWORD = "correct-horse-42"
DEMO_CATALOG = Path(__file__).resolve().parents[1] / "src" / "getnative" / "demo" / "catalog.yaml"
# Rockpack instances are dated from here (`make_instance(minutes=...)`), so their order is known.
T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
# Hashing is deliberately slow; factories reuse one hash for the default password.
_DEFAULT_HASH = hash_password(DEFAULT_PASSWORD)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_sequence)}"


def make_user(db: Database, *, password: str = DEFAULT_PASSWORD, **fields: Any) -> User:
    fields.setdefault("email", f"{unique('user')}@example.com")
    fields.setdefault(
        "password_hash", _DEFAULT_HASH if password == DEFAULT_PASSWORD else hash_password(password)
    )
    with db.session() as session:
        user = User(**fields)
        session.add(user)
        session.flush()
        return user


def make_member(db: Database, **fields: Any) -> User:
    """A Rockpack member: a user with a username and a full name."""
    fields.setdefault("username", unique("member"))
    fields.setdefault("first_name", "Paul")
    fields.setdefault("last_name", "Smith")
    return make_user(db, **fields)


def make_category(
    db: Database, name: str | None = None, subcategories: list[str] | None = None
) -> Category:
    """A category with the named subcategories (loaded: `category.subcategories[i].id`)."""
    with db.session() as session:
        category = Category(name=name or unique("Category "))
        category.subcategories = [Subcategory(name=sub) for sub in subcategories or []]
        session.add(category)
        session.flush()
        return category


def subcategory_ids(db: Database, name: str, subcategories: list[str]) -> list[int]:
    """The ids of a new category's subcategories, in order."""
    return [sub.id for sub in make_category(db, name, subcategories).subcategories]


def make_subcategory(
    db: Database, *, category: str | None = None, name: str | None = None
) -> Subcategory:
    """A subcategory in a new category of its own."""
    return make_category(db, category, [name or unique("Subcategory ")]).subcategories[0]


def make_speaker(db: Database, **fields: Any) -> Speaker:
    fields.setdefault("name", unique("Speaker "))
    fields.setdefault("description", "A native speaker.")
    fields.setdefault("location", "Somewhere")
    with db.session() as session:
        speaker = Speaker(**fields)
        session.add(speaker)
        session.flush()
        return speaker


def make_video(
    db: Database,
    *,
    lang: str = "en",
    transcript: str = "Hello and welcome to this video.",
    collocations: list[tuple[str, list[str]]] | None = None,
    writing_questions: list[str] | None = None,
    speaker_id: int | None = None,
    subcategory_id: int | None = None,
    created_at: datetime | None = None,
    **fields: Any,
) -> Video:
    """A catalog video with one transcript; speaker and subcategory made unless given."""
    speaker_id = speaker_id or make_speaker(db, lang=lang).id
    subcategory_id = subcategory_id or make_subcategory(db).id
    fields.setdefault("description", f"A video {unique('about ')} things.")
    fields.setdefault("length", 60)
    fields.setdefault("video_url", "https://static.example.com/v.mp4")
    fields.setdefault("thumbnail_image_url", "https://static.example.com/v.jpg")
    if created_at is not None:
        fields["created_at"] = created_at
    with db.session() as session:
        video = Video(lang=lang, speaker_id=speaker_id, subcategory_id=subcategory_id, **fields)
        session.add(video)
        script = Transcript(video=video, lang=lang, text=transcript)
        for position, (text, examples) in enumerate(collocations or []):
            script.collocations.append(
                Collocation(
                    position=position,
                    text=text,
                    description=f"About {text}",
                    pronunciation=text,
                    usage_examples=[
                        UsageExample(position=i, text=e) for i, e in enumerate(examples)
                    ],
                )
            )
        session.add(script)
        video.writing_questions.extend(WritingQuestion(text=q) for q in writing_questions or [])
        refresh_search_document(session, video)
        session.flush()
        return video


def video_and_user(db: Database) -> dict[str, int]:
    """A new catalog video and a new user as the keywords (`video_id`, `user_id`) of a rule
    that marks a video for a user: like, unlike, toggle, cue, uncue."""
    return {"video_id": make_video(db).id, "user_id": make_user(db).id}


def make_youtube_video(db: Database, *, locales: list[str] | None = None, **fields: Any) -> Video:
    """A Rockpack (YouTube) video: same table as the catalog, never part of the catalog."""
    source_id = fields.pop("source_id", unique("yt").ljust(11, "x")[:11])
    fields.setdefault("title", f"Video {source_id}")
    fields.setdefault("thumbnail_image_url", f"http://i.ytimg.com/vi/{source_id}/mqdefault.jpg")
    fields.setdefault("length", 62)
    with db.session() as session:
        video = Video(source="youtube", source_id=source_id, **fields)
        session.add(video)
        session.flush()
        for locale in locales or []:
            session.add(VideoLocale(video_id=video.id, locale=locale))
        return video


def import_demo(db: Database) -> None:
    import_file(db, DEMO_CATALOG, progress=False)


def add_question(
    db: Database, text: str, *, video_id: int | None = None, subcategory_id: int | None = None
) -> WritingQuestion:
    with db.session() as session:
        question = WritingQuestion(text=text, video_id=video_id, subcategory_id=subcategory_id)
        session.add(question)
        session.flush()
        return question


def add_session(
    db: Database, user: User, video: Video, created_at: datetime, *, time: int = 60
) -> StudySession:
    with db.session() as session:
        study = StudySession(
            user_id=user.id, video_id=video.id, lang=video.lang, time=time, created_at=created_at
        )
        session.add(study)
        session.flush()
        return study


def add_answer(
    db: Database,
    user: User,
    study: StudySession,
    question: WritingQuestion,
    created_at: datetime,
    **fields: Any,
) -> WritingAnswer:
    fields.setdefault("answer", "An answer.")
    fields.setdefault("word_count", 2)
    fields.setdefault("wpm", 10)
    with db.session() as session:
        answer = WritingAnswer(
            user_id=user.id,
            study_session_id=study.id,
            writing_question_id=question.id,
            lang=study.lang,
            created_at=created_at,
            **fields,
        )
        session.add(answer)
        session.flush()
        return answer


def add_notification(db: Database, user_id: int, title: str = "Hello", text: str = "Hi") -> int:
    with db.session() as session:
        notification = Notification(user_id=user_id, kind="welcome", title=title, text=text)
        session.add(notification)
        session.flush()
        return notification.id


def make_channel(db: Database, owner: User, *, public: bool = True, **fields: Any) -> Channel:
    fields.setdefault("title", unique("Channel "))
    fields.setdefault("description", "About things")
    with db.session() as session:
        channel = Channel(owner_id=owner.id, public=public, **fields)
        session.add(channel)
        session.flush()
        return channel


def make_instance(
    db: Database,
    channel: Channel,
    video: Video | None = None,
    position: int = 0,
    *,
    minutes: int = 0,
    locales: list[str] | None = None,
) -> VideoInstance:
    """`video` (a new YouTube one unless given) at `position`, added `minutes` after T0."""
    video = video or make_youtube_video(db, locales=locales)
    with db.session() as session:
        instance = VideoInstance(
            channel_id=channel.id,
            video_id=video.id,
            position=position,
            date_added=T0 + timedelta(minutes=minutes),
        )
        session.add(instance)
        session.flush()
        return instance


def subscribe(db: Database, user: User, channel: Channel) -> None:
    with db.session() as session:
        session.add(Subscription(user_id=user.id, channel_id=channel.id))
        row = session.get(Channel, channel.id)
        assert row is not None
        row.subscriber_count += 1


def set_public(db: Database, channel: Channel, public: bool) -> None:
    with db.session() as session:
        row = session.get(Channel, channel.id)
        assert row is not None
        row.public = public


def make_cover_art(db: Database, owner: User, cover_ref: str | None = None) -> CoverArt:
    with db.session() as session:
        ref = cover_ref or unique("ref")
        cover = CoverArt(
            owner_id=owner.id,
            cover_ref=ref,
            image_key=f"cover_art/{ref}.jpg",
            thumbnail_key=f"cover_art/{ref}-thumb.jpg",
            aoi=[0.1, 0.2, 0.9, 0.8],
        )
        session.add(cover)
        session.flush()
        return cover


def token(
    settings: Settings,
    user: User,
    *,
    audience: str = "getnative",
    ttl_seconds: int = 3600,
    secret: str | None = None,
) -> str:
    """An access token of `user` (signed with the server's secret unless another is given)."""
    return issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=secret or settings.jwt_secret,
        ttl_seconds=ttl_seconds,
        audience=audience,
    ).token


def bearer(settings: Settings, user: User, **token_options: Any) -> dict[str, str]:
    """The Authorization header of `token(settings, user, **token_options)`."""
    return {"Authorization": f"Bearer {token(settings, user, **token_options)}"}


def rockpack_bearer(settings: Settings, user: User) -> dict[str, str]:
    return bearer(settings, user, audience="rockpack")


# Uploads ---------------------------------------------------------------------------------------


def image_bytes(size: tuple[int, int] = (64, 48), *, mode: str = "RGB", fmt: str = "PNG") -> bytes:
    """An image file of one colour (half transparent in RGBA)."""
    color = {"RGB": (200, 30, 30), "RGBA": (200, 30, 30, 128)}.get(mode)
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt)
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# Reading state back ----------------------------------------------------------------------------

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


def table_counts(db: Database) -> dict[str, int]:
    """Rows of each catalog table, by table name."""
    with db.session(write=False) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def stored_user(db: Database, user: User | int) -> User:
    """The user's row as stored now."""
    with db.session(write=False) as session:
        found = session.get(User, user if isinstance(user, int) else user.id)
        assert found is not None
        return found


def video_id_by_key(db: Database, key: str) -> int:
    with db.session(write=False) as session:
        video_id = session.scalar(select(Video.id).where(Video.key == key))
        assert video_id is not None, key
        return video_id


def cue_rows(db: Database, user_id: int) -> list[int]:
    """The ids of the videos the user cued, in id order."""
    with db.session(write=False) as session:
        return sorted(session.scalars(select(Cue.video_id).where(Cue.user_id == user_id)))


def instance_rows(db: Database, channel: Channel) -> list[tuple[int, int, int]]:
    """(id, video_id, position) of the channel's instances in channel order."""
    with db.session(write=False) as session:
        rows = session.query(VideoInstance).filter_by(channel_id=channel.id)
        ordered = sorted(rows, key=lambda i: (i.position, i.id))
        return [(i.id, i.video_id, i.position) for i in ordered]


def subscriber_state(db: Database, channel: Channel) -> tuple[int, int]:
    """(subscriber_count, number of subscription rows) of the channel."""
    with db.session(write=False) as session:
        count = session.scalar(select(Channel.subscriber_count).where(Channel.id == channel.id))
        rows = session.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.channel_id == channel.id)
        )
        return count or 0, rows or 0


def like_state(db: Database, video_id: int) -> tuple[int, int]:
    """(like_count, number of like rows) of the video."""
    with db.session(write=False) as session:
        count = session.scalar(select(Video.like_count).where(Video.id == video_id))
        rows = session.scalar(
            select(func.count()).select_from(Like).where(Like.video_id == video_id)
        )
        return count or 0, rows or 0
