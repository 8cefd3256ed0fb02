"""Property-based fuzzing of every dialect's served OpenAPI with schemathesis: no 5xx, and every
documented response body conforms to its schema. Bounded for CI (GETNATIVE_FUZZ_EXAMPLES, default
15 a operation); for the larger run by hand see docs/hardening.md.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from starlette.testclient import TestClient

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("GETNATIVE_FUZZ_EXAMPLES", "15"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def fuzz(schema: schemathesis.BaseSchema) -> None:
    """Run every operation of `schema` through hypothesis; report all failing operations."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @FUZZ_SETTINGS
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect, so one run shows every broken operation
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)


def _schema(client: TestClient, prefix: str) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_asgi(f"{prefix}/openapi.json", client.app)
    if prefix:
        schema.config.update(base_url=f"http://testserver{prefix}")
    return schema


def test_getnative_api_never_fails(client: TestClient) -> None:
    fuzz(_schema(client, ""))


def test_rockpack_api_never_fails(client: TestClient) -> None:
    fuzz(_schema(client, "/ws"))


def test_likes_api_never_fails(client: TestClient) -> None:
    fuzz(_schema(client, "/api"))
