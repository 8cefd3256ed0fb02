"""The learner's page, driven in headless Chromium: browse, search, watch, account, study."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.chromium import screenshot


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


def register(page: Any, live_server: LiveServer) -> str:
    email = f"learner-{uuid.uuid4().hex[:10]}@example.com"
    page.goto(app_url(live_server, "/register"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("s3cret-words")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/$"))  # registration done (it also patches the account)
    return email


def test_learner_registers_searches_watches_likes_studies_and_sees_stats(
    page: Any, live_server: LiveServer
) -> None:
    register(page, live_server)
    assert page.evaluate("localStorage.getItem('gn.token')")  # the sliding token is kept

    page.get_by_label("Search videos and moments").fill("business cards")
    page.get_by_label("Search videos and moments").press("Enter")
    expect(page).to_have_url(re.compile(r"#/search\?q=business"))
    result = page.locator(".grid .card").first
    expect(result).to_contain_text("Business Cards")
    screenshot(page, "search-desktop")

    result.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"#/videos/\d+$"))
    video_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", name="Collocations")).to_be_visible()
    expect(page.locator(".transcript")).to_contain_text("business cards")
    expect(page.locator(".player .placeholder")).to_be_visible()  # remote video refused
    like = page.locator("button[data-action=like]")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_contain_text("1")
    cue = page.locator("button[data-action=cue]")
    cue.click()
    expect(cue).to_have_attribute("aria-pressed", "true")
    screenshot(page, "watch-desktop")
    with live_server.db.session(write=False) as session:
        from getnative.catalog.models import Video

        assert session.get(Video, video_id).like_count == 1  # type: ignore[union-attr]

    page.get_by_role("link", name="Cued").click()
    expect(page.locator(".grid .card")).to_have_count(1)

    page.goto(app_url(live_server, f"/videos/{video_id}"))
    page.get_by_role("link", name="Study this video").click()
    page.get_by_label("5 min", exact=True).check()
    page.get_by_role("button", name="Start session").click()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^[45]:\d\d$"))
    page.get_by_label("Your answer").fill("I write my name, my job and my phone number on it.")
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".result")).to_contain_text("words per minute")
    expect(page.locator(".result")).to_contain_text("12 words")
    screenshot(page, "study-desktop")

    page.get_by_role("link", name="See your statistics").click()
    expect(page.get_by_role("heading", name="Streak calendar")).to_be_visible()
    calendar = page.locator("svg.calendar")
    expect(calendar.locator("rect[data-studied]")).to_have_count(1)
    expect(page.locator(".tiles")).to_contain_text("1 d")
    expect(page.locator("svg.trend circle")).to_have_count(1)
    screenshot(page, "stats-desktop")


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?。])\s*", text) if part.strip()]


def with_timed_cues(route: Any) -> None:
    """What a server with timed transcripts answers: `cues` on every transcript."""
    response = route.fetch()
    video = response.json()
    for transcript in video["transcripts"]["records"]:
        lines = sentences(transcript["text"])
        transcript["cues"] = [
            {"start_ms": i * 5000, "end_ms": (i + 1) * 5000, "text": line}
            for i, line in enumerate(lines)
        ]
    route.fulfill(response=response, json=video)


def test_moments_and_timed_cues_light_up_when_the_server_has_them(
    page: Any, live_server: LiveServer
) -> None:
    import httpx

    found = httpx.get(f"{live_server.url}/videos", params={"q": "wallet", "lang": "en"}).json()
    video = found["records"][0]
    clip = {"id": 7, "video": video, "start_ms": 10_000, "end_ms": 15_000, "text": "in my wallet"}
    clips = {"count": 1, "records": [clip]}
    page.route(re.compile(r"/clips\?"), lambda route: route.fulfill(json=clips))
    page.route(re.compile(r"/videos/\d+$"), with_timed_cues)

    page.goto(app_url(live_server, "/search?q=wallet"))
    expect(page.get_by_role("heading", name="Moments")).to_be_visible()
    screenshot(page, "search-moments")
    page.get_by_role("link", name="in my wallet", exact=True).click()
    expect(page).to_have_url(re.compile(rf"#/videos/{video['id']}\?t=10000$"))
    current = page.locator(".cues li[aria-current=true]")
    expect(current).to_contain_text("I keep a little stack of them in my wallet")
    expect(current.locator("mark.colloc")).to_have_text("caught empty-handed")
    screenshot(page, "watch-timed-cues")

    page.locator(".cues button", has_text="Some folks like").click()
    expect(current).to_contain_text("Some folks like to jot a quick note")
    expect(page.locator(".cues li[aria-current=true]")).to_have_count(1)


def test_password_reset_page_sets_a_new_password(page: Any, live_server: LiveServer) -> None:
    from getnative.accounts import oauth_service
    from tests.factories import make_user

    user = make_user(live_server.db, email=f"reset-{uuid.uuid4().hex[:8]}@example.com")
    token = oauth_service.issue_reset_token(user, live_server.container.settings)
    page.goto(app_url(live_server, f"/reset?token={token}"))
    page.get_by_label("New password").fill("brand-new-pass")
    page.get_by_label("Repeat it").fill("brand-new-pass")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status").filter(has_text="new password is set")).to_be_visible()
    screenshot(page, "reset-done")

    page.get_by_role("link", name="Log in", exact=True).last.click()
    page.get_by_label("Email").fill(user.email or "")
    page.get_by_label("Password").fill("brand-new-pass")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    expect(page).to_have_url(re.compile(r"#/$"))

    page.goto(app_url(live_server, f"/reset?token={token}"))  # a used token is refused
    page.get_by_label("New password").fill("another-pass")
    page.get_by_label("Repeat it").fill("another-pass")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("alert")).to_contain_text("invalid or has expired")


def test_phone_width_japanese_and_keyboard(phone: Any, live_server: LiveServer) -> None:
    phone.goto(app_url(live_server, "/?lang=ja"))
    expect(phone.locator(".grid .card").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(phone, "browse-phone-ja")

    phone.locator(".grid .card a").first.click()
    transcript = phone.locator(".transcript")
    expect(transcript).to_have_attribute("lang", "ja")
    font = transcript.evaluate("el => getComputedStyle(el).fontFamily")
    assert font.startswith('"Hiragino Sans"'), font
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "watch-phone-ja")

    # Keyboard: the view's heading takes the focus after a navigation; Tab goes on to the
    # categories and the video cards, Enter opens one.
    phone.goto(app_url(live_server, "/"))
    expect(phone.locator(".grid .card").first).to_be_visible()
    assert phone.evaluate("document.activeElement.tagName") == "H1"
    for _ in range(30):
        phone.keyboard.press("Tab")
        if phone.evaluate("!!document.activeElement.closest('.card')"):
            break
    else:
        raise AssertionError("no video card is reachable with Tab")
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(re.compile(r"#/videos/\d+$"))


def test_infinite_scroll_pages_by_max_id(phone: Any, live_server: LiveServer) -> None:
    page = phone  # one card a row: the end of the first page is far below the fold
    from tests.factories import make_video

    lang = "de"  # no demo video is German: exactly these videos
    made = [make_video(live_server.db, lang=lang) for _ in range(15)]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/videos?" in r.url else None)

    page.goto(app_url(live_server, f"/?lang={lang}"))
    expect(page.locator(".grid .card")).to_have_count(12)
    page.mouse.wheel(0, 20_000)
    expect(page.locator(".grid .card")).to_have_count(15)
    expect(page.locator(".end")).to_have_text("That's all for now.")
    assert f"max_id={made[3].id - 1}" in requests[-1]  # lowest id shown, minus one (inclusive)


def test_account_notifications_and_log_out(page: Any, live_server: LiveServer) -> None:
    email = register(page, live_server)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text(email)).to_be_visible()
    welcome = page.locator(".notifications li")
    expect(welcome).to_have_count(1)
    screenshot(page, "account-desktop")
    welcome.get_by_role("button", name=re.compile("Dismiss")).click()
    expect(page.locator(".notifications li")).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert page.evaluate("localStorage.getItem('gn.token')") is None
    page.goto(app_url(live_server, "/account"))
    expect(page).to_have_url(re.compile(r"#/login\?next=%2Faccount$"))
    page.reload()  # the dismissed notification is gone on the server too
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("s3cret-words")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("No notifications.")).to_be_visible()


def test_search_without_clips_shows_the_videos_alone(page: Any, live_server: LiveServer) -> None:
    missing = {"errors": [{"message": "The requested resource does not exist.", "code": 304}]}
    page.route(re.compile(r"/clips\?"), lambda route: route.fulfill(status=404, json=missing))
    page.goto(app_url(live_server, "/search?q=wallet"))
    expect(page.locator(".grid .card").first).to_contain_text("Business Cards")
    expect(page.get_by_role("heading", name="Moments")).to_have_count(0)
    expect(page.locator(".error")).to_have_count(0)
