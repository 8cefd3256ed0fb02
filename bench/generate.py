"""Generate a large, realistic data set straight into PostgreSQL with COPY.

Defaults match the benchmark issue: 1,000,000 videos with transcripts, each transcript timed as
10 cues (10,000,000 cue rows), 100,000 users, 20,000 channels, subscriptions (one designated user
with 500) and likes, with every denormalised counter (videos.like_count,
channels.subscriber_count) equal to its rows. Indexes that would slow the load (the GIN search
indexes) are dropped first and rebuilt at the end.

    uv run python -m bench.generate --database-url postgresql://postgres@127.0.0.1/getnative_bench
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import create_engine
from tqdm import tqdm

from getnative.accounts.passwords import hash_password
from getnative.catalog import phrase_index
from getnative.catalog.search import build_document, normalize, word_pairs
from getnative.channels import feed_index
from getnative.migrate import upgrade

BENCH_USER_EMAIL = "bench@example.com"
BENCH_PASSWORD = "bench-password-1"
EPOCH = datetime(2016, 1, 1, tzinfo=UTC)
WORDS = [
    "business",
    "meeting",
    "card",
    "train",
    "station",
    "ticket",
    "holiday",
    "parents",
    "school",
    "friend",
    "travel",
    "airport",
    "hotel",
    "direction",
    "food",
    "coffee",
    "morning",
    "evening",
    "weekend",
    "family",
    "work",
    "office",
    "manager",
    "client",
    "project",
    "deadline",
    "email",
    "phone",
    "call",
    "lunch",
    "dinner",
    "market",
    "city",
    "river",
    "mountain",
    "beach",
    "summer",
    "winter",
    "spring",
    "autumn",
    "music",
    "movie",
    "book",
    "story",
    "history",
    "language",
    "lesson",
    "teacher",
    "student",
]
CATEGORIES = {
    "Business": ["Meeting Preparation", "Business Cards", "Greeting Co-Workers"],
    "Holidays": ["Holding Hands", "Meeting the Parents"],
    "Travel": ["Airports", "Hotels", "Asking Directions", "Sightseeing", "Local Food"],
    "School": ["First Day", "Making Friends"],
    "Transportation": ["Taking the Train", "Riding Horses", "Bus Passes", "Taking Long Road Trips"],
}


@dataclass(frozen=True)
class Scale:
    videos: int
    users: int
    channels: int
    speakers: int
    instances_per_channel: int
    subscriptions_per_user: int
    heavy_user_subscriptions: int
    likes: int
    cues_per_video: int = 10


def _vocabulary(size: int = 20_000) -> list[str]:
    """The real words first, then pronounceable made-up words: a large vocabulary, so that
    word frequencies can follow Zipf's law as in real transcripts."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    rng = random.Random(1)
    words = list(WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


VOCABULARY = _vocabulary()
# Zipf: the n-th most frequent word appears about 1/n as often as the first.
CUMULATIVE_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE_WEIGHTS, k=words))


def _copy(
    connection: psycopg.Connection[Any],
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    total: int,
    progress: bool,
) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in tqdm(rows, total=total, desc=table, unit="row", disable=not progress):
            copy.write_row(row)


def _categories(connection: psycopg.Connection[Any]) -> list[tuple[int, str]]:
    subcategories: list[tuple[int, str]] = []
    with connection.cursor() as cursor:
        for category_id, (name, children) in enumerate(CATEGORIES.items(), start=1):
            cursor.execute(
                "INSERT INTO categories (id, name, created_at) VALUES (%s, %s, %s)",
                (category_id, name, EPOCH),
            )
            for child in children:
                subcategory_id = len(subcategories) + 1
                cursor.execute(
                    "INSERT INTO subcategories (id, category_id, name, created_at) "
                    "VALUES (%s, %s, %s, %s)",
                    (subcategory_id, category_id, child, EPOCH),
                )
                subcategories.append((subcategory_id, child))
    return subcategories


