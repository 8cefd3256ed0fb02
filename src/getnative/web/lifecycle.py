"""A worker's graceful stop, whatever the server: drain in-flight requests, then let it exit.

Granian (what `getnative serve` runs) stops accepting on SIGTERM and runs the ASGI lifespan's
shutdown at once, while requests already started may still be running; uvicorn waits for them
before the lifespan. So the lifespan itself waits for the requests the edge counted (bounded by
`shutdown_timeout_seconds`) before it closes the pools.

Then the AnyIO worker threads (Starlette's thread pool for sync endpoints) must go: they are not
daemon threads, so the interpreter joins them at exit, and AnyIO stops them only when the task it
took for the event loop's root finishes. Under Granian a request that first used the pool after
that task had finished left an idle thread nobody stopped, and the worker never exited (the
"Granian ignores SIGTERM" of bench/RESULTS.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading

ANYIO_WORKER_THREAD = "AnyIO worker thread"
YOUNG_GENERATION_THRESHOLD = 20_000


class InFlight:
    """How many HTTP requests this worker is answering, and a way to wait until none is."""

    def __init__(self) -> None:
        self.count = 0
        self._idle: asyncio.Event | None = None

    def enter(self) -> None:
        self.count += 1

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0 and self._idle is not None:
            self._idle.set()

    async def drained(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) until no request is in flight; False if some still are."""
        if self.count == 0:
            return True
        self._idle = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        return self.count == 0


def freeze_start_up_heap() -> None:
    """Once the worker is ready: collect the start-up garbage, then move every object left
    (modules, the app, its routes, SQLAlchemy's and pydantic's tables: ~170k objects) out of
    the collector's reach. A full collection walks every tracked object: under load one paused
    a worker for 45-100 ms (every request it was serving waited; bench/RESULTS.md, `like3`),
    and nearly all it walked lives until the worker exits anyway. Objects made by requests
    are collected as before.

    The young generation is then collected every `YOUNG_GENERATION_THRESHOLD` net allocations
    instead of 700: under load a worker holds the objects of dozens of requests in flight, so
    every collection at 700 walked live objects only to find them alive (the collector's own
    functions were 1.4-1.6 % of a worker's CPU on the likes toggle at 64 connections, by `perf`;
    bench/RESULTS.md). Garbage in reference cycles waits that much longer: a few megabytes."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])


def stop_idle_worker_threads() -> int:
    """Tell every AnyIO worker thread of this process to finish once idle; how many were told."""
    told = 0
    for thread in threading.enumerate():
        stop = getattr(thread, "stop", None)
        if thread.name == ANYIO_WORKER_THREAD and callable(stop):
            with contextlib.suppress(Exception):  # already stopping: its queue holds the None
                stop()
                told += 1
    return told
