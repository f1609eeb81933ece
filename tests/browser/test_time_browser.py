"""Times as a reader sees them: in the zone their browser reports at login, or the one chosen in settings."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_posts_browser import as_user

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_a_post_shows_the_readers_local_time_and_settings_change_the_zone(live_server, open_browser, size):
    from socialapp.services import posts

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    post_id = as_user(live_server, "ada", lambda ada: posts.create_post(ada, "What time is it?").id)
    bob = open_browser("bob", timezone_id="America/Los_Angeles", viewport=SIZES[size])

    bob.goto(live_server(f"/p/{post_id}"))
    time = bob.get_by_role("article").filter(has_text="What time is it?").locator("time").first
    expect(time).to_have_text("now")
    expect(time).to_have_attribute("title", re.compile(r"\d\d:\d\d P[SD]T$"))

    bob.goto(live_server("/settings"))
    zone = bob.get_by_label("Time zone")
    expect(zone).to_have_value("America/Los_Angeles")  # as the browser told at login
    zone.select_option("Asia/Tokyo")
    bob.get_by_role("button", name="Save time zone").click()
    expect(bob.get_by_text("Times are now shown in Asia/Tokyo.")).to_be_visible()

    bob.goto(live_server(f"/p/{post_id}"))
    expect(time).to_have_attribute("title", re.compile(r"\d\d:\d\d JST$"))
