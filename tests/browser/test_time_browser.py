"""Times as a reader sees them: in the zone their browser reports at login, or the one chosen in settings."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.test_posts_browser import as_user

pytestmark = pytest.mark.browser

TOKYO, LOS_ANGELES = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def day_text(at):
    """How a day is written: "Nov 28", with the year when it is not this one."""
    this_year = datetime.now(at.tzinfo).year
    return f"{at:%b} {at.day}" + ("" if at.year == this_year else f", {at.year}")


@pytest.mark.parametrize("size", SIZES)
def test_a_post_shows_the_readers_local_time_and_settings_change_the_zone(live_server, open_browser, size):
    from socialapp.extensions import db
    from socialapp.services import posts

    # Ada, in Tokyo (UTC+9), posts at 08:00 her time two days ago: it is still the day before in Los Angeles.
    written = (datetime.now(UTC) - timedelta(days=2)).astimezone(TOKYO).replace(hour=8, minute=0, second=0)
    written_utc = written.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    def write(ada):
        post = posts.create_post(ada, "What time is it?")
        post.created_at = written_utc
        db.session.commit()
        return post.id

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace", time_zone="Asia/Tokyo")
    live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    post_id = as_user(live_server, "ada", write)
    bob = open_browser("bob", timezone_id="America/Los_Angeles", viewport=SIZES[size])

    bob.goto(live_server(f"/p/{post_id}"))
    time = bob.get_by_role("article").filter(has_text="What time is it?").locator("time").first
    in_la = written.astimezone(LOS_ANGELES)
    assert in_la.day != written.day
    expect(time).to_have_text(day_text(in_la))
    expect(time).to_have_attribute("title", re.compile(rf"{in_la:%H:%M} P[SD]T$"))

    bob.goto(live_server("/settings"))
    zone = bob.get_by_label("Time zone")
    expect(zone).to_have_value("America/Los_Angeles")  # as the browser told at login
    zone.select_option("Asia/Tokyo")
    bob.get_by_role("button", name="Save time zone").click()
    expect(bob.get_by_text("Times are now shown in Asia/Tokyo.")).to_be_visible()

    bob.goto(live_server(f"/p/{post_id}"))
    expect(time).to_have_attribute("title", re.compile(rf"{written:%H:%M} JST$"))  # 08:00, as Ada wrote it
    expect(time).to_have_text(day_text(written))
