"""EXPLAIN ANALYZE of the hot queries on a generated data set (PostgreSQL), for bench/RESULTS.md.

uv run python -m bench.explain --database-url postgresql://postgres@127.0.0.1/getnative_bench
"""

from __future__ import annotations

import argparse

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from getnative.catalog import clips
from getnative.catalog.models import Video
from getnative.catalog.search import apply_search
from getnative.channels.social_service import _feed_statement, feed_values
from getnative.db import Database
from getnative.likes.models import Like


def statements(feed_user: int) -> dict[str, Select]:  # type: ignore[type-arg]
    page = select(Video.id).where(Video.source == "getnative", Video.lang == "en")
    return {
        "GET /videos (first page)": page.order_by(Video.id.desc()).limit(9),
        "GET /videos?max_id=500000": page.where(Video.id <= 500_000)
        .order_by(Video.id.desc())
        .limit(9),
        "GET /videos?q=business (common word)": page,
        "GET /videos?q=kabo (rare word)": page,
        "GET /videos/:id": select(Video).where(Video.id == 123_456),
        "like toggle: find the row": select(Like.id).where(Like.video_id == 5, Like.user_id == 7),
        "feed (500 subscriptions)": _feed_statement(True).params(
            **feed_values(user_id=feed_user, token_version=0, locale="en", start=0, size=20)
        ),
    }


CLIP_QUERIES = {
    "GET /clips?q=business (common word)": "business",
    "GET /clips?q=kabo (rare word)": "kabo",
    'GET /clips?q="business meeting" (frequent phrase)': '"business meeting"',
    'GET /clips?q="school friend" (rare phrase)': '"school friend"',
    'GET /clips?q="station ticket" (rare phrase)': '"station ticket"',
}


def _explain(session: Session, db: Database, name: str, statement: Select) -> None:  # type: ignore[type-arg]
    sql = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}"))
    print(f"### {name}\n```")
    print("\n".join(row[0] for row in plan))
    print("```\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    db = Database(args.database_url)
    with db.session(write=False) as session:
        feed_user = session.execute(
            text("SELECT user_id FROM subscriptions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
        for name, statement in statements(feed_user).items():
            if "?q=" in name:
                statement = apply_search(session, statement, name.split("q=")[1].split()[0])
                statement = statement.limit(9)
            _explain(session, db, name, statement)
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))  # db._ASYNC_SESSION
        for name, q in CLIP_QUERIES.items():
            query = clips.ClipQuery(q=q)
            clip_statement = clips.clips_page_statement("postgresql", query, None)
            _explain(session, db, name, clip_statement)
    db.dispose()


if __name__ == "__main__":
    main()
