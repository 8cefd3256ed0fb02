"""Arrangements for the study tests: rows written directly, with chosen timestamps.

`tests/factories.make_video(writing_questions=...)` cannot attach questions (WritingQuestion has
no `video` relationship), so questions are added here by id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from getnative.accounts.models import User
from getnative.catalog.models import Video, WritingQuestion
from getnative.db import Database
from getnative.study.models import StudySession, WritingAnswer


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


def code_of(response: Any) -> int:
    """The numeric code of a Get Native error response (exactly one error)."""
    errors = response.json()["errors"]
    assert len(errors) == 1
    return int(errors[0]["code"])
