"""The streak rule on plain days (no database)."""

from __future__ import annotations

from datetime import date, timedelta

from getnative.study.service import canonical_lang, streaks

TODAY = date(2026, 3, 10)


def days_ago(*offsets: int) -> list[date]:
    return sorted(TODAY - timedelta(days=offset) for offset in offsets)


def test_no_days_no_streaks() -> None:
    assert streaks([], today=TODAY) == (0, 0)


def test_current_streak_ends_today() -> None:
    assert streaks(days_ago(0, 1, 2), today=TODAY) == (3, 3)


def test_current_streak_continues_through_yesterday() -> None:
    assert streaks(days_ago(1, 2), today=TODAY) == (2, 2)


def test_current_streak_is_broken_after_a_missed_day() -> None:
    assert streaks(days_ago(2, 3, 4), today=TODAY) == (0, 3)


def test_longest_streak_is_the_longest_run_ever() -> None:
    days = days_ago(0, 1, 5, 6, 7, 8, 20, 21)
    assert streaks(days, today=TODAY) == (2, 4)


def test_future_days_do_not_extend_the_current_streak() -> None:
    days = [TODAY - timedelta(days=1), TODAY + timedelta(days=3)]
    assert streaks(days, today=TODAY) == (1, 1)


def test_lang_tags_are_canonicalised() -> None:
    assert canonical_lang("EN") == "en"
    assert canonical_lang("zh-hant-tw") == "zh-Hant-TW"
    assert canonical_lang("en-us") == "en-US"
    assert canonical_lang("es-419") == "es-419"
