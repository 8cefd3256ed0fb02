"""Study rules: sessions, per-language statistics with local-day streaks, writing answers.

Plain functions over a SQLAlchemy session, shared by every dialect. Dates are stored in UTC;
days for streaks are the user's local days (`users.utc_offset` seconds east of UTC, UTC when
unknown). See docs/study.md for the rules in prose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, DateTime, Interval, cast, func, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from getnative.accounts.models import User
from getnative.catalog.languages import canonical_lang as canonical_lang  # re-exported
from getnative.catalog.languages import catalog_lang
from getnative.catalog.models import Video, WritingQuestion
from getnative.db import MAX_ID, utcnow
from getnative.errors import InvalidInput
from getnative.study.models import StudySession, WritingAnswer
from getnative.study.text_metrics import count_words, words_per_minute

CATALOG_SOURCE = "getnative"
MIN_SESSION_SECONDS = 1
MAX_SESSION_SECONDS = 86_400
MAX_ANSWER_LENGTH = 10_000
DEFAULT_ANSWER_PAGE = 10
MAX_ANSWER_PAGE = 100
# Real offsets lie within -12h..+14h; anything stored beyond +-18h is clamped, never trusted.
MAX_UTC_OFFSET_SECONDS = 18 * 3600


# ---------------------------------------------------------------- languages and ids


def is_db_id(value: int) -> bool:
    """Whether a record could have this id; other values are unknown, not a database error."""
    return 1 <= value <= MAX_ID


# ---------------------------------------------------------------- sessions


def start_session(session: Session, *, user_id: int, video_id: int, time: int) -> StudySession:
    """A study session of `time` seconds on a catalog video; it counts toward statistics at
    once, in the video's language."""
    if not MIN_SESSION_SECONDS <= time <= MAX_SESSION_SECONDS:
        raise InvalidInput(
            f"The time must be a whole number of seconds from {MIN_SESSION_SECONDS} "
            f"to {MAX_SESSION_SECONDS}.",
            code="time_invalid",
            field="time",
        )
    video_lang = None
    if is_db_id(video_id):
        video_lang = session.scalar(
            select(Video.lang).where(Video.id == video_id, Video.source == CATALOG_SOURCE)
        )
    if video_lang is None:
        raise InvalidInput("The video does not exist.", code="video_unknown", field="video_id")
    study = StudySession(
        user_id=user_id, video_id=video_id, lang=video_lang, time=time, created_at=utcnow()
    )
    session.add(study)
    session.flush()
    return study


# ---------------------------------------------------------------- statistics


@dataclass(frozen=True)
class StudyDay:
    """One local day studied: how many sessions, and their `time` in seconds."""

    day: date
    sessions: int
    time: int


# The calendar a client draws: 53 weeks, so a year of week columns is always complete.
CALENDAR_DAYS = 53 * 7


@dataclass(frozen=True)
class StudyStats:
    lang: str
    total_time_studied: int
    total_study_sessions: int
    consecutive_days: int
    longest_consecutive_days: int
    maximum_words: int
    maximum_wpm: int
    today: date
    calendar: tuple[StudyDay, ...]


def utc_offset_of(user: User) -> timedelta:
    seconds = user.utc_offset or 0
    seconds = max(-MAX_UTC_OFFSET_SECONDS, min(MAX_UTC_OFFSET_SECONDS, seconds))
    return timedelta(seconds=seconds)


def study_stats(
    session: Session, *, user: User, lang: str, now: datetime | None = None
) -> StudyStats:
    """The user's statistics in one language. Aggregates run in SQL; the streaks are computed
    from the distinct local days (at most one row per day studied)."""
    lang = catalog_lang(lang)
    offset = utc_offset_of(user)
    own_sessions = (StudySession.user_id == user.id, StudySession.lang == lang)
    total_time, total_sessions = session.execute(
        select(func.coalesce(func.sum(StudySession.time), 0), func.count()).where(*own_sessions)
    ).one()
    max_words, max_wpm = session.execute(
        select(
            func.coalesce(func.max(WritingAnswer.word_count), 0),
            func.coalesce(func.max(WritingAnswer.wpm), 0),
        ).where(WritingAnswer.user_id == user.id, WritingAnswer.lang == lang)
    ).one()
    days = daily_totals(session, user_id=user.id, lang=lang, offset=offset)
    today = ((now or utcnow()) + offset).date()
    current, longest = streaks([item.day for item in days], today=today)
    # The calendar a client draws: the days of the last CALENDAR_DAYS up to today.
    first = today - timedelta(days=CALENDAR_DAYS - 1)
    return StudyStats(
        lang=lang,
        total_time_studied=int(total_time),
        total_study_sessions=int(total_sessions),
        consecutive_days=current,
        longest_consecutive_days=longest,
        maximum_words=int(max_words),
        maximum_wpm=int(max_wpm),
        today=today,
        calendar=tuple(item for item in days if first <= item.day <= today),
    )


