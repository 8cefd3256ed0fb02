"""SIGTERM on a real `getnative serve`: stop accepting, finish in-flight requests (bounded),
close the pools, exit."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import pytest

from tests.servers import clean_env, fresh_database, serve, sqlite_env

pytestmark = pytest.mark.slow
BODY = b"x" * 64


def _start_request(base_url: str) -> socket.socket:
    """A POST whose body has only half arrived: in flight until we send the rest."""
    port = int(base_url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST /api/no-such-thing HTTP/1.1\r\nHost: x\r\nContent-Length: {len(BODY)}\r\n"
        "Content-Type: text/plain\r\n\r\n"
    )
    sock.sendall(head.encode() + BODY[:32])
    return sock


def _refused(base_url: str) -> bool:
    port = int(base_url.rsplit(":", 1)[1])
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def _wait_until(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigterm_finishes_the_request_in_flight_then_exits(tmp_path: Path, backend: str) -> None:
    with fresh_database(backend, tmp_path) as url:
        env = clean_env(tmp_path, GETNATIVE_DATABASE_URL=url)
        with serve([], env, tmp_path) as server:
            sock = _start_request(server.base_url)
            time.sleep(0.5)  # the server has read the head and is waiting for the body
            server.process.send_signal(signal.SIGTERM)
            assert _wait_until(lambda: _refused(server.base_url), 10), "still accepting"
            assert server.process.poll() is None, "exited with a request in flight"
            sock.sendall(BODY[32:])
            answer = sock.recv(65536)
            sock.close()
            assert answer.startswith(b"HTTP/1.1 404"), answer[:200]
            # A clean stop exits 0 (or "terminated by SIGTERM", as uvicorn re-raised it), as
            # systemd and Kubernetes expect.
            assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in server.output  # the lifespan closed the pools
    assert "Traceback" not in server.output


def test_sigterm_does_not_wait_forever_for_a_stuck_request(tmp_path: Path) -> None:
    env = sqlite_env(
        tmp_path,
        GETNATIVE_SHUTDOWN_TIMEOUT_SECONDS="2",
    )
    with serve([], env, tmp_path) as server:
        sock = _start_request(server.base_url)  # and never finish it
        time.sleep(0.5)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
        elapsed = time.monotonic() - started
        sock.close()
    assert 1.5 <= elapsed < 15, elapsed
