"""The Python cost of one ceiling request through the whole stack, in-process, in CPU time.

On a shared machine wrk's figures move by a factor of three from run to run; the CPU time this
thread spends on one request through `bench.ceiling`'s app does not depend on what else runs
(much). It prints microseconds per request (the best of several rounds) of: a raw ASGI app
sending the same encoded body (the floor, as the anchor's `/ceiling` sends it), the server's own
stack with that raw app in place of the Get Native dialect (edge, dispatch), and the whole
stack (the ceiling route).

    uv run python -m bench.stack_cost [--requests 2000 --rounds 9]

No database is touched; the settings come from the environment as for the server
(`GETNATIVE_DATABASE_URL` must still parse), with the rate limits off as in `bench.load`: with
the default budget every measured request after the 600th was a 429 answered by the edge, so
figures taken without this (before 2026-12-01 "edge3") measured the refusal, not the stack.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bench.ceiling import FIXED_JSON, create_ceiling_app

HEADERS = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]


async def raw(_scope: Scope, _receive: Receive, send: Send) -> None:
    body = FIXED_JSON
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def edge_only() -> ASGIApp:
    """The server with the raw app in place of the Get Native dialect."""
    app = create_ceiling_app()
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "":
            route.app = raw
    return app


def _scope(path: str) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": list(HEADERS),
        "client": ("127.0.0.1", 5555),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(_message: Message) -> None:
    return None


async def _statuses(app: ASGIApp) -> list[int]:
    """The statuses one ceiling request is answered with."""
    statuses: list[int] = []

    async def status_of(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(_scope("/bench/ceiling"), _receive, status_of)
    return statuses


async def measure(apps: dict[str, ASGIApp], requests: int, rounds: int) -> dict[str, float]:
    """Best thread CPU time per request of each app, in microseconds (rounds interleaved)."""
    best = dict.fromkeys(apps, float("inf"))
    for name, app in apps.items():  # warm up: middleware stacks are built on the first request
        for _ in range(200):
            await app(_scope("/bench/ceiling"), _receive, _send)
        statuses = await _statuses(app)
        if statuses != [200]:
            raise SystemExit(f"{name} answered {statuses}, not 200: the figures would be wrong")
    for _ in range(rounds):
        for name, app in apps.items():
            started = time.thread_time()
            for _ in range(requests):
                await app(_scope("/bench/ceiling"), _receive, _send)
            best[name] = min(best[name], (time.thread_time() - started) / requests * 1e6)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    os.environ["GETNATIVE_RATE_LIMIT_PER_MINUTE"] = "0"  # as bench.load serves
    os.environ["GETNATIVE_LIKES_RATE_LIMIT_PER_MINUTE"] = "0"
    makers: dict[str, Callable[[], ASGIApp]] = {
        "raw ASGI, fixed bytes": lambda: raw,
        "edge + dispatch, raw dialect": edge_only,
        "ceiling (whole stack)": create_ceiling_app,
    }
    apps = {name: make() for name, make in makers.items()}
    for name, micros in asyncio.run(measure(apps, args.requests, args.rounds)).items():
        print(f"{name:32s} {micros:6.1f} us/request")


if __name__ == "__main__":
    main()