def daily_totals(session: Session, *, user_id: int, lang: str, offset: timedelta) -> list[StudyDay]:
    """The distinct local days with at least one session, oldest first, with their totals."""
    day = _local_day(session, offset).label("day")
    rows = session.execute(
        select(day, func.count(), func.coalesce(func.sum(StudySession.time), 0))
        .where(StudySession.user_id == user_id, StudySession.lang == lang)
        .group_by(day)
        .order_by(day)
    )
    return [StudyDay(_as_date(value), int(count), int(seconds)) for value, count, seconds in rows]


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _local_day(session: Session, offset: timedelta) -> ColumnElement[object]:
    """SQL for the local calendar day of a session's UTC `created_at`."""
    column = StudySession.created_at
    seconds = int(offset.total_seconds())
    if session.get_bind().dialect.name == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; date() shifts and truncates.
        return func.date(column, f"{seconds:+d} seconds")
    utc_wall_clock = func.timezone("UTC", column, type_=DateTime())
    return cast(utc_wall_clock + literal(timedelta(seconds=seconds), Interval()), Date)


def streaks(days: Sequence[date], *, today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days in ascending distinct `days`.

    The current streak is the run that ends today or yesterday (a day not studied yet today
    does not break it); otherwise 0. Days after `today` (clock skew) are ignored for it.
    """
    longest = 0
    current = 0
    run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        if day <= today:
            current = run if day >= today - timedelta(days=1) else 0
        previous = day
    return current, longest


# ---------------------------------------------------------------- writing answers


def validate_answer_text(answer: str) -> None:
    if not answer.strip() or len(answer) > MAX_ANSWER_LENGTH:
        raise InvalidInput(
            f"The answer must be a non-empty text of at most {MAX_ANSWER_LENGTH} characters.",
            code="answer_invalid",
            field="answer",
        )
    if "\x00" in answer or not _encodes_as_utf8(answer):
        raise InvalidInput(
            "The answer contains characters that cannot be stored.",
            code="answer_invalid",
            field="answer",
        )


def _encodes_as_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a JSON "\ud800" escape
        return False
    return True


def record_writing_answer(
    session: Session,
    *,
    user_id: int,
    study_session_id: int,
    writing_question_id: int,
    answer: str,
    now: datetime | None = None,
) -> WritingAnswer:
    """Store an answer to one of the session's writing questions, with its word count and wpm.

    The writing time runs from the moment the user could start on this answer: the session's
    start (when its questions were served), or the user's previous answer in the same session
    when there is one, since the questions are answered one after another.
    """
    validate_answer_text(answer)
    study = _own_session(session, user_id=user_id, study_session_id=study_session_id)
    question = _question_of_session(session, study, writing_question_id)
    now = now or utcnow()
    started = _writing_started_at(session, study)
    words = count_words(answer, study.lang)
    record = WritingAnswer(
        user_id=user_id,
        study_session_id=study.id,
        writing_question_id=question.id,
        lang=study.lang,
        answer=answer,
        word_count=words,
        wpm=words_per_minute(words, now - started),
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record


def _own_session(session: Session, *, user_id: int, study_session_id: int) -> StudySession:
    study = None
    if is_db_id(study_session_id):
        study = session.scalar(
            select(StudySession).where(
                StudySession.id == study_session_id, StudySession.user_id == user_id
            )
        )
    if study is None:
        raise InvalidInput(
            "The study session does not exist.",
            code="study_session_unknown",
            field="study_session_id",
        )
    return study


def _question_of_session(
    session: Session, study: StudySession, writing_question_id: int
) -> WritingQuestion:
    """The question, if it is one the session's video offers (its own or its subcategory's)."""
    question = None
    if is_db_id(writing_question_id):
        question = session.get(WritingQuestion, writing_question_id)
    if question is None or not _offers(session, study.video_id, question):
        raise InvalidInput(
            "The writing question does not belong to the study session's video.",
            code="writing_question_unknown",
            field="writing_question_id",
        )
    return question


def _offers(session: Session, video_id: int, question: WritingQuestion) -> bool:
    if question.video_id is not None:
        return question.video_id == video_id
    if question.subcategory_id is None:
        return False
    video_subcategory = session.scalar(select(Video.subcategory_id).where(Video.id == video_id))
    return question.subcategory_id == video_subcategory


def _writing_started_at(session: Session, study: StudySession) -> datetime:
    previous = session.scalar(
        select(func.max(WritingAnswer.created_at)).where(WritingAnswer.study_session_id == study.id)
    )
    return max(study.created_at, previous) if previous is not None else study.created_at


def list_writing_answers(
    session: Session,
    *,
    user_id: int,
    lang: str,
    since: datetime | None = None,
    max_id: int | None = None,
    count: int = DEFAULT_ANSWER_PAGE,
) -> list[tuple[WritingAnswer, WritingQuestion]]:
    """The user's answers in one language, newest first, with their questions.

    `max_id` is inclusive (the id cursor of the next page); `since` keeps answers created at
    or after it.
    """
    lang = catalog_lang(lang)
    if not 1 <= count <= MAX_ANSWER_PAGE:
        raise InvalidInput(
            f"count must be from 1 to {MAX_ANSWER_PAGE}.", code="field_invalid", field="count"
        )
    if max_id is not None and not 1 <= max_id <= MAX_ID:
        raise InvalidInput("max_id must be a positive id.", code="field_invalid", field="max_id")
    query = (
        select(WritingAnswer, WritingQuestion)
        .join(WritingQuestion, WritingQuestion.id == WritingAnswer.writing_question_id)
        .where(WritingAnswer.user_id == user_id, WritingAnswer.lang == lang)
        .order_by(WritingAnswer.id.desc())
        .limit(count)
    )
    if since is not None:
        query = query.where(WritingAnswer.created_at >= since)
    if max_id is not None:
        query = query.where(WritingAnswer.id <= max_id)
    return [(answer, question) for answer, question in session.execute(query).tuples()]
