"""The one JSON parser of the Rockpack dialect's raw-body routes.

`json.loads` alone let three things through to a 500: nesting deep enough to exhaust the
recursion limit (10,000 levels), lone surrogates (`"\\ud800"`) and NUL characters, which no
database column or password hash accepts. All three are a `ValueError` here, which every reader
already answers with the dialect's 400.
"""

from __future__ import annotations

import json

from getnative.text import json_holds_unstorable_text


def parse_json(raw: bytes) -> object:
    """The parsed document; `ValueError` for anything not valid, storable JSON."""
    try:
        document: object = json.loads(raw)
    except RecursionError as exc:
        raise ValueError("The JSON document is nested too deeply.") from exc
    if json_holds_unstorable_text(document):
        raise ValueError("Text must be valid Unicode without NUL characters.")
    return document
