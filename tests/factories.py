"""Factories: each call arranges one record in its own committed transaction and returns it.

Plain functions, not shared fixtures, so every test states the data it depends on.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from getnative.accounts.models import User
from getnative.accounts.passwords import hash_password
from getnative.accounts.tokens import issue_token
from getnative.catalog.models import (
    Category,
    Collocation,
    Speaker,
    Subcategory,
    Transcript,
    UsageExample,
    Video,
    WritingQuestion,
)
from getnative.catalog.search import refresh_search_document
from getnative.config import Settings
from getnative.db import Database

_sequence = itertools.count(1)
DEFAULT_PASSWORD = "correct-horse-42"
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


def make_subcategory(
    db: Database, *, category: str | None = None, name: str | None = None
) -> Subcategory:
    with db.session() as session:
        parent = Category(name=category or unique("Category "))
        subcategory = Subcategory(category=parent, name=name or unique("Subcategory "))
        session.add(subcategory)
        session.flush()
        return subcategory


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


def bearer(settings: Settings, user: User, *, audience: str = "getnative") -> dict[str, str]:
    issued = issue_token(
        user_id=user.id,
        token_version=user.token_version,
        secret=settings.jwt_secret,
        ttl_seconds=3600,
        audience=audience,
    )
    return {"Authorization": f"Bearer {issued.token}"}
