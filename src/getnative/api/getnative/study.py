"""Get Native routes: study sessions, statistics and writing answers.

Thin adapters over `getnative.study.service`: they check the JSON shape (strict types, so `"900"`
is not a number), turn query strings into values and render records in this dialect.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from getnative.api.getnative.deps import CurrentUser, DbSession
from getnative.api.getnative.render import gn_date, load_video_for_detail, render_video_detail
from getnative.catalog.models import WritingQuestion
from getnative.errors import InvalidInput
from getnative.study import service
from getnative.study.models import WritingAnswer

router = APIRouter(tags=["study"])

Model = TypeVar("Model", bound=BaseModel)

# A wrongly typed field gets the code of its rule where it has one, else `field_invalid`.
FIELD_ERROR_CODES = {"time": "time_invalid", "answer": "answer_invalid"}


class StudySessionIn(BaseModel):
    model_config = ConfigDict(strict=True)

    video_id: int
    time: int


class WritingAnswerIn(BaseModel):
    model_config = ConfigDict(strict=True)

    study_session_id: int
    writing_question_id: int
    answer: str


def parse_body(model: type[Model], body: Any) -> Model:
    """Validate a JSON body into `model`; any mismatch is a 400 naming the first bad field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise _body_error(exc) from None


def _body_error(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    if not field:
        return InvalidInput("The request body must be a JSON object.", code="invalid_input")
    if first["type"] == "missing":
        return InvalidInput(f"The field '{field}' is required.", code="field_missing", field=field)
    return InvalidInput(
        f"The field '{field}' is invalid: {first['msg']}.",
        code=FIELD_ERROR_CODES.get(field, "field_invalid"),
        field=field,
    )


# Optional so that a missing body is reported like any other non-object body.
JsonBody = Annotated[Any, Body()]


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body that `parse_body` validates itself (so errors get their own codes)."""
    schema = {"application/json": {"schema": model.model_json_schema()}}
    return {"requestBody": {"required": True, "content": schema}}


@router.post("/study", openapi_extra=documented_body(StudySessionIn))
def create_study_session(
    user: CurrentUser, session: DbSession, body: JsonBody = None
) -> dict[str, Any]:
    payload = parse_body(StudySessionIn, body)
    study = service.start_session(
        session, user_id=user.id, video_id=payload.video_id, time=payload.time
    )
    video = load_video_for_detail(session, study.video_id)
    assert video is not None  # just checked by start_session, in this transaction
    return {"id": study.id, "video": render_video_detail(session, video, user)}


@router.get("/study/stats/{lang}")
def get_study_stats(lang: str, user: CurrentUser, session: DbSession) -> dict[str, Any]:
    stats = service.study_stats(session, user=user, lang=lang)
    return {
        "lang": stats.lang,
        "total_time_studied": stats.total_time_studied,
        "consecutive_days": stats.consecutive_days,
        "total_study_sessions": stats.total_study_sessions,
        "longest_consecutive_days": stats.longest_consecutive_days,
        "maximum_words": stats.maximum_words,
        "maximum_wpm": stats.maximum_wpm,
        "today": stats.today.isoformat(),
        "study_days": {
            "count": len(stats.calendar),
            "records": [
                {"date": day.day.isoformat(), "sessions": day.sessions, "time": day.time}
                for day in stats.calendar
            ],
        },
    }


@router.post(
    "/study/writing_answers",
    status_code=204,
    openapi_extra=documented_body(WritingAnswerIn),
)
def create_writing_answer(user: CurrentUser, session: DbSession, body: JsonBody = None) -> Response:
    payload = parse_body(WritingAnswerIn, body)
    service.record_writing_answer(
        session,
        user_id=user.id,
        study_session_id=payload.study_session_id,
        writing_question_id=payload.writing_question_id,
        answer=payload.answer,
    )
    return Response(status_code=204)


@router.get("/study/writing_answers/{lang}")
def list_writing_answers(
    lang: str,
    user: CurrentUser,
    session: DbSession,
    since: Annotated[str | None, Query()] = None,
    max_id: Annotated[str | None, Query()] = None,
    count: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    rows = service.list_writing_answers(
        session,
        user_id=user.id,
        lang=lang,
        since=None if since is None else _millis_to_datetime(_whole_number("since", since)),
        max_id=None if max_id is None else _whole_number("max_id", max_id),
        count=service.DEFAULT_ANSWER_PAGE if count is None else _whole_number("count", count),
    )
    records = [render_writing_answer(answer, question) for answer, question in rows]
    return {"count": len(records), "records": records}


def render_writing_answer(answer: WritingAnswer, question: WritingQuestion) -> dict[str, Any]:
    return {
        "id": answer.id,
        "answer": answer.answer,
        "created_at": gn_date(answer.created_at),
        "study_session_id": answer.study_session_id,
        "lang": answer.lang,
        "word_count": answer.word_count,
        "wpm": answer.wpm,
        "writing_question": {"id": question.id, "text": question.text},
    }


MAX_QUERY_DIGITS = 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _whole_number(name: str, value: str) -> int:
    """A query parameter of ASCII digits only (no sign, no spaces, no exponent)."""
    if not value.isascii() or not value.isdigit() or len(value) > MAX_QUERY_DIGITS:
        raise InvalidInput(
            f"The parameter '{name}' must be a whole number.", code="field_invalid", field=name
        )
    return int(value)


def _millis_to_datetime(millis: int) -> datetime:
    """`since` is milliseconds since the epoch, as in the document's example."""
    try:
        return EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        raise InvalidInput(
            "The parameter 'since' is not a valid timestamp.", code="field_invalid", field="since"
        ) from None
