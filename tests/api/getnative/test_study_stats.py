"""GET /study/stats/:lang and the local-day streak rules on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from getnative.accounts.models import User
from getnative.config import Settings
from getnative.db import Database, utcnow
from getnative.errors import InvalidInput
from getnative.study.service import study_stats
from tests.clients import error_code
from tests.factories import add_answer, add_question, add_session, bearer, make_user, make_video

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
TOKYO = 9 * 3600
NEW_YORK = -5 * 3600


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC instant in January 2026."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def streaks_of(db: Database, user: User, now: datetime, lang: str = "en") -> tuple[int, int]:
    with db.session(write=False) as session:
        stats = study_stats(session, user=user, lang=lang, now=now)
    return stats.consecutive_days, stats.longest_consecutive_days


def test_sessions_on_consecutive_utc_days_can_be_one_local_day(db: Database) -> None:
    video = make_video(db)
    tokyo = make_user(db, utc_offset=TOKYO)
    utc = make_user(db)
    for user in (tokyo, utc):
        add_session(db, user, video, at(5, 16))  # Tokyo: Jan 6 01:00
        add_session(db, user, video, at(6, 14))  # Tokyo: Jan 6 23:00
    now = at(6, 14, 30)
    assert streaks_of(db, tokyo, now) == (1, 1)
    assert streaks_of(db, utc, now) == (2, 2)


def test_sessions_on_one_utc_day_can_be_consecutive_local_days(db: Database) -> None:
    video = make_video(db)
    tokyo = make_user(db, utc_offset=TOKYO)
    utc = make_user(db, utc_offset=None)
    for user in (tokyo, utc):
        add_session(db, user, video, at(5, 14))  # Tokyo: Jan 5 23:00
        add_session(db, user, video, at(5, 16))  # Tokyo: Jan 6 01:00
    now = at(5, 20)
    assert streaks_of(db, tokyo, now) == (2, 2)
    assert streaks_of(db, utc, now) == (1, 1)


def test_yesterday_is_judged_in_local_days_east_of_utc(db: Database) -> None:
    video = make_video(db)
    tokyo = make_user(db, utc_offset=TOKYO)
    utc = make_user(db)
    for user in (tokyo, utc):
        add_session(db, user, video, at(9, 14))  # Tokyo: Jan 9 23:00
    now = at(10, 16)  # Tokyo: Jan 11 01:00, so Jan 9 is two local days ago
    assert streaks_of(db, tokyo, now) == (0, 1)
    assert streaks_of(db, utc, now) == (1, 1)


def test_yesterday_is_judged_in_local_days_west_of_utc(db: Database) -> None:
    video = make_video(db)
    new_york = make_user(db, utc_offset=NEW_YORK)
    utc = make_user(db)
    for user in (new_york, utc):
        add_session(db, user, video, at(8, 23))  # New York: Jan 8 18:00
    now = at(10, 3)  # New York: Jan 9 22:00, so Jan 8 was yesterday
    assert streaks_of(db, new_york, now) == (1, 1)
    assert streaks_of(db, utc, now) == (0, 1)


def test_current_streak_continues_through_yesterday_and_breaks_after(db: Database) -> None:
    video = make_video(db)
    user = make_user(db, utc_offset=TOKYO)
    for day in (1, 2, 3, 4, 7, 8, 9):
        add_session(db, user, video, at(day, 3))  # Tokyo: noon of the same day
    add_session(db, user, video, at(9, 5))  # two sessions on one day count once
    assert streaks_of(db, user, at(9, 6)) == (3, 4)  # today studied
    assert streaks_of(db, user, at(10, 6)) == (3, 4)  # not yet today: yesterday keeps it
    assert streaks_of(db, user, at(11, 6)) == (0, 4)  # a whole local day missed


def test_streaks_and_totals_are_per_language_and_per_user(db: Database) -> None:
    english = make_video(db, lang="en")
    japanese = make_video(db, lang="ja")
    user = make_user(db)
    other = make_user(db)
    add_session(db, user, english, at(1, 12), time=100)
    add_session(db, user, english, at(2, 12), time=200)
    add_session(db, user, japanese, at(3, 12), time=400)
    add_session(db, other, english, at(3, 12), time=800)
    with db.session(write=False) as session:
        en = study_stats(session, user=user, lang="en", now=at(3, 13))
        ja = study_stats(session, user=user, lang="ja", now=at(3, 13))
    assert (en.total_time_studied, en.total_study_sessions) == (300, 2)
    assert (en.consecutive_days, en.longest_consecutive_days) == (2, 2)
    assert (ja.total_time_studied, ja.total_study_sessions) == (400, 1)
    assert (ja.consecutive_days, ja.longest_consecutive_days) == (1, 1)


def test_stats_over_http_with_every_field(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db, utc_offset=TOKYO)
    video = make_video(db, lang="en")
    question = add_question(db, "Why?", video_id=video.id)
    now = utcnow()
    # A current streak of 3 local days (today, yesterday, the day before) and an older run of 4.
    sessions = [add_session(db, user, video, now - days * DAY, time=600) for days in range(3)]
    for days in (10, 11, 12, 13):
        add_session(db, user, video, now - days * DAY, time=60)
    add_answer(db, user, sessions[0], question, now, word_count=120, wpm=18)
    add_answer(db, user, sessions[1], question, now - DAY, word_count=80, wpm=31)
    other = make_user(db)
    other_session = add_session(db, other, video, now, time=9_999)
    add_answer(db, other, other_session, question, now, word_count=900, wpm=90)

    response = client.get("/study/stats/en", headers=bearer(settings, user))

    local = (now + timedelta(seconds=TOKYO)).date()
    # (days ago, seconds studied) of each local day, oldest first
    studied = [(13, 60), (12, 60), (11, 60), (10, 60), (2, 600), (1, 600), (0, 600)]
    assert response.status_code == 200
    assert response.json() == {
        "lang": "en",
        "total_time_studied": 3 * 600 + 4 * 60,
        "consecutive_days": 3,
        "total_study_sessions": 7,
        "longest_consecutive_days": 4,
        "maximum_words": 120,
        "maximum_wpm": 31,
        "today": local.isoformat(),
        "study_days": {
            "count": 7,
            "records": [
                {"date": (local - days * DAY).isoformat(), "sessions": 1, "time": seconds}
                for days, seconds in studied
            ],
        },
    }
    assert response.headers["X-GN-Auth-Token"]


def test_stats_without_study_are_zero(client: TestClient, settings: Settings, db: Database) -> None:
    response = client.get("/study/stats/zh-hant", headers=bearer(settings, make_user(db)))
    assert response.status_code == 200
    assert response.json() == {
        "lang": "zh-Hant",
        "total_time_studied": 0,
        "consecutive_days": 0,
        "total_study_sessions": 0,
        "longest_consecutive_days": 0,
        "maximum_words": 0,
        "maximum_wpm": 0,
        "today": utcnow().date().isoformat(),
        "study_days": {"count": 0, "records": []},
    }


def test_a_broken_streak_over_http_keeps_the_longest(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db)
    video = make_video(db, lang="en")
    now = utcnow()
    for days in (2, 3):
        add_session(db, user, video, now - days * DAY)
    body = client.get("/study/stats/EN", headers=bearer(settings, user)).json()
    assert (body["lang"], body["consecutive_days"], body["longest_consecutive_days"]) == (
        "en",
        0,
        2,
    )


def test_an_absurd_stored_offset_is_clamped(db: Database) -> None:
    user = make_user(db, utc_offset=10**9)
    add_session(db, user, make_video(db), at(5, 12))
    assert streaks_of(db, user, at(5, 12)) == (1, 1)


def test_stats_need_authentication(client: TestClient, db: Database) -> None:
    response = client.get("/study/stats/en")
    assert (response.status_code, error_code(response)) == (401, 201)


INVALID_LANGS = ["e", "english1", "a" * 40, "en_US", "en-", "-en", "1en", "en%20US", "日本"]


def test_invalid_lang_is_400(client: TestClient, settings: Settings, db: Database) -> None:
    headers = bearer(settings, make_user(db))
    for lang in INVALID_LANGS:
        response = client.get(f"/study/stats/{lang}", headers=headers)
        assert (response.status_code, error_code(response)) == (400, 140), lang


def test_invalid_lang_is_refused_by_the_service(db: Database) -> None:
    user = make_user(db)
    with db.session(write=False) as session, pytest.raises(InvalidInput) as raised:
        study_stats(session, user=user, lang="x-y-z")
    assert raised.value.code == "lang_invalid"
