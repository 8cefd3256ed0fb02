"""Load run: wrk on loopback against the hot endpoints, each measured as a ratio to the anchor.

The anchor (`bench/anchor.py`, a copy of the project's yardstick: raw ASGI + asyncpg + orjson
under Granian) does the same work the plainest fast way. This runner starts it and the real
server side by side on the same database, runs the anchor's three paths and every scenario of
ours with wrk in the same run, and reports each scenario as a ratio to its anchor figure, with
p99, non-2xx and the peak RSS of each server worker under load. Only same-run ratios count: the
machine is shared and absolute figures move. Rate limits are switched off for the run.
With `--rounds N` each scenario's ratio is the median of its N pairs, and the p99 verdict
compares the median of its N runs' p99 with the median of the anchor's `/videos` runs' p99.

    uv run python -m bench.load --database-url postgresql://postgres@127.0.0.1/getnative_bench

With a SQLite URL there is no anchor (it speaks PostgreSQL only): absolute figures are reported.
Before the run the database is read into the OS page cache (`prewarm`; `--no-prewarm` skips it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple, TypeVar

import httpx
import sqlalchemy as sa

from getnative.accounts.tokens import issue_token
from getnative.api.rockpack import ids

BENCH = Path(__file__).parent
LUA = BENCH / "lua"
BENCH_SECRET = "bench-jwt-secret-0123456789abcdef0123456789"

ANCHOR_CEILING = "anchor /ceiling"
ANCHOR_VIDEOS = "anchor /videos"
ANCHOR_LIKE = "anchor /like"


@dataclass(frozen=True)
class Target:
    """`scenario` should reach `ratio` of the anchor's `reference` scenario, same run."""

    reference: str
    ratio: float


# The issue's targets (ratios to the anchor in the same run).
TARGETS: dict[str, Target] = {
    "ceiling (full stack)": Target(ANCHOR_CEILING, 0.6),
    "GET /videos (anonymous)": Target(ANCHOR_VIDEOS, 2.0),
    "GET /videos (token)": Target(ANCHOR_VIDEOS, 0.7),
    "GET /videos/:id": Target(ANCHOR_VIDEOS, 1.0),
    "GET /videos?q=": Target(ANCHOR_VIDEOS, 0.5),
    "GET /clips?q= (words)": Target(ANCHOR_VIDEOS, 0.5),
    'GET /clips?q="two words"': Target(ANCHOR_VIDEOS, 0.5),
    "POST /api/videos/:id/like": Target(ANCHOR_LIKE, 0.8),
    "GET feed (500 subs)": Target(ANCHOR_VIDEOS, 0.5),
}
P99_FACTOR = 2.0  # every scenario's p99 <= 2x the anchor's /videos p99
RSS_LIMIT_MB = 200.0


@dataclass
class Result:
    scenario: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    timeouts: int = 0  # requests wrk gave up on after its 2 s timeout (no answer at all)
    max_worker_rss_mb: float | None = None
    ratio: float | None = None
    target: float | None = None
    met: bool | None = None
    p99_ok: bool | None = None
    ratios: list[float] | None = None  # with --rounds: each pair's, in round order
    # With --rounds: every run's p99, in round order. The p99 verdict takes their median, on
    # both sides (`judged_p99_ms`): a single run's p99 is one sample of a tail that the
    # machine's other tenants move by a factor of four from one run to the next.
    p99s_ms: list[float] | None = None

    @property
    def judged_p99_ms(self) -> float:
        """The p99 the verdict compares: the median run's (the lower of an even count) in a
        paired run, else this run's."""
        return statistics.median_low(self.p99s_ms) if self.p99s_ms else self.p99_ms


@dataclass
class Run:
    results: list[Result] = field(default_factory=list)
    server: str = "granian"
    like_count_mismatches: int | None = None
    errors_in_log: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "GETNATIVE_DATABASE_URL": database_url,
        "GETNATIVE_JWT_SECRET": BENCH_SECRET,
        "GETNATIVE_RATE_LIMIT_PER_MINUTE": "0",
        "GETNATIVE_LIKES_RATE_LIMIT_PER_MINUTE": "0",
        "GETNATIVE_TRUSTED_PROXIES": "127.0.0.1/32",
        "GETNATIVE_RECAPTCHA_SECRET": "",
        "GETNATIVE_MEDIA_DIR": "/tmp/getnative-bench-media",
    }


