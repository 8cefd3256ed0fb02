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


def test_prefix_dispatch_gives_each_dialect_the_scope_a_mount_gives(client: TestClient) -> None:
    """Dialect routing by prefix (getnative.web.dispatch): each dialect still sees its own
    `root_path` (its OpenAPI and its 404 format), and paths other routes own are not sent to
    Get Native (the learner's page, docs assets, the bare dialect roots)."""
    assert client.get("/ws/openapi.json").json()["info"]["title"].startswith("Rockpack")
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "Get Native API"
    assert client.get("/ws/no-such-thing/").json()["error"] == "not_found"
    assert client.get("/api/no-such-thing").json() == {"error": "Not found"}
    assert client.get("/no-such-thing").json()["errors"][0]["code"] == 304
    assert client.get("/app", follow_redirects=False).status_code == 308
    head = client.head("/no-such-thing")
    assert head.status_code == 404
    assert head.content == b""
    assert head.headers["x-content-type-options"] == "nosniff"