def _like_pairs(rng: random.Random, scale: Scale) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < scale.likes:
        # Popularity is skewed: low video ids (old, well known) collect more likes.
        video = (
            min(int(rng.paretovariate(1.2)), scale.videos)
            if rng.random() < 0.3
            else (rng.randint(1, scale.videos))
        )
        pairs.add((video, rng.randint(1, scale.users)))
    return pairs


def _subscription_pairs(rng: random.Random, scale: Scale) -> set[tuple[int, int]]:
    pairs = {
        (1, channel)
        for channel in rng.sample(range(1, scale.channels + 1), scale.heavy_user_subscriptions)
    }
    for user in range(2, scale.users + 1):
        for _ in range(rng.randint(0, scale.subscriptions_per_user * 2)):
            pairs.add((user, rng.randint(1, scale.channels)))
    return pairs


def _counts(pairs: Iterable[tuple[int, int]], index: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for pair in pairs:
        counts[pair[index]] = counts.get(pair[index], 0) + 1
    return counts


def _truncate(connection: psycopg.Connection[Any]) -> None:
    connection.execute(
        "TRUNCATE likes, cues, writing_answers, study_sessions, notifications, video_views, "
        "content_reports, subscriptions, video_instances, channels, cover_art, refresh_tokens, "
        "users, usage_examples, collocations, transcript_cues, transcripts, writing_questions, "
        "video_locales, "
        "videos, speakers, subcategories, categories RESTART IDENTITY CASCADE"
    )


def _reset_sequences(connection: psycopg.Connection[Any], tables: Sequence[str]) -> None:
    for table in tables:
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


CUE_WORDS = 4
CUE_MS = 4_000


def _cue_rows(transcripts: dict[int, str], cues_per_video: int) -> Iterator[Sequence[Any]]:
    """Each transcript cut into `cues_per_video` timed cues of CUE_WORDS words (its first words),
    one every CUE_MS milliseconds; the transcript id is the video id (see `generate`)."""
    cue_id = 0
    for video_id, transcript in transcripts.items():
        words = transcript.split()
        for index in range(cues_per_video):
            cue_id += 1
            text = " ".join(words[index * CUE_WORDS : (index + 1) * CUE_WORDS]) or "silence"
            start = index * CUE_MS
            yield (
                cue_id,
                video_id,
                video_id,
                start,
                start + CUE_MS,
                text,
                normalize(text),
                word_pairs(text),
            )


def _video_rows(
    rng: random.Random,
    scale: Scale,
    subcategories: list[tuple[int, str]],
    speakers: list[str],
    like_counts: dict[int, int],
    transcripts: dict[int, str],
) -> Iterator[Sequence[Any]]:
    span = timedelta(days=3650)
    for video_id in range(1, scale.videos + 1):
        subcategory_id, subcategory = subcategories[video_id % len(subcategories)]
        speaker_index = video_id % scale.speakers
        description = _sentence(rng, 12)
        transcript = _sentence(rng, 40)
        transcripts[video_id] = transcript
        document = build_document(
            description=description,
            speaker=speakers[speaker_index],
            subcategory=subcategory,
            transcripts=[transcript],
        )
        created = EPOCH + span * (video_id / scale.videos)
        yield (
            video_id,
            "getnative",
            "",
            description,
            "en" if video_id % 3 else "ja",
            speaker_index + 1,
            subcategory_id,
            rng.randint(30, 180),
            rng.randint(0, 10000),
            None,
            f"https://static.example.com/v/{video_id}.mp4",
            f"https://static.example.com/v/{video_id}.jpg",
            like_counts.get(video_id, 0),
            rng.randint(0, 1000),
            document,
            created,
        )


def generate(database_url: str, scale: Scale, *, seed: int = 7, progress: bool = True) -> None:
    """Fill the database behind `database_url` (emptied first) at `scale`."""
    started = time.monotonic()
    sa_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(sa_url)
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=False) as connection:
        _truncate(connection)
        connection.execute("DROP INDEX IF EXISTS ix_videos_search_vector")
        connection.execute("DROP INDEX IF EXISTS ix_transcript_cues_search_vector")
        for statement in [*phrase_index.BULK_LOAD_BEGIN, *feed_index.BULK_LOAD_BEGIN]:
            connection.execute(statement)  # both filled after the COPY, in bulk
        subcategories = _categories(connection)
        speakers = [f"Speaker {i}" for i in range(1, scale.speakers + 1)]
        _copy(
            connection,
            "speakers",
            ["id", "name", "description", "location", "lang", "created_at"],
            (
                (i + 1, name, "A native speaker.", "Somewhere", "en", EPOCH)
                for i, name in enumerate(speakers)
            ),
            scale.speakers,
            progress,
        )
        like_pairs = _like_pairs(rng, scale)
        transcripts: dict[int, str] = {}
        _copy(
            connection,
            "videos",
            [
                "id",
                "source",
                "title",
                "description",
                "lang",
                "speaker_id",
                "subcategory_id",
                "length",
                "loop_count",
                "loop_velocity",
                "video_url",
                "thumbnail_image_url",
                "like_count",
                "view_count",
                "search_document",
                "created_at",
            ],
            _video_rows(rng, scale, subcategories, speakers, _counts(like_pairs, 0), transcripts),
            scale.videos,
            progress,
        )
        _copy(
            connection,
            "transcripts",
            ["id", "video_id", "lang", "text", "created_at"],
            (
                (vid, vid, "en" if vid % 3 else "ja", text, EPOCH)
                for vid, text in transcripts.items()
            ),
            scale.videos,
            progress,
        )
        _copy(
            connection,
            "transcript_cues",
            [
                "id",
                "transcript_id",
                "video_id",
                "start_ms",
                "end_ms",
                "text",
                "search_text",
                "search_pairs",
            ],
            _cue_rows(transcripts, scale.cues_per_video),
            scale.videos * scale.cues_per_video,
            progress,
        )
        transcripts.clear()
        password_hash = hash_password(BENCH_PASSWORD)
        _copy(
            connection,
            "users",
            [
                "id",
                "kind",
                "email",
                "password_hash",
                "username",
                "first_name",
                "last_name",
                "lang",
                "default_study_language_code",
                "browser_notifications_enabled",
                "email_notifications_enabled",
                "email_verified",
                "is_active",
                "token_version",
                "created_at",
                "updated_at",
            ],
            (
                (
                    u,
                    "member",
                    BENCH_USER_EMAIL if u == 1 else f"user{u}@example.com",
                    password_hash,
                    f"user{u}",
                    "First",
                    f"Last{u}",
                    "en",
                    "en",
                    False,
                    False,
                    False,
                    True,
                    0,
                    EPOCH,
                    EPOCH,
                )
                for u in range(1, scale.users + 1)
            ),
            scale.users,
            progress,
        )
        subscription_pairs = _subscription_pairs(rng, scale)
        subscriber_counts = _counts(subscription_pairs, 1)
        _copy(
            connection,
            "channels",
            [
                "id",
                "owner_id",
                "title",
                "description",
                "public",
                "ecommerce_url",
                "subscriber_count",
                "created_at",
                "updated_at",
            ],
            (
                (
                    c,
                    rng.randint(1, scale.users),
                    f"Channel {c}",
                    _sentence(rng, 8),
                    c % 20 != 0,
                    "",
                    subscriber_counts.get(c, 0),
                    EPOCH,
                    EPOCH,
                )
                for c in range(1, scale.channels + 1)
            ),
            scale.channels,
            progress,
        )
        instance_total = scale.channels * scale.instances_per_channel
        _copy(
            connection,
            "video_instances",
            ["id", "channel_id", "video_id", "position", "date_added"],
            (
                (
                    i + 1,
                    i // scale.instances_per_channel + 1,
                    rng.randint(1, scale.videos),
                    i % scale.instances_per_channel,
                    EPOCH + timedelta(seconds=rng.randint(0, 3650 * 86400)),
                )
                for i in range(instance_total)
            ),
            instance_total,
            progress,
        )
        _copy(
            connection,
            "subscriptions",
            ["id", "user_id", "channel_id", "created_at"],
            (
                (i + 1, user, channel, EPOCH)
                for i, (user, channel) in enumerate(sorted(subscription_pairs))
            ),
            len(subscription_pairs),
            progress,
        )
        _copy(
            connection,
            "likes",
            ["id", "video_id", "user_id", "is_like", "created_at"],
            (
                (i + 1, video, user, True, EPOCH)
                for i, (video, user) in enumerate(sorted(like_pairs))
            ),
            len(like_pairs),
            progress,
        )
        _reset_sequences(
            connection,
            [
                "categories",
                "subcategories",
                "speakers",
                "videos",
                "transcripts",
                "transcript_cues",
                "users",
                "channels",
                "video_instances",
                "subscriptions",
                "likes",
            ],
        )
        connection.execute("SET maintenance_work_mem = '512MB'")  # this session's index builds
        _step(
            "rebuilding the search index",
            progress,
            lambda: connection.execute(
                "CREATE INDEX ix_videos_search_vector ON videos USING gin (search_vector)"
            ),
        )
        _step(
            "rebuilding the cue search index",
            progress,
            lambda: connection.execute(
                "CREATE INDEX ix_transcript_cues_search_vector ON transcript_cues "
                "USING gin (search_vector)"
            ),
        )
        _fill_cue_pairs(connection, scale.videos * scale.cues_per_video, progress)
        _step(
            "building the cue phrase index (cue_pairs primary key)",
            progress,
            lambda: [connection.execute(statement) for statement in phrase_index.BULK_LOAD_END],
        )
        _fill_feed(connection, scale.users, progress)
        _step(
            "building the feed index (feed_entries primary key)",
            progress,
            lambda: [connection.execute(statement) for statement in feed_index.BULK_LOAD_END],
        )
        connection.commit()
    with psycopg.connect(dsn, autocommit=True) as connection:
        _step("vacuum analyze", progress, lambda: connection.execute("VACUUM ANALYZE"))
    if progress:
        print(f"generated in {time.monotonic() - started:.0f}s")


