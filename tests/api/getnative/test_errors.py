"""docs/getnative-errors.md lists every Get Native error code, and the codes are unique and in
numeric order in both the registry and the document (a reader finds the next free code)."""

from __future__ import annotations

import re
from pathlib import Path

from getnative.api.getnative.errors import ERROR_CODES

DOC = Path(__file__).resolve().parents[3] / "docs" / "getnative-errors.md"


def documented_rows() -> dict[str, int]:
    """slug -> code, in the document's order."""
    rows = re.findall(r"^\| (\d+) \| `([a-z0-9_]+)` \| (\d{3}) \|", DOC.read_text(), re.MULTILINE)
    return {slug: int(code) for code, slug, _status in rows}


def test_codes_are_unique() -> None:
    assert len(set(ERROR_CODES.values())) == len(ERROR_CODES)


def test_every_code_is_documented_with_its_number() -> None:
    rows = documented_rows()
    missing = sorted(set(ERROR_CODES) - set(rows))
    assert not missing, f"add these to {DOC.name}: {missing}"
    for slug, code in ERROR_CODES.items():
        assert rows[slug] == code, slug


def test_the_registry_and_the_document_are_in_numeric_order() -> None:
    assert list(ERROR_CODES.values()) == sorted(ERROR_CODES.values())
    documented = list(documented_rows().values())
    assert documented == sorted(documented)
