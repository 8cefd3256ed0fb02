"""`GET /videos?q=`: a search page on the async driver, as the list page is (`catalog.pages`).

It ran as ORM work in a worker thread (one thread-pool hop, a Video object per row with its
whole `search_document`, two more queries for the viewer's flags and the token check apart).
Here it is two Core statements on one async connection, with bound values, built once per page
shape: the page (the summary rows of `catalog.pages`, with the viewer's flags and the token
check as columns, restricted and ordered by `search.apply_bound_search`), then the page's
matching cues (`clips.matching_cues`). Under load the thread-pool renderings held the GIL
against the event loop, which stalled every cached answer of the worker while they ran
(bench/RESULTS.md, search tail).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Select
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

from getnative.catalog.clips import matching_cues, warm_matches
from getnative.catalog.pages import (
    CueView,
    PageShape,
    Viewer,
    check_page_token,
    filtered_page,
    page_values,
)
from getnative.catalog.search import apply_bound_search, bound_search_values, parse_query
from getnative.catalog.service import DEFAULT_COUNT, VideoQuery
from getnative.db import Database, WarmStatement


@lru_cache(maxsize=512)
def _search_statement(dialect: str, shape: PageShape) -> Select[Any]:
    """The statement of one search page shape (summary rows, best first)."""
    return apply_bound_search(dialect, filtered_page(shape)).limit(shape.count)


def warm_statements(dialect: str) -> list[WarmStatement]:
    """What `Database.warm_async` prepares at worker start on PostgreSQL: the default search
    page (anonymous and signed in) and its matching cues, with NULL for every value (NULL
    terms match nothing: the planner folds the search to an empty result). Those pages are
    what a worker's first searches are; other shapes are prepared by their first use."""
    if dialect == "sqlite":
        return []
    pages = [
        _search_statement(dialect, PageShape(signed_in, False, False, False, False, DEFAULT_COUNT))
        for signed_in in (False, True)
    ]
    nulls = [  # the values a request binds; the fixed ones (a source, the limits) stay
        tuple(
            dict.fromkeys(
                (element.key, None)
                for element in visitors.iterate(page)
                if isinstance(element, BindParameter) and element.required
            )
        )
        for page in pages
    ]
    return [
        *(WarmStatement(page, values) for page, values in zip(pages, nulls, strict=True)),
        warm_matches(dialect, DEFAULT_COUNT),
    ]


async def search_page(
    db: Database, query: VideoQuery, viewer: Viewer | None
) -> tuple[Sequence[Sequence[Any]], dict[int, list[CueView]]]:
    """The summary rows of a `GET /videos?q=` page, best first, and each video's matching cues
    (`matches`); a revoked token is a 401. A query with no searchable term matches nothing."""
    assert query.q is not None
    terms = parse_query(query.q)
    rows: Sequence[Sequence[Any]] = []
    matches: dict[int, list[CueView]] = {}
    if terms:
        async with db.async_connection() as connection:
            dialect = connection.dialect.name
            statement = _search_statement(dialect, PageShape.of(query, viewer))
            values = page_values(query, viewer) | bound_search_values(dialect, terms)
            rows = (await connection.execute(statement, values)).all()
            if rows:  # the token rule first: a revoked token reads no more
                await check_page_token(db, viewer, rows[0])
                matches = await matching_cues(connection, [row[0] for row in rows], terms)
    if not rows:  # outside the block: the check on its own takes a connection
        await check_page_token(db, viewer, None)
    return rows, matches