def _fill_cue_pairs(connection: psycopg.Connection[Any], cues: int, progress: bool) -> None:
    """`cue_pairs` from the copied cues, as revision 0007 backfills it (its insert trigger is
    off during the COPY: one sorted primary-key build instead of 30M index inserts)."""
    with tqdm(total=cues, desc="cue_pairs", unit="cue", disable=not progress) as bar:
        for last, statement in phrase_index.fill_statements(cues):
            connection.execute(statement)
            bar.update(last - bar.n)


def _fill_feed(connection: psycopg.Connection[Any], users: int, progress: bool) -> None:
    """`feed_entries` from the copied subscriptions, as revision 0009 backfills it (the insert
    triggers of subscriptions and instances are off during the COPY)."""
    with tqdm(total=users, desc="feed_entries", unit="user", disable=not progress) as bar:
        for last, statement in feed_index.fill_statements(users):
            connection.execute(statement)
            bar.update(last - bar.n)


def _step(label: str, progress: bool, action: Callable[[], object]) -> None:
    started = time.monotonic()
    action()
    if progress:
        print(f"{label}: {time.monotonic() - started:.1f}s")


FULL = Scale(
    videos=1_000_000,
    users=100_000,
    channels=20_000,
    speakers=2_000,
    instances_per_channel=10,
    subscriptions_per_user=5,
    heavy_user_subscriptions=500,
    likes=1_000_000,
)
TINY = Scale(
    videos=300,
    users=60,
    channels=40,
    speakers=10,
    instances_per_channel=3,
    subscriptions_per_user=2,
    heavy_user_subscriptions=20,
    likes=200,
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tiny", action="store_true", help="a few hundred rows, for smoke tests")
    parser.add_argument("--videos", type=int)
    parser.add_argument("--users", type=int)
    parser.add_argument("--channels", type=int)
    parser.add_argument("--likes", type=int)
    parser.add_argument("--cues-per-video", type=int)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    base = TINY if args.tiny else FULL
    scalable = ("videos", "users", "channels", "likes", "cues_per_video")
    overrides = {k: v for k, v in vars(args).items() if k in scalable and v}
    generate(args.database_url, Scale(**{**base.__dict__, **overrides}), progress=not args.quiet)


if __name__ == "__main__":
    main()
