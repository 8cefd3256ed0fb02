"""The served OpenAPI documents promise what the server does with bad input: a 400 in the
dialect's own error body, never FastAPI's 422 (which no route ever answers)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient


@pytest.mark.parametrize(
    ("document", "error_field"),
    [("/openapi.json", "errors"), ("/ws/openapi.json", "error"), ("/api/openapi.json", "error")],
)
def test_bad_input_is_documented_as_400_in_the_dialect_body(
    client: TestClient, document: str, error_field: str
) -> None:
    spec = client.get(document).json()
    responses = [op["responses"] for ops in spec["paths"].values() for op in ops.values()]
    assert responses and not any("422" in r for r in responses)
    documented = [r["400"] for r in responses if "400" in r]
    assert documented, "operations taking input document their 400"
    schema = documented[0]["content"]["application/json"]["schema"]
    assert schema["required"] == [error_field]
    assert "HTTPValidationError" not in spec.get("components", {}).get("schemas", {})
