"""Run the real server in a subprocess (own process group) for crash and end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`getnative serve` on 127.0.0.1:<port> with the given environment overrides."""

    def __init__(self, env: dict[str, str], workdir: Path, *, workers: int = 1) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.workdir = workdir
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        command = [
            sys.executable,
            "-m",
            "getnative.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
        ]
        log = open(self.workdir / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, env=self.env, cwd=self.workdir, stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {(self.workdir / f'server-{self.port}.log').read_text()}"
                )
            try:
                httpx.get(self.base_url + "/categories", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in time")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown hooks, no flushing, like a power cut
        of the process (not of the machine)."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None
