"""The short form of the benchmark: tiny data, one-second wrk runs. It proves the generator and
the load runner work end to end; it asserts nothing about speed (figures live in bench/)."""

from __future__ import annotations

import argparse
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from bench import anchor, ceiling, generate, like_floor, load, stack_cost
from getnative.config import get_settings
from tests.servers import POSTGRES_ADMIN_URL, postgres_problem

pytestmark = pytest.mark.slow


@pytest.fixture
def bench_database_url() -> Iterator[str]:
    problem = postgres_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true: {problem}")
        pytest.skip(problem)
    name = f"getnative_bench_smoke_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)
    yield url.set(drivername="postgresql").render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_generator_keeps_counters_equal_to_rows(bench_database_url: str) -> None:
    generate.generate(bench_database_url, generate.TINY, progress=False)
    engine = sa.create_engine(bench_database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        videos = connection.exec_driver_sql("SELECT count(*) FROM videos").scalar_one()
        like_mismatch = connection.exec_driver_sql(
            "SELECT count(*) FROM videos v WHERE like_count <> "
            "(SELECT count(*) FROM likes l WHERE l.video_id = v.id)"
        ).scalar_one()
        subscriber_mismatch = connection.exec_driver_sql(
            "SELECT count(*) FROM channels c WHERE subscriber_count <> "
            "(SELECT count(*) FROM subscriptions s WHERE s.channel_id = c.id)"
        ).scalar_one()
        cues = connection.exec_driver_sql("SELECT count(*) FROM transcript_cues").scalar_one()
        cues_unlike_transcript = connection.exec_driver_sql(
            "SELECT count(*) FROM transcripts t WHERE t.text <> (SELECT string_agg(c.text, ' ' "
            "ORDER BY c.start_ms) FROM transcript_cues c WHERE c.transcript_id = t.id)"
        ).scalar_one()
        pair_rows, pairs_not_indexed, insert_trigger = connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM cue_pairs), (SELECT count(*) FROM ("
            "SELECT DISTINCT pair, c.id FROM transcript_cues c, "
            "unnest(string_to_array(c.search_pairs, ' ')) AS pair "
            "EXCEPT SELECT pair, cue_id FROM cue_pairs) missing), "
            "(SELECT tgenabled FROM pg_trigger WHERE tgname = 'transcript_cues_pairs_ai')"
        ).one()
    engine.dispose()
    assert videos == generate.TINY.videos
    assert like_mismatch == 0
    assert subscriber_mismatch == 0
    assert cues == generate.TINY.videos * generate.TINY.cues_per_video
    assert cues_unlike_transcript == 0  # the cues are the transcript, timed
    assert (pair_rows > 0, pairs_not_indexed) == (True, 0)  # cue_pairs filled after the COPY
    assert insert_trigger == "O"  # and kept by its trigger again


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("wrk is required under CI=true (.ci/run installs it)")
        pytest.skip("wrk is not installed")


def short_load_args(database_url: str, **changes: object) -> argparse.Namespace:
    """`bench.load`'s arguments for a run of seconds on the tiny data set."""
    args = argparse.Namespace(
        database_url=database_url,
        duration=1,
        connections=4,
        threads=1,
        workers=1,
        server="uvicorn",
        no_anchor=False,
        only=None,
        rounds=1,
        prewarm=True,
    )
    vars(args).update(changes)
    return args


def assert_clean_run(outcome: load.Run) -> None:
    """Every run answered, all 2xx; counters equal their rows; nothing wrong in the log."""
    for result in outcome.results:
        assert result.requests_per_second > 0, result
        assert result.non_2xx == 0, result
    assert outcome.like_count_mismatches == 0
    assert outcome.errors_in_log == []


def test_load_runner_measures_every_scenario(bench_database_url: str) -> None:
    require_wrk()
    generate.generate(bench_database_url, generate.TINY, progress=False)
    outcome = load.run(short_load_args(bench_database_url))
    assert [r.scenario for r in outcome.results] == [
        "anchor /ceiling",
        "anchor /videos",
        "anchor /like",
        "ceiling (full stack)",
        "GET /videos (anonymous)",
        "GET /videos (token)",
        "GET /videos/:id",
        "GET /videos?q=",
        "GET /clips?q= (words)",
        'GET /clips?q="two words"',
        "POST /api/videos/:id/like",
        "GET feed (500 subs)",
    ]
    assert_clean_run(outcome)
    for result in outcome.results:
        if not result.scenario.startswith("anchor "):
            assert result.ratio is not None, result


def test_paired_rounds_give_each_scenario_the_median_of_its_pairs(
    bench_database_url: str,
) -> None:
    """`--rounds 2`: each chosen scenario runs twice, each time right after its anchor
    reference; its row is the median pair's run, with both pairs' ratios, and its p99
    verdict takes the median p99 of its runs and of the anchor's."""
    require_wrk()
    generate.generate(bench_database_url, generate.TINY, progress=False)
    args = short_load_args(bench_database_url, only=["GET /videos/:id", "like"], rounds=2)
    outcome = load.run(args)
    assert [r.scenario for r in outcome.results] == [
        "anchor /videos",
        "anchor /like",
        "GET /videos/:id",
        "POST /api/videos/:id/like",
    ]
    assert_clean_run(outcome)
    for result in outcome.results[2:]:
        assert result.ratios is not None, result
        assert len(result.ratios) == 2, result
        assert result.ratio == min(result.ratios), result  # the lower of two is their median
        assert result.met is not None, result
        assert result.p99_ok is not None, result
        assert result.p99s_ms is not None, result
        assert len(result.p99s_ms) == 2, result
        assert result.judged_p99_ms == min(result.p99s_ms), result
    for anchor_row in outcome.results[:2]:  # every reference run's p99, two per scenario
        assert anchor_row.p99s_ms is not None, anchor_row
        assert len(anchor_row.p99s_ms) == 2, anchor_row


def test_like_floor_measures_both_anchors_and_ours(bench_database_url: str) -> None:
    require_wrk()
    generate.generate(bench_database_url, generate.TINY, progress=False)
    ip_users = "SELECT count(*) FROM users WHERE kind = 'ip'"
    engine = sa.create_engine(bench_database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        ip_users_before = connection.exec_driver_sql(ip_users).scalar_one()
    samples = like_floor.compare(bench_database_url, duration=1)  # raises on a non-2xx answer
    with engine.connect() as connection:
        ip_users_after = connection.exec_driver_sql(ip_users).scalar_one()
    engine.dispose()
    assert [sample.server for sample in samples] == [server.name for server in like_floor.SERVERS]
    for sample in samples:
        assert sample.requests_per_second > 0, sample
        assert sample.server_us > 0, sample
    assert ip_users_after > ip_users_before  # the second anchor and ours wrote IP users
    assert load.like_count_mismatches(bench_database_url) == 0


def test_stack_cost_measures_the_three_stacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GETNATIVE_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    get_settings.cache_clear()
    try:
        stack_cost.main(["--requests", "3", "--rounds", "1"])
    finally:
        get_settings.cache_clear()
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[0] for line in lines] == [
        "raw ASGI, fixed bytes",
        "edge + dispatch, raw dialect",
        "ceiling (whole stack)",
    ]


def test_the_ceiling_sends_the_anchors_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ceiling's ratio compares two stacks sending the same body, each encoded once."""
    monkeypatch.setenv("GETNATIVE_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    get_settings.cache_clear()
    try:
        with TestClient(ceiling.create_ceiling_app()) as client:
            response = client.get("/bench/ceiling")
    finally:
        get_settings.cache_clear()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == anchor.FIXED == ceiling.FIXED_JSON


def test_prewarm_reads_the_database(
    bench_database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before a run the database is read into the page cache, on PostgreSQL and SQLite."""
    generate.generate(bench_database_url, generate.TINY, progress=False)
    load.prewarm(bench_database_url)
    sqlite_file = tmp_path / "bench.sqlite3"
    sqlite_file.write_bytes(b"\0" * 3_000_000)
    load.prewarm(f"sqlite:///{sqlite_file}")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("prewarmed "), lines  # every relation, through pg_prewarm
    assert lines[1].startswith("prewarmed 3 MB of the database"), lines  # the whole file
