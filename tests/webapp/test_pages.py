"""The learner's page, driven in headless Chromium: browse, search, watch, account, study."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.chromium import screenshot
from tests.webapp.conftest import LiveServer


def app_url(live_server: LiveServer, route: str = "/") -> str:
    return f"{live_server.url}/app/#{route}"


def test_browse_shows_the_newest_videos_with_placeholders(
    page: Any, live_server: LiveServer
) -> None:
    page.goto(app_url(live_server))
    cards = page.locator(".grid .card")
    expect(cards.first).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Newest videos")
    expect(page.locator(".card .placeholder").first).to_be_visible()  # remote media refused
    screenshot(page, "browse-desktop")
