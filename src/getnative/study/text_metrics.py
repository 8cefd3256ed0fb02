"""Word counts and typing speed of writing answers, computed by the server (see docs/study.md).

Pure functions with no database or HTTP, so the counting rules are easy to test and to explain.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

# Primary language subtags of languages written without spaces between words: their "words"
# are counted as characters (ja-JP, zh-Hant, yue-HK ... all count the same way).
SPACELESS_LANGUAGES = frozenset({"ja", "zh", "yue"})

# Unicode general categories that are not part of a word: punctuation (P*), symbols (S*),
# separators (Z*), controls and other invisibles (C*) and combining marks (M*, which belong to
# the character before them and are merged into it by NFC where a precomposed form exists).
_NON_WORD_CATEGORY_INITIALS = frozenset("PSZCM")

MICROSECONDS_PER_MINUTE = 60_000_000
MINIMUM_ELAPSED = timedelta(seconds=1)


def primary_language(lang: str) -> str:
    """`zh-Hant-TW` -> `zh`."""
    return lang.split("-", 1)[0].lower()


def is_spaceless(lang: str) -> bool:
    return primary_language(lang) in SPACELESS_LANGUAGES


def _is_word_character(character: str) -> bool:
    return unicodedata.category(character)[0] not in _NON_WORD_CATEGORY_INITIALS


def count_characters(text: str) -> int:
    """Characters other than punctuation, symbols, spaces, controls and combining marks."""
    return sum(
        1 for character in unicodedata.normalize("NFC", text) if _is_word_character(character)
    )


def count_tokens(text: str) -> int:
    """Whitespace-separated tokens holding at least one letter or digit (`—` and `...` are not
    words; `don't`, `e-mail` and `3.5` are one word each)."""
    return sum(1 for token in text.split() if any(character.isalnum() for character in token))


def count_words(text: str, lang: str) -> int:
    """The answer's word count in the rules of its language."""
    return count_characters(text) if is_spaceless(lang) else count_tokens(text)


def words_per_minute(words: int, elapsed: timedelta) -> int:
    """`words / minutes`, rounded half up, with the elapsed time floored at one second.

    The floor keeps a clock skew or an instant answer from dividing by zero or going negative.
    Integer arithmetic on microseconds keeps the result exact on every platform.
    """
    micros = max(elapsed, MINIMUM_ELAPSED) // timedelta(microseconds=1)
    return (2 * words * MICROSECONDS_PER_MINUTE + micros) // (2 * micros)
