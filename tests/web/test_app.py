"""Where the mounts meet: paths that belong to a dialect must not fall through to another."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_dialect_roots_without_a_slash_lead_to_their_dialect(client: TestClient) -> None:
    for bare, mounted in (("/ws", "/ws/"), ("/api", "/api/")):
        response = client.get(bare, follow_redirects=False)
        assert response.status_code == 308
        assert response.headers["location"].endswith(mounted)
    discovery = client.get("/ws")
    assert discovery.status_code == 200
    assert "login_url" in discovery.json()
    likes_root = client.get("/api")
    assert likes_root.status_code == 404
    assert likes_root.json() == {"error": "Not found"}
