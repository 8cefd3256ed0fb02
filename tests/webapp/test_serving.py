"""How the server serves the page (no browser needed): paths, fallback, headers."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_app_is_served_with_an_index_fallback_and_a_same_origin_policy(client: TestClient) -> None:
    assert client.get("/app", follow_redirects=False).headers["location"].endswith("/app/")
    page = client.get("/app/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="js/main.js">' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert client.get("/app/reset").text == page.text  # a path without a file: the page
    assert client.get("/app/js/main.js").headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
    assert client.get("/app/js/missing.js").status_code == 404
    assert client.get("/app/../videos").status_code in {200, 404}  # never outside the folder


def test_the_api_beside_the_page_is_unchanged(client: TestClient) -> None:
    response = client.get("/categories")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
