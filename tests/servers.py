"""Servers the tests start for real: PostgreSQL databases, the app under uvicorn in a thread,
and the `getnative` command in a subprocess, as an operator runs it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from getnative.web.app import create_app
from getnative.web.container import Container

POSTGRES_ADMIN_URL = os.environ.get(
    "GETNATIVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# PostgreSQL --------------------------------------------------------------------------------------


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be reached, or None when it can."""
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not reachable" for the skip decision
        return str(exc).splitlines()[0]


def require_postgres() -> None:
    """Skip without PostgreSQL, except under CI=true, where its absence fails the test."""
    problem = postgres_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")


def create_postgres_database() -> tuple[str, sa.Engine]:
    """A new empty database of its own name; returns its URL and the admin engine to drop it."""
    name = f"getnative_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
        hide_password=False
    ), admin


def drop_postgres_database(admin: sa.Engine, url: str) -> None:
    name = sa.engine.make_url(url).database
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of `backend` for a server process to migrate."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.sqlite3'}"
        return
    require_postgres()
    url, admin = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(admin, url)


# The app in a thread -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(container: Container) -> Iterator[str]:
    """The whole app under a real uvicorn on 127.0.0.1:<random port>, in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(container.settings, container=container)
    config = uvicorn.Config(
        app, lifespan="off", access_log=False, log_level="warning", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# The `getnative` command -------------------------------------------------------------------------

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


def sqlite_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """`clean_env` on a fresh SQLite database in `tmp_path` (the server or CLI migrates it)."""
    return clean_env(
        tmp_path, GETNATIVE_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **values
    )


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
        start_new_session=True,  # its own process group: `_kill_group` reaches the workers
    )
    server = RunningServer(process, f"http://127.0.0.1:{port}")
    try:
        try:
            _wait_until_serving(server)
        except RuntimeError as exc:
            _kill_group(process)
            output = process.communicate(timeout=30)[0]
            raise AssertionError(f"{exc}; output:\n{output}") from None
        yield server
    finally:
        if process.poll() is None:
            process.terminate()  # the server's own shutdown: it stops its workers
        try:
            server.output = process.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            # A worker outliving its killed parent would keep the pipe open and `communicate`
            # would wait for its end forever: the whole group goes, then the pipe closes.
            _kill_group(process)
            server.output = process.communicate(timeout=30)[0]


def _kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process group `process` leads (started with `start_new_session=True`)."""
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(process.pid, signal.SIGKILL)


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
