"""Language codes of the catalog: one parser for every `lang` a Get Native client sends.

Language tags are case-insensitive (RFC 5646), so `EN`, `en` and `En` are one language. Videos,
study sessions and statistics are per language, not per region: `ja-JP` or `en-GB` ask for the
videos in `ja` or `en`, so region subtags are dropped (a script subtag such as `Hant` is kept,
it changes the writing). The answer carries the normalised code.
"""

from __future__ import annotations

import re

from getnative.errors import InvalidInput

MAX_LANG_LENGTH = 35
_LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def canonical_lang(lang: str) -> str:
    """A BCP 47 tag in its conventional casing (`ZH-hant-tw` -> `zh-Hant-TW`), or InvalidInput.

    Canonical casing lets the stored `lang` columns be compared exactly (and by index).
    """
    if len(lang) > MAX_LANG_LENGTH or not _LANG_TAG.fullmatch(lang):
        raise InvalidInput(
            "The parameter 'lang' must be a language code such as 'en' or 'ja'.",
            code="lang_invalid",
            field="lang",
        )
    first, *rest = lang.split("-")
    return "-".join([first.lower(), *(_canonical_subtag(subtag) for subtag in rest)])


def catalog_lang(lang: str) -> str:
    """The language a tag asks for: canonical casing without region subtags (`ja-JP` -> `ja`)."""
    first, *rest = canonical_lang(lang).split("-")
    return "-".join([first, *(subtag for subtag in rest if not _is_region(subtag))])


def _is_region(subtag: str) -> bool:
    return (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit())


def _canonical_subtag(subtag: str) -> str:
    if len(subtag) == 4 and subtag.isalpha():
        return subtag.title()  # script: Hant
    if len(subtag) == 2 and subtag.isalpha():
        return subtag.upper()  # region: TW
    return subtag.lower()
