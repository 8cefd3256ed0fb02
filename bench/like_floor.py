"""Where the like toggle's gap to the anchor lies: in the database's share of the work, or ours.

The like's target compares `POST /api/videos/:id/like` with the anchor's `/like`, which writes a
like and a counter for a user id in its path. The likes API must also write the caller's IP
user on first sight; `bench/anchor_ip_user.py` is the anchor with only that added. This runner
serves the three in turn (Granian, 2 workers, the same database), drives each with its like
script as `bench.load` does, and reports per round and server: requests per second, the ratio
to the anchor of the round, and the CPU time per request of the server's processes and of all
of PostgreSQL's processes (from /proc), so that a gap can be read as database work or as ours.

    uv run python -m bench.like_floor --database-url postgresql://postgres@127.0.0.1/getnative_bench

Linux only (it reads /proc). Rounds alternate the servers; only figures of one round compare.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.load import (
    LUA,
    BenchIds,
    _bench_ids,
    _descendants,
    _free_port,
    _server_env,
    anchor_command,
    anchor_env,
    parse_wrk,
    serve,
    server_command,
    warm_up_script,
)

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    """One server of the comparison: its Granian target, the wrk script that drives its like,
    and whether it is ours (a factory in the repository) or an anchor module in bench/."""

    name: str
    target: str
    script: str
    ours: bool = False


SERVERS = (
    Server("anchor /like", "anchor:app", "anchor_like.lua"),
    Server("anchor + IP user", "anchor_ip_user:app", "anchor_like.lua"),
    Server("ours", "bench.ceiling:create_ceiling_app", "like_toggle.lua", ours=True),
)


@dataclass(frozen=True)
class Sample:
    server: str
    requests_per_second: float
    server_us: float  # CPU of the server's processes per request
    database_us: float  # CPU of every PostgreSQL process per request


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of `pids` so far (processes that ended count as 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS_PER_SECOND


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def command_for(server: Server, port: int) -> list[str]:
    if server.ours:
        return server_command("granian", server.target, port, workers=2)
    return anchor_command(server.target, port, workers=2)


def measure(server: Server, database_url: str, ids: BenchIds, duration: int) -> Sample:
    """Serve `server`, warm it with its script, then one measured wrk run with CPU read around
    it: the server's processes (the Granian parent and its workers) and PostgreSQL's. The
    scripts draw videos (and the anchors' users) from the data's ranges, as in `bench.load`."""
    port = _free_port()
    env = _server_env(database_url)
    if not server.ours:
        env = anchor_env(env, database_url)
    with serve(command_for(server, port), port, env, "/") as (base, process):
        wrk = ["wrk", "-t2", "-c64", f"-d{duration}s", "-s", str(LUA / server.script)]
        wrk_env = {**os.environ, **ids.lua_env()}
        warm_up_script(wrk, base, wrk_env)
        pids = [process.pid, *_descendants(process.pid)]
        server_before, database_before = cpu_seconds(pids), cpu_seconds(postgres_pids())
        output = subprocess.run(
            [*wrk, base], capture_output=True, text=True, check=True, env=wrk_env
        ).stdout
        server_after, database_after = cpu_seconds(pids), cpu_seconds(postgres_pids())
    result = parse_wrk(server.name, output)
    if result.non_2xx:
        raise RuntimeError(f"{server.name}: {result.non_2xx} answers were not 2xx")
    requests = result.requests_per_second * duration
    return Sample(
        server.name,
        result.requests_per_second,
        (server_after - server_before) / requests * 1e6,
        (database_after - database_before) / requests * 1e6,
    )


def compare(database_url: str, *, duration: int) -> list[Sample]:
    """One round: each server of `SERVERS` measured in turn on the same data."""
    ids = _bench_ids(database_url)
    return [measure(server, database_url, ids, duration) for server in SERVERS]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8)
    args = parser.parse_args(argv)
    print(
        "| round | server | req/s | ratio to anchor | server CPU us/req | PostgreSQL CPU us/req |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for round_number in range(1, args.rounds + 1):
        samples = compare(args.database_url, duration=args.duration)
        anchor = samples[0].requests_per_second
        for sample in samples:
            print(
                f"| {round_number} | {sample.server} | {sample.requests_per_second:,.0f} | "
                f"{sample.requests_per_second / anchor:.3f} | {sample.server_us:.0f} | "
                f"{sample.database_us:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
