"""Anonymous detail pages' related videos, kept for at most a second per subcategory and language.

Every catalog video of a subcategory and language has the same related videos on its anonymous
detail page (the newest of that subcategory and language, the video itself left out), so the
walk that finds them need not run for every page: the issue lets anonymous detail pages be up
to a second stale (`like_count` among them), as the page cache already serves them
(`web.page_cache`). Random ids rarely repeat within a second, so that cache seldom serves a
detail page again, but the few subcategory walks behind them repeat all the time.

Same rules as the page cache: at most `ttl_seconds` old (`GETNATIVE_PAGE_CACHE_SECONDS`; 0
keeps nothing), stale at once when this process's catalog generation moves
(`catalog.events`), and bounded (`max_entries`, oldest out first). Rows are kept as the
statement returned them; nothing per viewer is kept (signed-in pages carry the viewer's flags
and never use this).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from getnative.catalog.events import catalog_generation

RelatedKey = tuple[int, str]
"""(subcategory id, language)."""

MAX_ENTRIES = 4096


class RelatedVideosCache:
    """One per process (the container's), used from the event loop only, so without a lock.
    Two pages of one key missing at once both read the walk, and the later one is kept: a walk
    is a cheap statement, and single flight would cost every hit a future."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[RelatedKey, tuple[float, int, Sequence[Sequence[Any]]]] = (
            OrderedDict()
        )

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def get(self, key: RelatedKey) -> Sequence[Sequence[Any]] | None:
        """The rows kept for `key`, unless they are older than the TTL or the catalog moved."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, generation, rows = entry
        if expires <= self._clock() or generation != catalog_generation():
            del self._entries[key]
            return None
        return rows

    def put(self, key: RelatedKey, rows: Sequence[Sequence[Any]], generation: int) -> None:
        """Keep `rows`, read while the catalog was at `generation` (taken before the read, so
        a write that lands during it leaves them stale rather than kept as current)."""
        if not self.enabled:
            return
        self._entries.pop(key, None)
        self._entries[key] = (self._clock() + self.ttl_seconds, generation, rows)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
