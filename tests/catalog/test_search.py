"""Catalog search: the query's terms and word pairs, and the search index on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from getnative.catalog.models import Video
from getnative.catalog.search import apply_search, parse_query, phrase_pairs, word_pairs
from getnative.db import Database
from tests.factories import make_video


def search_ids(db: Database, q: str) -> list[int]:
    with db.session(write=False) as session:
        return list(session.scalars(apply_search(session, select(Video.id), q)))


def test_search_matches_words_and_cjk_substrings(db: Database) -> None:
    english = make_video(db, transcript="We exchanged business cards after the meeting.")
    japanese = make_video(db, lang="ja", transcript="会議のあとで名刺を交換しました。")
    assert search_ids(db, "business") == [english.id]
    assert search_ids(db, "BUSINESS cards") == [english.id]
    assert search_ids(db, "名刺") == [japanese.id]
    assert search_ids(db, "刺名") == []
    assert search_ids(db, '"; DROP TABLE videos; --') == []
    assert search_ids(db, "!!!") == []


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("Business cards", [("business",), ("cards",)]),
        ('"business cards"', [("business", "cards")]),
        ('see "Business, cards!" now', [("see",), ("business", "cards"), ("now",)]),
        ('"unpaired quote', [("unpaired",), ("quote",)]),
        ('""', []),
        ("名刺を", [("名", "刺", "を")]),
        ('"名刺 交換"', [("名", "刺", "交", "換")]),
    ],
)
def test_queries_split_into_words_and_quoted_phrases(
    query: str, terms: list[tuple[str, ...]]
) -> None:
    assert [term.tokens for term in parse_query(query)] == terms


def test_word_pairs_follow_the_query_tokens() -> None:
    assert word_pairs("We exchange Business-Cards.") == (
        "we_exchange exchange_business business_cards"
    )
    assert word_pairs("名刺です") == "名_刺 刺_で で_す"
    assert word_pairs("One") == ""
    assert phrase_pairs(parse_query('"exchange business cards" now')) == [
        "business_cards",
        "exchange_business",
    ]
