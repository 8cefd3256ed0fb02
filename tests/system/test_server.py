"""The real server, started with the `getnative serve` command, on SQLite and on PostgreSQL.

Slow by nature (a process start each); the catalog checks run once the catalog routes and the
importer are merged, and skip before.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from getnative.api.getnative import catalog
from tests.servers import (
    clean_env,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    postgres_problem,
    run_cli,
    serve,
    sqlite_env,
)

pytestmark = pytest.mark.slow


def getnative_route_exists(path: str) -> bool:
    return any(isinstance(r, APIRoute) and r.path == path for r in catalog.router.routes)


BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty (unmigrated) database: the server must migrate it itself."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.sqlite3'}"
        return
    problem = postgres_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    url, admin = create_postgres_database()
    yield url
    drop_postgres_database(admin, url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_serve_migrates_an_empty_database_and_serves_every_dialect(
    tmp_path: Path, backend: str
) -> None:
    with (
        fresh_database(backend, tmp_path) as url,
        serve([], clean_env(tmp_path, GETNATIVE_DATABASE_URL=url), tmp_path) as server,
    ):
        unknown = server.get("/no-such-thing", headers={"Origin": "https://get-native.com"})
        assert unknown.status_code == 404
        assert unknown.json()["errors"][0]["code"] == 304
        assert unknown.headers.get_list("server") == ["api.get-native.com"]
        assert unknown.headers["access-control-allow-origin"] == "https://get-native.com"
        assert server.get("/ws/no-such-thing/").json()["error"] == "not_found"
        if getnative_route_exists("/categories"):
            categories = server.get("/categories")
            assert categories.status_code == 200
            assert categories.headers["content-type"].startswith("application/json")
    if not getnative_route_exists("/categories"):
        pytest.skip("GET /categories is not on this branch yet; the server itself started fine")


def test_serve_on_a_database_it_cannot_reach_stops_with_one_clear_line(tmp_path: Path) -> None:
    """The command checks the database (its migrations) before any worker starts; a worker
    that cannot open its pools fails its start too (`test_db_async`), so a server never
    reports ready without its database."""
    url = "postgresql+psycopg://someone:hunter2@127.0.0.1:1/nothing"
    env = clean_env(tmp_path, GETNATIVE_DATABASE_URL=url)
    result = run_cli(["serve", "--port", str(free_port())], env, tmp_path, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "hunter2" not in result.stderr + result.stdout
    assert "Spawning worker" not in result.stderr + result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(
        "getnative serve: cannot use the database "
        "postgresql+psycopg://someone:***@127.0.0.1:1/nothing: "
    )


def test_serve_with_several_workers_logs_in_workers_and_honours_dnt(tmp_path: Path) -> None:
    env = sqlite_env(
        tmp_path,
        GETNATIVE_SERVER_HEADER="workers.example",  # proves the environment reaches the workers
    )
    with serve(["--workers", "2"], env, tmp_path) as server:
        for _ in range(4):
            response = server.get("/logged-path")
            assert response.status_code == 404
            assert response.headers.get_list("server") == ["workers.example"]
            assert server.get("/private-path", headers={"DNT": "1"}).status_code == 404
    assert server.output.count("Worker process [") == 2  # the lifespan of each worker ran
    assert server.output.count('"GET /logged-path" 404') == 4
    assert "/private-path" not in server.output
    assert "Traceback" not in server.output


def test_serve_with_json_logs_writes_one_object_a_line_with_the_request_id(tmp_path: Path) -> None:
    env = sqlite_env(
        tmp_path,
        GETNATIVE_LOG_FORMAT="json",
    )
    with serve([], env, tmp_path) as server:
        response = server.get("/logged-path", headers={"X-Request-ID": "from-the-proxy-1"})
        assert response.headers["x-request-id"] == "from-the-proxy-1"
    entries = [json.loads(line) for line in server.output.splitlines() if line.startswith("{")]
    access = [entry for entry in entries if entry["logger"] == "getnative.access"]
    assert [(e["request_id"], e["path"], e["status"]) for e in access] == [
        ("from-the-proxy-1", "/logged-path", 404)
    ]
    messages = [entry["message"] for entry in entries]
    assert any(message.startswith("learner's page: http://") for message in messages)
    assert any(message.startswith("Worker process [") for message in messages)
    assert {entry["logger"] for entry in entries} >= {"getnative.cli", "_granian"}
    assert "Traceback" not in server.output


@pytest.mark.parametrize("backend", BACKENDS)
def test_serve_demo_loads_the_demo_catalog(tmp_path: Path, backend: str) -> None:
    pytest.importorskip("getnative.catalog.importer")
    if not getnative_route_exists("/videos"):
        pytest.skip("GET /videos is not on this branch yet")
    with (
        fresh_database(backend, tmp_path) as url,
        serve(["--demo"], clean_env(tmp_path, GETNATIVE_DATABASE_URL=url), tmp_path) as server,
    ):
        videos = server.get("/videos").json()
        assert videos["count"] > 0
        assert videos["count"] == len(videos["records"])
        categories = server.get("/categories")
        assert categories.status_code == 200
    assert "demo catalog loaded" in server.output
