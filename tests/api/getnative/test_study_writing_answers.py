"""POST /study/writing_answers and GET /study/writing_answers/:lang."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.catalog.models import Video, WritingQuestion
from getnative.config import Settings
from getnative.db import Database, utcnow
from getnative.study.models import StudySession, WritingAnswer
from getnative.study.service import record_writing_answer
from tests.clients import error_code
from tests.factories import (
    add_answer,
    add_question,
    add_session,
    bearer,
    make_subcategory,
    make_user,
    make_video,
)

MINUTE = timedelta(minutes=1)


def stored_answers(db: Database) -> list[WritingAnswer]:
    with db.session(write=False) as session:
        return list(session.scalars(select(WritingAnswer).order_by(WritingAnswer.id)))


def arrange(
    db: Database, *, lang: str = "en", started: datetime | None = None
) -> tuple[User, Video, StudySession, WritingQuestion]:
    user = make_user(db)
    video = make_video(db, lang=lang)
    question = add_question(db, "What would you do?", video_id=video.id)
    study = add_session(db, user, video, started or utcnow())
    return user, video, study, question


# ---------------------------------------------------------------- POST


def test_an_answer_is_stored_with_its_word_count_and_speed(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user, _, study, question = arrange(db, started=utcnow() - 2 * MINUTE)
    text = "I would call the customer back and apologise for the delay."

    response = client.post(
        "/study/writing_answers",
        json={"study_session_id": study.id, "writing_question_id": question.id, "answer": text},
        headers=bearer(settings, user),
    )

    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["X-GN-Auth-Token"]
    [stored] = stored_answers(db)
    assert (stored.user_id, stored.study_session_id) == (user.id, study.id)
    assert (stored.writing_question_id, stored.lang, stored.answer) == (question.id, "en", text)
    assert stored.word_count == 11
    assert stored.wpm == 5  # 11 words in a little over two minutes


def test_a_japanese_answer_counts_characters_without_punctuation(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user, _, study, question = arrange(db, lang="ja-JP")
    response = client.post(
        "/study/writing_answers",
        json={
            "study_session_id": study.id,
            "writing_question_id": question.id,
            "answer": "お客様に、すぐ電話します。",
        },
        headers=bearer(settings, user),
    )
    assert response.status_code == 204
    [stored] = stored_answers(db)
    assert (stored.lang, stored.word_count) == ("ja-JP", 11)


def test_speed_is_measured_from_the_session_start_then_from_the_previous_answer(
    db: Database,
) -> None:
    start = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    user, video, study, question = arrange(db, started=start)
    second = add_question(db, "And then?", video_id=video.id)
    with db.session() as session:
        first = record_writing_answer(
            session,
            user_id=user.id,
            study_session_id=study.id,
            writing_question_id=question.id,
            answer=" ".join(["word"] * 30),
            now=start + 3 * MINUTE,
        )
        later = record_writing_answer(
            session,
            user_id=user.id,
            study_session_id=study.id,
            writing_question_id=second.id,
            answer=" ".join(["word"] * 30),
            now=start + 5 * MINUTE,
        )
    assert (first.word_count, first.wpm) == (30, 10)
    assert (later.word_count, later.wpm) == (30, 15)
    assert later.created_at == start + 5 * MINUTE


def test_an_instant_answer_is_floored_at_one_second(db: Database) -> None:
    start = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    user, _, study, question = arrange(db, started=start)
    with db.session() as session:
        answer = record_writing_answer(
            session,
            user_id=user.id,
            study_session_id=study.id,
            writing_question_id=question.id,
            answer="two words",
            now=start,
        )
    assert answer.wpm == 120


def test_a_question_of_the_videos_subcategory_is_accepted(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db)
    subcategory = make_subcategory(db)
    video = make_video(db, subcategory_id=subcategory.id)
    question = add_question(db, "Shared question", subcategory_id=subcategory.id)
    study = add_session(db, user, video, utcnow())
    response = client.post(
        "/study/writing_answers",
        json={"study_session_id": study.id, "writing_question_id": question.id, "answer": "Yes."},
        headers=bearer(settings, user),
    )
    assert response.status_code == 204
    assert stored_answers(db)[0].writing_question_id == question.id


def test_another_users_session_is_unknown(
    client: TestClient, settings: Settings, db: Database
) -> None:
    _, _, study, question = arrange(db)
    intruder = make_user(db)
    response = client.post(
        "/study/writing_answers",
        json={"study_session_id": study.id, "writing_question_id": question.id, "answer": "Hi"},
        headers=bearer(settings, intruder),
    )
    assert (response.status_code, error_code(response)) == (400, 152)
    assert stored_answers(db) == []


def test_unknown_sessions_and_foreign_questions_are_400(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user, _, study, question = arrange(db)
    elsewhere = add_question(db, "Another video's question", video_id=make_video(db).id)
    other_subcategory = add_question(db, "Elsewhere", subcategory_id=make_subcategory(db).id)
    orphan = add_question(db, "Attached to nothing")
    cases: list[tuple[Any, Any, int]] = [
        (987_654, question.id, 152),
        (0, question.id, 152),
        (2**31, question.id, 152),
        (2**40, question.id, 152),
        (2**64, question.id, 152),
        (10**30, question.id, 152),
        ("1", question.id, 103),
        (study.id, 987_654, 151),
        (study.id, -3, 151),
        (study.id, 2**31, 151),
        (study.id, 2**64, 151),
        (study.id, elsewhere.id, 151),
        (study.id, other_subcategory.id, 151),
        (study.id, orphan.id, 151),
        (study.id, str(question.id), 103),
        (study.id, None, 103),
    ]
    headers = bearer(settings, user)
    for session_id, question_id, code in cases:
        body = {"study_session_id": session_id, "writing_question_id": question_id, "answer": "A"}
        response = client.post("/study/writing_answers", json=body, headers=headers)
        assert (response.status_code, error_code(response)) == (400, code), (
            session_id,
            question_id,
        )
    assert stored_answers(db) == []


def test_the_answer_must_be_a_non_empty_text_of_at_most_10000_characters(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user, _, study, question = arrange(db)
    headers = {**bearer(settings, user), "Content-Type": "application/json"}
    prefix = f'{{"study_session_id": {study.id}, "writing_question_id": {question.id}, "answer": '
    for answer in ['""', '"   \\n "', f'"{"a" * 10_001}"', "123", "null", '["a"]', '"a\\u0000b"']:
        response = client.post(
            "/study/writing_answers", content=prefix + answer + "}", headers=headers
        )
        assert (response.status_code, error_code(response)) == (400, 154), answer[:20]
    lone_surrogate = client.post(
        "/study/writing_answers", content=prefix + '"\\ud800"}', headers=headers
    )
    assert (lone_surrogate.status_code, error_code(lone_surrogate)) == (400, 154)
    longest = client.post(
        "/study/writing_answers", content=prefix + f'"{"a" * 10_000}"}}', headers=headers
    )
    assert longest.status_code == 204
    assert [len(answer.answer) for answer in stored_answers(db)] == [10_000]


def test_malformed_answer_bodies_are_400(
    client: TestClient, settings: Settings, db: Database
) -> None:
    headers = {**bearer(settings, make_user(db)), "Content-Type": "application/json"}
    cases = [(b"{", 101), (b"[]", 100), (b"", 100), (b'{"answer": "x"}', 102)]
    for content, code in cases:
        response = client.post("/study/writing_answers", content=content, headers=headers)
        assert (response.status_code, error_code(response)) == (400, code), content


def test_posting_an_answer_needs_authentication(client: TestClient, db: Database) -> None:
    body = {"study_session_id": 1, "writing_question_id": 1, "answer": "x"}
    response = client.post("/study/writing_answers", json=body)
    assert (response.status_code, error_code(response)) == (401, 201)


def test_answers_raise_the_maximums_in_the_stats(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user, _, study, question = arrange(db, started=utcnow() - MINUTE)
    headers = bearer(settings, user)
    body = {"study_session_id": study.id, "writing_question_id": question.id, "answer": "a b c"}
    assert client.post("/study/writing_answers", json=body, headers=headers).status_code == 204
    stats = client.get("/study/stats/en", headers=headers).json()
    assert stats["maximum_words"] == 3
    assert 1 <= stats["maximum_wpm"] <= 3


# ---------------------------------------------------------------- GET


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_lists_the_callers_answers_in_the_language_newest_first(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user, _, study, question = arrange(db, lang="ja")
    created = datetime(2017, 1, 11, 4, 35, 55, tzinfo=UTC)
    older = add_answer(db, user, study, question, created - MINUTE, answer="古い", word_count=2)
    newer = add_answer(
        db, user, study, question, created, answer="これはテストです", word_count=8, wpm=12
    )
    other_user, other_video, _, _ = arrange(db, lang="ja")
    add_answer(db, other_user, add_session(db, other_user, other_video, created), question, created)
    english_video = make_video(db, lang="en")
    add_answer(db, user, add_session(db, user, english_video, created), question, created)

    response = client.get("/study/writing_answers/ja", headers=bearer(settings, user))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [record["id"] for record in body["records"]] == [newer.id, older.id]
    assert body["records"][0] == {
        "id": newer.id,
        "answer": "これはテストです",
        "created_at": "Wed Jan 11 04:35:55 +0000 2017",
        "study_session_id": study.id,
        "lang": "ja",
        "word_count": 8,
        "wpm": 12,
        "writing_question": {"id": question.id, "text": "What would you do?"},
    }


def test_since_max_id_and_count_page_through_answers(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user, _, study, question = arrange(db)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    answers = [
        add_answer(db, user, study, question, base + index * MINUTE, answer=f"Answer {index}")
        for index in range(5)
    ]
    ids = [answer.id for answer in answers]
    headers = bearer(settings, user)

    def listed(query: str) -> list[int]:
        response = client.get(f"/study/writing_answers/en?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [record["id"] for record in response.json()["records"]]

    assert listed("") == ids[::-1]
    assert listed("count=2") == [ids[4], ids[3]]
    assert listed(f"count=2&max_id={ids[3] - 1}") == [ids[2], ids[1]]
    assert listed(f"max_id={ids[1]}") == [ids[1], ids[0]]  # inclusive
    assert listed(f"since={ms(base + 3 * MINUTE)}") == [ids[4], ids[3]]  # inclusive
    assert listed(f"since={ms(base + 3 * MINUTE) + 1}") == [ids[4]]
    assert listed(f"since={ms(base)}&max_id={ids[2]}&count=1") == [ids[2]]
    assert listed("since=0") == ids[::-1]
    assert listed(f"max_id={2**31}") == ids[::-1]
    assert listed(f"max_id={2**63 - 1}") == ids[::-1]


def test_at_most_100_and_by_default_10_answers(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user, _, study, question = arrange(db)
    with db.session() as session:
        session.add_all(
            WritingAnswer(
                user_id=user.id,
                study_session_id=study.id,
                writing_question_id=question.id,
                lang="en",
                answer=f"Answer {index}",
                word_count=2,
                wpm=1,
            )
            for index in range(101)
        )
    headers = bearer(settings, user)
    assert client.get("/study/writing_answers/en", headers=headers).json()["count"] == 10
    full = client.get("/study/writing_answers/en?count=100", headers=headers).json()
    assert full["count"] == 100


def test_invalid_list_parameters_are_400(
    client: TestClient, settings: Settings, db: Database
) -> None:
    headers = bearer(settings, make_user(db))
    for query in [
        "since=abc",
        "since=-1",
        "since=1e3",
        "since=1.5",
        "since=",
        "since=99999999999999999",
        "since=" + "9" * 40,
        "max_id=0",
        "max_id=x",
        "max_id=-4",
        f"max_id={2**63}",
        "max_id=" + "9" * 40,
        "count=0",
        "count=101",
        "count=ten",
        "count=%EF%BC%95",  # a full-width digit 5
    ]:
        response = client.get(f"/study/writing_answers/en?{query}", headers=headers)
        assert (response.status_code, error_code(response)) == (400, 103), query
    bad_lang = client.get("/study/writing_answers/english!", headers=headers)
    assert (bad_lang.status_code, error_code(bad_lang)) == (400, 140)


def test_listing_answers_needs_authentication(client: TestClient, db: Database) -> None:
    response = client.get("/study/writing_answers/en")
    assert (response.status_code, error_code(response)) == (401, 201)
