"""Which strings can be stored and hashed at all: one rule for every dialect and field.

JSON may carry a lone surrogate (`"\\ud800"`), which no UTF-8 encoder accepts, and any text may
carry NUL, which PostgreSQL `text` cannot hold. Both used to surface as 500s deep in a driver or
in argon2. They are refused as `InvalidInput` (code `text_invalid`) on both databases alike, so a
client sees the same 400 whichever backend a deployment runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from getnative.errors import InvalidInput

TEXT_INVALID = "text_invalid"


def is_storable_text(value: str) -> bool:
    """True for valid Unicode without NUL (checked at C speed; ASCII needs no encode)."""
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_invalid(field: str | None = None) -> InvalidInput:
    where = f"'{field}' " if field else "Text "
    return InvalidInput(
        f"{where}must be valid Unicode without NUL characters.", code=TEXT_INVALID, field=field
    )


def require_storable_text(value: str, *, field: str | None = None) -> str:
    if not is_storable_text(value):
        raise text_invalid(field)
    return value


def any_unstorable(values: Iterable[object]) -> bool:
    """True when any string among `values` (one level deep) is not storable."""
    return any(isinstance(value, str) and not is_storable_text(value) for value in values)


def parameters_hold_unstorable_text(parameters: object, executemany: bool) -> bool:
    """Whether DB-API parameters (a sequence or a mapping, or a list of them) hold bad text."""
    rows = parameters if executemany and isinstance(parameters, list | tuple) else [parameters]
    for row in rows:
        values = row.values() if isinstance(row, Mapping) else row
        if isinstance(values, Iterable) and any_unstorable(values):
            return True
    return False


def json_holds_unstorable_text(document: object) -> bool:
    """Walk a parsed JSON document (iteratively: it may be deep) for unstorable strings."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable_text(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
