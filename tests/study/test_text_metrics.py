"""Word counting and typing speed rules (pure functions, no database)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from getnative.study.text_metrics import count_words, is_spaceless, words_per_minute


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, world! It's a nice day — isn't it?", 8),
        ("  many   spaces\tand\nnew lines  ", 5),
        ("e-mail 3.5 don't", 3),
        ("... — !!! ??", 0),
        ("😀 ok", 1),
        ("Grüße aus Köln", 3),
    ],
)
def test_english_counts_tokens_with_a_letter_or_digit(text: str, expected: int) -> None:
    assert count_words(text, "en") == expected
    assert count_words(text, "en-GB") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("今日は、いい天気ですね。", "ja", 10),
        ("「はい」！", "ja", 2),
        ("今日 は  晴れ", "ja-JP", 5),
        ("２０２６年", "ja", 5),
        ("か\u3099", "ja", 1),  # decomposed が: the combining mark is part of its character
        ("😀★♪", "ja", 0),
        ("你好，世界！", "zh", 4),
        ("你好，世界！", "zh-Hant", 4),
        ("Hi!", "ja", 2),
    ],
)
def test_spaceless_languages_count_characters_without_punctuation(
    text: str, lang: str, expected: int
) -> None:
    assert count_words(text, lang) == expected


def test_only_chinese_and_japanese_families_are_spaceless() -> None:
    assert is_spaceless("ja") and is_spaceless("ZH-hant") and is_spaceless("yue")
    assert not is_spaceless("en") and not is_spaceless("jam") and not is_spaceless("ko")


@pytest.mark.parametrize(
    ("words", "elapsed", "expected"),
    [
        (10, timedelta(minutes=1), 10),
        (10, timedelta(minutes=2), 5),
        (5, timedelta(minutes=2), 3),  # 2.5 rounds half up
        (1, timedelta(seconds=40), 2),  # 1.5 rounds half up
        (7, timedelta(minutes=3), 2),  # 2.33
        (0, timedelta(minutes=1), 0),
        (10, timedelta(0), 600),  # floored at one second
        (10, timedelta(seconds=-30), 600),  # a clock skew never gives a negative speed
        (10_000, timedelta(milliseconds=1), 600_000),
    ],
)
def test_words_per_minute(words: int, elapsed: timedelta, expected: int) -> None:
    assert words_per_minute(words, elapsed) == expected
