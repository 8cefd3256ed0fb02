"""Every request has an id (`X-Request-ID`): honoured when sane, else made; echoed in the
response; carried by every log line of the request (getnative.logs)."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from tests.web.test_middleware import DIALECT_PATHS

MADE = re.compile(r"[0-9a-f]{32}")
route_log = logging.getLogger("getnative.test.route")


@pytest.mark.parametrize("path", DIALECT_PATHS)
def test_every_dialect_answers_with_a_new_request_id(client: TestClient, path: str) -> None:
    first, second = client.get(path), client.get(path)
    assert MADE.fullmatch(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.headers.get_list("x-request-id") == [first.headers["x-request-id"]]


def test_a_sane_client_id_is_echoed_and_an_odd_one_replaced(client: TestClient) -> None:
    sent = "3f2c9a1e-8d4b-4e6f-a1b2-0c9d8e7f6a5b"
    assert client.get("/categories", headers={"X-Request-ID": sent}).headers["x-request-id"] == sent
    odd = client.get("/categories", headers={"X-Request-ID": "x" * 500})
    assert MADE.fullmatch(odd.headers["x-request-id"])
    refused = client.head("/ws/no-such-thing/", headers={"X-Request-ID": "a b"})
    assert MADE.fullmatch(refused.headers["x-request-id"])


def add_logging_route(app: Starlette) -> None:
    """A sync route (run in the thread pool, like most of ours) that logs, in Get Native."""

    def logs_something() -> dict[str, bool]:
        route_log.warning("inside the route")
        return {"ok": True}

    for route in app.routes:
        if isinstance(route, Mount) and isinstance(route.app, FastAPI) and route.path == "":
            route.app.add_api_route("/tooling-logs", logs_something, methods=["GET"])


def test_every_log_line_of_a_request_carries_its_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    assert isinstance(client.app, Starlette)
    add_logging_route(client.app)
    caplog.set_level(logging.INFO, logger="getnative")
    answers = [client.get("/tooling-logs", headers={"X-Request-ID": f"req-{n}"}) for n in (1, 2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    by_logger: dict[str, list[str]] = {}
    for record in caplog.records:
        by_logger.setdefault(record.name, []).append(record.__dict__["request_id"])
    assert by_logger["getnative.test.route"] == ["req-1", "req-2"]
    assert by_logger["getnative.access"] == ["req-1", "req-2"]
    route_log.warning("outside any request")
    assert caplog.records[-1].__dict__["request_id"] == "-"
