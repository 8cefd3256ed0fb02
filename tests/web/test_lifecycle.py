"""A worker's graceful stop: in-flight requests drain (bounded), AnyIO's idle threads are told
to finish so the interpreter can exit (the Granian shutdown hang)."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterator

import anyio.to_thread
import pytest

from getnative.web.lifecycle import (
    ANYIO_WORKER_THREAD,
    YOUNG_GENERATION_THRESHOLD,
    InFlight,
    freeze_start_up_heap,
    stop_idle_worker_threads,
)


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector's thresholds as they were before the test, and its heap unfrozen again
    if nothing was frozen before (an app's lifespan in another test may have frozen it)."""
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    yield
    gc.set_threshold(*thresholds)
    if not frozen:
        gc.unfreeze()


@pytest.mark.usefixtures("collector")
def test_a_ready_worker_freezes_its_heap_and_collects_young_objects_less_often() -> None:
    older = gc.get_threshold()[1:]
    freeze_start_up_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *older)
    assert YOUNG_GENERATION_THRESHOLD > 700  # CPython's default, which this replaces


def test_drained_waits_for_the_last_request_to_leave() -> None:
    async def scenario() -> tuple[bool, int]:
        in_flight = InFlight()
        in_flight.enter()
        asyncio.get_running_loop().call_later(0.05, in_flight.leave)
        return await in_flight.drained(30), in_flight.count

    assert asyncio.run(scenario()) == (True, 0)


def test_drained_gives_up_after_the_timeout() -> None:
    async def scenario() -> bool:
        in_flight = InFlight()
        in_flight.enter()  # a stuck request
        return await in_flight.drained(0.05)

    assert asyncio.run(scenario()) is False


def test_idle_anyio_worker_threads_are_stopped() -> None:
    async def scenario() -> int:
        await anyio.to_thread.run_sync(lambda: None)  # starts a worker thread
        return stop_idle_worker_threads()

    told = asyncio.run(scenario())
    assert told >= 0
    for thread in threading.enumerate():
        if thread.name == ANYIO_WORKER_THREAD:
            thread.join(30)  # would hang (test timeout) if nobody stopped it
            assert not thread.is_alive()