def server_command(server: str, target: str, port: int, workers: int) -> list[str]:
    """The command line that serves ASGI factory `target` with `server` (uvicorn or granian)."""
    if server == "granian":
        return [
            sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--loop", "uvloop", "--no-access-log", "--log-level", "warning", target,
        ]  # fmt: skip
    return [
        sys.executable, "-m", "uvicorn", target, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--no-access-log",
        "--log-level", "warning", "--loop", "uvloop", "--http", "httptools",
    ]  # fmt: skip


@contextmanager
def serve(
    command: list[str], port: int, env: dict[str, str], probe: str, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run `command` until the block ends; yields the base URL and the process."""
    output = log.open("ab") if log else None
    process = subprocess.Popen(  # a session of its own: `_stop` can kill it with its workers
        command, env=env, stdout=output, stderr=output, cwd=BENCH.parent, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + probe, process)
        yield base, process
    finally:
        _stop(process)
        if output:
            output.close()


def _stop(process: subprocess.Popen[bytes], grace: float = 30) -> None:
    """SIGTERM, and SIGKILL for the server's whole process group (its workers, even one
    started after the stop began) if it is not gone after `grace`; then the group's
    leftovers are killed as well, so that no worker outlives the run holding its port."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        print(f"server {process.pid} ignored SIGTERM for {grace:.0f} s; killed", flush=True)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (the server's workers), from /proc (Linux)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.extend(int(child) for child in children)
        pending.extend(int(child) for child in children)
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def peak_worker_rss(pid: int | None) -> Iterator[list[float]]:
    """Samples the RSS of every worker below `pid` while the block runs; yields [peak MB]."""
    peak = [0.0]
    if pid is None or not Path("/proc").is_dir():
        yield peak
        return
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            workers = _descendants(pid) or [pid]
            peak[0] = max([peak[0], *(_rss_mb(worker) for worker in workers)])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(scenario: str, output: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latencies = {
        m.group(1): float(m.group(2)) * _UNITS[m.group(3)] for m in _LATENCY.finditer(output)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", output)
    return Result(
        scenario,
        rps,
        latencies.get("50", 0.0),
        latencies.get("99", 0.0),
        int(non_2xx.group(1)) if non_2xx else 0,
        int(timeouts.group(1)) if timeouts else 0,
    )


WARM_UP_REQUESTS = 8


def warm_up(url: str, headers: dict[str, str]) -> None:
    """A few requests before the measured run, so that a worker's first-use costs (statements
    compiled and prepared, pools opened) are not counted in a short run: with `--duration 1`
    on a loaded machine a cold scenario could finish no request at all. Answers are not
    judged here; wrk counts the non-2xx of the measured run."""
    with httpx.Client(timeout=30, headers=headers) as client:
        for _ in range(WARM_UP_REQUESTS):
            with contextlib.suppress(httpx.HTTPError):
                client.get(url)


SCRIPT_WARM_UP_SECONDS = 2


def warm_up_script(command: list[str], url: str, env: dict[str, str]) -> None:
    """A script scenario's warm-up: the same wrk command (script, connections, headers) for
    `SCRIPT_WARM_UP_SECONDS`, its figures discarded. A script's requests vary (the search
    words, random ids), so a few fixed requests would not warm what the run asks for; without
    it a short run counted each worker's first renderings of every page under full load, the
    p99 of `GET /videos?q=` (bench/RESULTS.md, search warm-up). A script that writes (the like
    toggle) writes during its warm-up too, as it does in the run."""
    duration = [
        f"-d{SCRIPT_WARM_UP_SECONDS}s" if part.startswith("-d") else part for part in command
    ]
    subprocess.run([*duration, url], capture_output=True, check=False, env=env)


def run_wrk(
    scenario: str,
    url: str,
    args: argparse.Namespace,
    *,
    script: str | None = None,
    headers: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    server_pid: int | None = None,
) -> Result:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    wrk_env = {**os.environ, **(env or {})}
    if script:
        command += ["-s", str(LUA / script)]
        warm_up_script(command, url, wrk_env)
    else:
        warm_up(url, headers or {})
    with peak_worker_rss(server_pid) as peak:
        output = subprocess.run(
            [*command, url], capture_output=True, text=True, check=True, env=wrk_env
        ).stdout
    result = parse_wrk(scenario, output)
    result.max_worker_rss_mb = round(peak[0], 1) if peak[0] else None
    print(
        f"{scenario:<28} {result.requests_per_second:>9.0f} req/s  p50 {result.p50_ms:>7.2f} ms  "
        f"p99 {result.p99_ms:>7.2f} ms  non-2xx {result.non_2xx}  timeouts {result.timeouts}  "
        f"RSS/worker {result.max_worker_rss_mb or 0:.0f} MB",
        flush=True,
    )
    return result


def _sync_url(database_url: str) -> str:
    return database_url.replace("postgresql://", "postgresql+psycopg://", 1)


class BenchIds(NamedTuple):
    """The generator's designated user (most subscriptions), the highest video and member ids:
    read once a run, by `run`, for both servers' scenarios."""

    user_id: int
    max_video: int
    max_user: int

    def lua_env(self) -> dict[str, str]:
        """The ranges the like and random-id scripts draw from (videos; the anchors' users)."""
        return {"BENCH_MAX_ID": str(self.max_video), "BENCH_MAX_USER": str(self.max_user)}


def _bench_ids(database_url: str) -> BenchIds:
    engine = sa.create_engine(_sync_url(database_url))
    with engine.connect() as connection:
        user_id = connection.execute(
            sa.text(
                "SELECT user_id FROM subscriptions GROUP BY user_id ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
        max_video = connection.execute(sa.text("SELECT max(id) FROM videos")).scalar_one()
        max_user = connection.execute(  # members only: IP users' ids have gaps (rollbacks)
            sa.text("SELECT max(id) FROM users WHERE kind = 'member'")
        ).scalar_one()
    engine.dispose()
    return BenchIds(int(user_id), int(max_video), int(max_user))


def like_count_mismatches(database_url: str) -> int:
    """Videos whose like_count differs from their like rows (0 after a correct run)."""
    engine = sa.create_engine(_sync_url(database_url))
    with engine.connect() as connection:
        mismatches = connection.execute(
            sa.text(
                "SELECT count(*) FROM videos v LEFT JOIN "
                "(SELECT video_id, count(*) AS n FROM likes GROUP BY video_id) l "
                "ON l.video_id = v.id WHERE v.like_count <> coalesce(l.n, 0)"
            )
        ).scalar_one()
    engine.dispose()
    return int(mismatches)


@dataclass(frozen=True)
class Scenario:
    """One wrk run: its name, the path (or a script making the requests) and what it sends."""

    name: str
    path: str = ""
    script: str | None = None
    headers: dict[str, str] | None = None
    env: dict[str, str] | None = None


def _anchor_plan(ids: BenchIds) -> list[Scenario]:
    return [
        Scenario(ANCHOR_CEILING, "/ceiling"),
        Scenario(ANCHOR_VIDEOS, "/videos"),
        Scenario(ANCHOR_LIKE, script="anchor_like.lua", env=ids.lua_env()),
    ]


def _our_plan(args: argparse.Namespace, bench: BenchIds) -> list[Scenario]:
    """Our scenarios, those `--only` names if given."""
    user_id, max_video, _ = bench
    rockpack_token = issue_token(
        user_id=user_id, token_version=0, secret=BENCH_SECRET, ttl_seconds=3600, audience="rockpack"
    ).token
    getnative_token = issue_token(
        user_id=user_id,
        token_version=0,
        secret=BENCH_SECRET,
        ttl_seconds=3600,
        audience="getnative",
    ).token
    lua_env = {"BENCH_MAX_ID": str(max_video)}
    feed = f"/ws/{ids.encode(ids.USER, user_id)}/subscriptions/recent_videos/?locale=en&size=20"
    plan = [
        Scenario("ceiling (full stack)", "/bench/ceiling"),
        Scenario("GET /videos (anonymous)", "/videos?lang=en"),
        Scenario(
            "GET /videos (token)",
            "/videos?lang=en",
            headers={"Authorization": f"Bearer {getnative_token}"},
        ),
        Scenario("GET /videos/:id", script="random_video.lua", env=lua_env),
        Scenario("GET /videos?q=", "/videos", script="search.lua"),
        Scenario("GET /clips?q= (words)", script="clips.lua"),
        Scenario('GET /clips?q="two words"', script="clips_phrase.lua"),
        Scenario("POST /api/videos/:id/like", script="like_toggle.lua", env=lua_env),
        Scenario(
            "GET feed (500 subs)", feed, headers={"Authorization": f"Bearer {rockpack_token}"}
        ),
    ]
    if not args.only:
        return plan
    return [scenario for scenario in plan if any(part in scenario.name for part in args.only)]


def _measure(scenario: Scenario, base: str, args: argparse.Namespace, pid: int) -> Result:
    return run_wrk(
        scenario.name,
        base + scenario.path,
        args,
        script=scenario.script,
        headers=scenario.headers,
        env=scenario.env,
        server_pid=pid,
    )


def anchor_command(target: str, port: int, workers: int) -> list[str]:
    """Granian serving `target`, an ASGI callable of a module in bench/ (the anchor, or one
    built on it), as the anchor's README runs it: no factory, bench/ as the working directory."""
    command = server_command("granian", target, port, workers)
    command.remove("--factory")
    at = command.index(target)
    command[at:at] = ["--working-dir", str(BENCH)]
    return command


def anchor_env(env: dict[str, str], database_url: str) -> dict[str, str]:
    """`env` plus the anchor's `DATABASE_URL`: the run's database as asyncpg spells it."""
    return {**env, "DATABASE_URL": database_url.replace("+psycopg", "")}


@contextmanager
def _anchor_server(args: argparse.Namespace, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """The anchor under Granian (as its README runs it), on the run's database."""
    port = _free_port()
    command = anchor_command("anchor:app", port, args.workers)
    served = serve(
        command, port, anchor_env(env, args.database_url), "/ceiling", _log_path("anchor")
    )
    with served as (base, process):
        yield base, process.pid


@contextmanager
def _our_server(
    args: argparse.Namespace, env: dict[str, str], log: Path
) -> Iterator[tuple[str, int]]:
    port = _free_port()
    command = server_command(args.server, "bench.ceiling:create_ceiling_app", port, args.workers)
    with serve(command, port, env, "/videos", log) as (base, process):
        yield base, process.pid


def _anchor_scenarios(
    args: argparse.Namespace, env: dict[str, str], bench: BenchIds
) -> list[Result]:
    with _anchor_server(args, env) as (base, pid):
        return [_measure(scenario, base, args, pid) for scenario in _anchor_plan(bench)]


def _our_scenarios(
    args: argparse.Namespace, env: dict[str, str], log: Path, bench: BenchIds
) -> list[Result]:
    with _our_server(args, env, log) as (base, pid):
        return [_measure(scenario, base, args, pid) for scenario in _our_plan(args, bench)]


T = TypeVar("T")
Pair = tuple[Result, Result]  # the anchor's reference run, then ours right after it


def _paired_scenarios(
    args: argparse.Namespace, env: dict[str, str], log: Path, bench: BenchIds
) -> list[Result]:
    """Both servers up at once; in each of `args.rounds` rounds, every scenario of ours runs
    right after its anchor reference, and its ratio is that pair's. On a shared machine the
    load moves more in the minutes between the anchor's runs and ours (the single pass) than in
    the seconds between the two runs of a pair, so the pairs' median is the steadier figure.
    """
    anchors = {scenario.name: scenario for scenario in _anchor_plan(bench)}
    plan = _our_plan(args, bench)
    pairs: dict[str, list[Pair]] = {scenario.name: [] for scenario in plan}
    with (
        _anchor_server(args, env) as (anchor_base, anchor_pid),
        _our_server(args, env, log) as (base, pid),
    ):
        for number in range(1, args.rounds + 1):
            if args.prewarm and number > 1:  # the page cache may have been dropped since
                prewarm(args.database_url)
            for scenario in plan:
                reference = anchors[TARGETS[scenario.name].reference]
                pair = (
                    _measure(reference, anchor_base, args, anchor_pid),
                    _measure(scenario, base, args, pid),
                )
                pairs[scenario.name].append(pair)
                print(f"  round {number}/{args.rounds}: ratio {_pair_ratio(pair)}", flush=True)
    return _median_rows(pairs)


def _ratio(ours: Result, reference: Result) -> float:
    """Our throughput as a ratio to the anchor's reference run (the figure of every target)."""
    return round(ours.requests_per_second / reference.requests_per_second, 3)


def _pair_ratio(pair: Pair) -> float:
    reference, ours = pair
    return _ratio(ours, reference)


def _median(items: list[T], key: Callable[[T], float]) -> T:
    """The median item by `key` (the lower one of an even count)."""
    return sorted(items, key=key)[(len(items) - 1) // 2]


def _median_rows(pairs: dict[str, list[Pair]]) -> list[Result]:
    """One row per anchor scenario (its median run by req/s), then one per scenario of ours:
    the run of its median pair, with that pair's ratio and every pair's in `ratios`."""
    anchor_runs: dict[str, list[Result]] = {}
    rows: list[Result] = []
    for scenario_pairs in pairs.values():
        for reference, _ in scenario_pairs:
            anchor_runs.setdefault(reference.scenario, []).append(reference)
        median = _median(scenario_pairs, key=_pair_ratio)
        row = median[1]
        row.ratio = _pair_ratio(median)
        row.ratios = [_pair_ratio(pair) for pair in scenario_pairs]
        row.p99s_ms = [ours.p99_ms for _, ours in scenario_pairs]
        rows.append(row)
    anchor_rows = []
    for name in (ANCHOR_CEILING, ANCHOR_VIDEOS, ANCHOR_LIKE):
        if runs := anchor_runs.get(name):
            anchor_row = _median(runs, key=lambda run: run.requests_per_second)
            anchor_row.p99s_ms = [run.p99_ms for run in runs]
            anchor_rows.append(anchor_row)
    return anchor_rows + rows


def _judge(results: list[Result]) -> None:
    """Ratio, target and p99 verdict of every scenario, against the same run's anchor."""
    anchors = {r.scenario: r for r in results if r.scenario.startswith("anchor ")}
    videos_p99 = anchors[ANCHOR_VIDEOS].judged_p99_ms if ANCHOR_VIDEOS in anchors else None
    for result in results:
        target = TARGETS.get(result.scenario)
        reference = anchors.get(target.reference) if target else None
        if target is None or reference is None:
            continue
        if result.ratio is None:  # a paired run's row holds its median pair's ratio
            result.ratio = _ratio(result, reference)
        result.target = target.ratio
        result.met = result.ratio >= target.ratio
        if videos_p99:
            result.p99_ok = result.judged_p99_ms <= P99_FACTOR * videos_p99


_LOG_PROBLEMS = re.compile(r"Traceback|database is locked|Internal Server Error", re.IGNORECASE)


def _log_path(name: str) -> Path:
    """Where a server's stderr goes for the run (the anchor's is kept apart from ours)."""
    return Path(os.environ.get("TMPDIR", "/tmp")) / f"getnative-bench-{name}-{os.getpid()}.log"


# Every relation of the public schema read through PostgreSQL into the OS page cache; the
# total is in blocks. pg_prewarm ships with PostgreSQL (contrib), creating it needs a superuser.
_PREWARM = """
SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm', 't')
"""


def prewarm(database_url: str) -> None:
    """Read the whole database into the OS page cache before the run.

    The load run measures the servers over data in memory, the premise of every target. On
    these machines the page cache is dropped from outside now and then: after a drop, the
    detail page (random of 1M videos, 9 GB of tables) read 20 MB/s from the disk and ran at
    0.06-0.49 of the anchor's `/videos` (fixed rows, always cached), against 1.2 warm
    (bench/RESULTS.md, eighth session). Reading it back takes 80 s after a drop, 9 s when it
    is all cached still; a paired run does it again before every round, as a drop came
    between rounds twice in one session."""
    started = time.monotonic()
    try:
        if _is_postgres(database_url):
            engine = sa.create_engine(_sync_url(database_url), isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
                size = int(connection.exec_driver_sql(_PREWARM).scalar_one()) * 8192
            engine.dispose()
        else:
            size = _read_through(Path(str(sa.engine.make_url(database_url).database)))
    except (sa.exc.SQLAlchemyError, OSError) as error:
        print(f"prewarm skipped: {str(error).splitlines()[0]}", flush=True)
        return
    took = time.monotonic() - started
    print(f"prewarmed {size / 1e6:,.0f} MB of the database in {took:.0f} s", flush=True)


def _is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgresql", "postgres://"))


def _read_through(path: Path) -> int:
    """Read a file (SQLite's database) once, for the page cache; its size."""
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            size += len(chunk)
    return size


def run(args: argparse.Namespace) -> Run:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    env = _server_env(args.database_url)
    outcome = Run(server=args.server)
    is_postgres = _is_postgres(args.database_url)
    if args.prewarm:
        prewarm(args.database_url)
    log = _log_path("server")
    bench = _bench_ids(args.database_url)
    if is_postgres and not args.no_anchor and args.rounds > 1:
        outcome.results += _paired_scenarios(args, env, log, bench)
    else:
        if is_postgres and not args.no_anchor:
            outcome.results += _anchor_scenarios(args, env, bench)
        outcome.results += _our_scenarios(args, env, log, bench)
    outcome.like_count_mismatches = like_count_mismatches(args.database_url)
    if log.exists():
        lines = log.read_text(errors="replace").splitlines()
        outcome.errors_in_log = [line for line in lines if _LOG_PROBLEMS.search(line)][:20]
        if outcome.errors_in_log:
            print(f"server log: {log}")
        else:
            log.unlink()
    _judge(outcome.results)
    _print_summary(outcome)
    return outcome


def _print_summary(outcome: Run) -> None:
    print(f"\nserver: {outcome.server}")
    print("| scenario | req/s | p99 ms | ratio | target | met? | p99 <= 2x anchor | RSS MB |")
    for r in outcome.results:
        verdict = "" if r.met is None else ("yes" if r.met else "no")
        p99 = "" if r.p99_ok is None else ("yes" if r.p99_ok else "no")
        print(
            f"| {r.scenario} | {r.requests_per_second:.0f} | {r.judged_p99_ms:.1f} | "
            f"{r.ratio or ''} | {r.target or ''} | {verdict} | {p99} | "
            f"{r.max_worker_rss_mb or ''} |"
        )
    for r in outcome.results:
        if r.ratios:
            print(f"{r.scenario}: pair ratios {', '.join(f'{ratio:.3f}' for ratio in r.ratios)}")
    for r in outcome.results:
        if r.p99s_ms:
            print(f"{r.scenario}: p99 ms of each run {', '.join(f'{p:.1f}' for p in r.p99s_ms)}")
    print(f"like_count rows that differ from their likes: {outcome.like_count_mismatches}")
    if outcome.errors_in_log:
        print("server log problems:", *outcome.errors_in_log, sep="\n  ")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="granian",
        help="granian is what `getnative serve` runs; uvicorn for comparison",
    )
    parser.add_argument("--no-anchor", action="store_true", help="skip the anchor's scenarios")
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="run only our scenarios whose name contains TEXT (repeatable); the anchor always "
        "runs (with --rounds: the references of the chosen scenarios)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="with more than 1: both servers up at once, each scenario run right after its "
        "anchor reference, this many times; a scenario's ratio is its pairs' median",
    )
    parser.add_argument(
        "--no-prewarm",
        dest="prewarm",
        action="store_false",
        help="skip reading the database into the OS page cache before the run",
    )
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    outcome = run(args)
    if args.output:
        args.output.write_text(json.dumps(asdict(outcome), indent=2) + "\n")


if __name__ == "__main__":
    main()
