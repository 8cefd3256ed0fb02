"""Running the real `getnative` command in a subprocess, as an operator would."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

SERVER_START_SECONDS = 90.0  # a cold start on a loaded CI machine; a wait, not an assertion
STRONG_SECRETS = {
    "GETNATIVE_JWT_SECRET": "x" * 40,
    "GETNATIVE_IP_HASH_KEY": "y" * 40,
    "GETNATIVE_OAUTH_CLIENTS": "rockpack-ios:" + "z" * 40,
}
# What production needs besides the secrets (a relay nobody listens on is fine to start).
PRODUCTION_MAIL = {
    "GETNATIVE_SMTP_URL": "smtp://127.0.0.1:1",
    "GETNATIVE_MAIL_FROM": "Get Native <no-reply@example.com>",
}


def getnative_command() -> list[str]:
    """The installed console script (what `uv run getnative` runs), else the module."""
    script = shutil.which("getnative", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "getnative.cli"]


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The caller's environment without any GETNATIVE_* setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GETNATIVE_")}
    env["GETNATIVE_MEDIA_DIR"] = str(tmp_path / "media")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


def run_cli(
    args: list[str], env: Mapping[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*getnative_command(), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningServer:
    def __init__(self, process: subprocess.Popen[str], base_url: str) -> None:
        self.process = process
        self.base_url = base_url
        self.output = ""

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.base_url + path, timeout=30, **kwargs)  # type: ignore[arg-type]


def _wait_until_serving(server: RunningServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            server.get("/", headers={"DNT": "1"})
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {SERVER_START_SECONDS} s")


@contextmanager
def serve(args: list[str], env: Mapping[str, str], cwd: Path) -> Iterator[RunningServer]:
    """`getnative serve --port <free> ARGS`, stopped (SIGTERM) and its output kept on exit."""
    port = free_port()
    process = subprocess.Popen(
        [*getnative_command(), "serve", "--port", str(port), *args],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = RunningServer(process, f"http://127.0.0.1:{port}")
    try:
        try:
            _wait_until_serving(server)
        except RuntimeError as exc:
            process.kill()
            output = process.communicate(timeout=30)[0]
            raise AssertionError(f"{exc}; output:\n{output}") from None
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            server.output = process.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            server.output = process.communicate()[0]
