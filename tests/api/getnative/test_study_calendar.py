"""GET /study/stats/:lang carries the calendar a client draws: `today` and `study_days`."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from getnative.config import Settings
from getnative.db import Database, utcnow
from getnative.study.service import CALENDAR_DAYS
from tests.factories import add_session, bearer, make_user, make_video


def test_stats_list_the_local_days_studied_in_the_last_year_with_their_totals(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db, utc_offset=0)
    video = make_video(db, lang="en")
    add_session(db, user, video, utcnow() - timedelta(0), time=600)
    add_session(db, user, video, utcnow() - timedelta(0), time=300)
    add_session(db, user, video, utcnow() - timedelta(days=2), time=900)
    add_session(db, user, video, utcnow() - timedelta(days=CALENDAR_DAYS + 2), time=60)

    stats = client.get("/study/stats/en", headers=bearer(settings, user)).json()

    today = utcnow().date()
    assert stats["today"] == today.isoformat()
    assert stats["study_days"] == {
        "count": 2,
        "records": [
            {"date": (today - timedelta(days=2)).isoformat(), "sessions": 1, "time": 900},
            {"date": today.isoformat(), "sessions": 2, "time": 900},
        ],
    }
    assert stats["total_study_sessions"] == 4  # the old day still counts, only off the calendar
    assert stats["consecutive_days"] == 1


def test_calendar_days_are_the_account_local_days(
    client: TestClient, settings: Settings, db: Database
) -> None:
    user = make_user(db, utc_offset=14 * 3600)
    video = make_video(db, lang="en")
    add_session(db, user, video, utcnow() - timedelta(0), time=60)

    stats = client.get("/study/stats/en", headers=bearer(settings, user)).json()

    local_today = (utcnow() + timedelta(hours=14)).date().isoformat()
    assert stats["today"] == local_today
    assert [day["date"] for day in stats["study_days"]["records"]] == [local_today]


def test_no_sessions_no_days(client: TestClient, settings: Settings, db: Database) -> None:
    user = make_user(db)
    stats = client.get("/study/stats/ja", headers=bearer(settings, user)).json()
    assert stats["study_days"] == {"count": 0, "records": []}
