"""Load run: wrk on loopback against the hot endpoints and against the ceiling app.

Starts the ceiling app and the real server the same way (uvicorn, same worker count, same
middleware), runs each scenario with wrk, and prints/writes req/s, p50, p99 and the ratio to
the ceiling. Rate limits are switched off for the run (they would be the thing measured).

    uv run python -m bench.load --database-url postgresql://postgres@127.0.0.1/getnative_bench
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

from getnative.accounts.tokens import issue_token
from getnative.api.rockpack import ids

LUA = Path(__file__).parent / "lua"
BENCH_SECRET = "bench-jwt-secret-0123456789abcdef0123456789"


@dataclass
class Result:
    scenario: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    ratio_to_ceiling: float | None = None


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


@contextmanager
def serve(factory: str, port: int, workers: int, env: dict[str, str]) -> Iterator[str]:
    """Run `uvicorn <factory> --factory` until the block ends; yields the base URL."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(base + "/videos", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(scenario: str, output: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latencies = {
        m.group(1): float(m.group(2)) * _UNITS[m.group(3)] for m in _LATENCY.finditer(output)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Result(
        scenario,
        rps,
        latencies.get("50", 0.0),
        latencies.get("99", 0.0),
        int(non_2xx.group(1)) if non_2xx else 0,
    )


def run_wrk(
    scenario: str,
    url: str,
    args: argparse.Namespace,
    *,
    script: str | None = None,
    headers: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
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
    if script:
        command += ["-s", str(LUA / script)]
    output = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout
    result = parse_wrk(scenario, output)
    print(
        f"{scenario:<28} {result.requests_per_second:>10.0f} req/s  p50 {result.p50_ms:>7.2f} ms  "
        f"p99 {result.p99_ms:>7.2f} ms  non-2xx {result.non_2xx}",
        flush=True,
    )
    return result


def _bench_user(database_url: str) -> tuple[int, int]:
    """The generator's designated user (most subscriptions) and the highest video id."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        user_id = connection.execute(
            sa.text(
                "SELECT user_id FROM subscriptions GROUP BY user_id ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
        max_video = connection.execute(sa.text("SELECT max(id) FROM videos")).scalar_one()
    engine.dispose()
    return int(user_id), int(max_video)


def run(args: argparse.Namespace) -> list[Result]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    env = _server_env(args.database_url)
    results: list[Result] = []
    with serve("bench.ceiling:create_ceiling_app", _free_port(), args.workers, env) as base:
        ceiling = run_wrk("ceiling (fixed JSON)", base + "/videos", args)
    results.append(ceiling)
    user_id, max_video = _bench_user(args.database_url)
    token = issue_token(
        user_id=user_id, token_version=0, secret=BENCH_SECRET, ttl_seconds=3600, audience="rockpack"
    ).token
    lua_env = {"BENCH_MAX_ID": str(max_video)}
    feed = f"/ws/{ids.encode(ids.USER, user_id)}/subscriptions/recent_videos/?locale=en&size=20"
    with serve("getnative.web.app:create_app", _free_port(), args.workers, env) as base:
        results.append(run_wrk("GET /videos", base + "/videos?lang=en", args))
        results.append(run_wrk("GET /videos?q=", base + "/videos", args, script="search.lua"))
        results.append(run_wrk("GET /clips?q= (words)", base, args, script="clips.lua"))
        results.append(
            run_wrk('GET /clips?q="two words"', base, args, script="clips_phrase.lua")
        )
        results.append(
            run_wrk("GET /videos/:id", base, args, script="random_video.lua", env=lua_env)
        )
        results.append(
            run_wrk("POST /api/videos/:id/like", base, args, script="like_toggle.lua", env=lua_env)
        )
        results.append(
            run_wrk(
                "GET feed (500 subs)",
                base + feed,
                args,
                headers={"Authorization": f"Bearer {token}"},
            )
        )
    for result in results:
        result.ratio_to_ceiling = round(result.requests_per_second / ceiling.requests_per_second, 3)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    results = run(args)
    if args.output:
        args.output.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")


if __name__ == "__main__":
    main()
