"""Catalog change notice: a process-wide generation number that catalog writers move forward.

Readers that keep rendered catalog pages (the web layer's anonymous page cache) compare the
generation they filled an entry at with the current one, so an import or a demo load in this
process makes every kept page stale at once, without the catalog knowing who keeps what. Other
processes learn nothing from it: their pages expire by their own short lifetime.
"""

from __future__ import annotations

import itertools

_counter = itertools.count(1)
_generation = 0


def catalog_changed() -> None:
    """Call after a catalog write has committed."""
    global _generation
    _generation = next(_counter)


def catalog_generation() -> int:
    return _generation
