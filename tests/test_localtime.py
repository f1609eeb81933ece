"""Times in each reader's own zone: relative text, the exact local time in the title, pushes included."""

from datetime import datetime, timedelta

import pytest

from socialapp import localtime
from socialapp.extensions import db
from socialapp.models import User
from socialapp.services import chat, posts
from tests.support.factories import PASSWORD
from tests.test_chat_delivery import FakeSocket

NOW = datetime(2026, 11, 28, 3, 0)  # naive UTC: 27 Nov, 19:00 in Los Angeles


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        (timedelta(seconds=5), "now"),
        (timedelta(minutes=5, seconds=30), "5 min"),
        (timedelta(hours=3, minutes=59), "3 h"),
        (timedelta(days=2), "Nov 26"),
        (timedelta(days=400), "Oct 24, 2025"),
    ],
)
def test_relative_text_grows_from_now_to_a_day_and_a_year(ago, text):
    assert localtime.relative(NOW - ago, now=NOW, zone_name="UTC") == text


def test_the_day_is_the_readers_day_not_the_servers():
    at = NOW - timedelta(days=1, hours=1)  # 27 Nov 02:00 UTC, 26 Nov 18:00 in Los Angeles
    assert localtime.relative(at, now=NOW, zone_name="UTC") == "Nov 27"
    assert localtime.relative(at, now=NOW, zone_name="America/Los_Angeles") == "Nov 26"
    assert localtime.full(NOW, "America/Los_Angeles") == "Fri, Nov 27, 2026, 19:00 PST"
    assert localtime.full(NOW, "Asia/Tokyo") == "Sat, Nov 28, 2026, 12:00 JST"


def test_a_chat_clock_names_the_day_unless_it_is_today():
    assert localtime.clock(NOW - timedelta(hours=1), now=NOW, zone_name="UTC") == "02:00"
    assert localtime.clock(NOW - timedelta(hours=4), now=NOW, zone_name="UTC") == "Nov 27, 23:00"
    assert localtime.clock(NOW - timedelta(days=365), now=NOW, zone_name="UTC") == "Nov 28, 2025, 03:00"


def test_when_writes_a_time_element_with_utc_in_datetime_and_the_local_time_in_the_title(app):
    with app.test_request_context(), localtime.reading_in("Asia/Tokyo"):
        html = str(localtime.when(NOW, css="muted"))
    assert html.startswith('<time datetime="2026-11-28T03:00:00Z" title="Sat, Nov 28, 2026, 12:00 JST"')
    assert 'class="muted"' in html and "data-relative" in html


def test_only_known_zones_are_valid():
    assert localtime.valid_zone("Europe/Paris") == "Europe/Paris"
    for bad in ("", None, "Mars/Olympus", "../../etc/passwd", "x" * 200, 42):
        assert localtime.valid_zone(bad) is None


def log_in(client, zone):
    return client.post("/login", data={"login": "ada", "password": PASSWORD, "time_zone": zone})


def test_login_takes_the_zone_the_browser_reports_and_ignores_a_bogus_one(app, client, make_user):
    ada = make_user("ada")
    assert log_in(client, "America/Los_Angeles").status_code == 302
    assert db.session.get(User, ada.id).time_zone == "America/Los_Angeles"
    client.post("/logout")
    assert log_in(client, "Nowhere/Special").status_code == 302
    assert db.session.get(User, ada.id).time_zone == "America/Los_Angeles"


def test_sign_up_stores_the_browsers_zone(client, outbox):
    response = client.post(
        "/register",
        data={
            "first_name": "Grace",
            "last_name": "Hopper",
            "username": "grace",
            "email": "grace@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "time_zone": "Asia/Tokyo",
        },
    )
    assert response.status_code == 200
    assert db.session.query(User).filter_by(username="grace").one().time_zone == "Asia/Tokyo"


def test_settings_change_the_zone_and_refuse_an_unknown_one_keeping_the_old(client, make_user):
    ada = make_user("ada")
    log_in(client, "UTC")
    page = client.get("/settings").get_data(as_text=True)
    assert '<option selected value="UTC">' in page
    refused = client.post("/settings/time-zone", data={"tz-time_zone": "Mars/Olympus"})
    assert refused.status_code == 422
    assert "Not a valid choice" in refused.get_data(as_text=True)
    assert client.post("/settings/time-zone", data={"tz-time_zone": "Europe/Paris"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, ada.id).time_zone == "Europe/Paris"


def test_a_post_page_shows_its_time_in_the_readers_zone(client, make_user):
    author = make_user("ada")
    make_user("bob", time_zone="America/Los_Angeles")
    post = posts.create_post(author, "Late night thought")
    post.created_at = NOW
    db.session.commit()
    client.post("/login", data={"login": "bob", "password": PASSWORD, "time_zone": "America/Los_Angeles"})
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    assert 'datetime="2026-11-28T03:00:00Z" title="Fri, Nov 27, 2026, 19:00 PST"' in html
    assert ">Nov 27<" in html  # the reader's day, not the server's 28th


def test_a_pushed_message_shows_its_time_in_the_recipients_zone(app, make_user):
    ada = make_user("ada", time_zone="Europe/Paris")
    bob = make_user("bob", time_zone="Asia/Tokyo")
    hub = app.extensions["realtime"]
    bob_tab = FakeSocket()
    hub.add(bob.id, bob_tab, time_zone=bob.time_zone)  # as /ws does, from the logged-in user
    try:
        message = chat.send_message(ada, bob, "konnichiwa")
        pushed = ""
        while "konnichiwa" not in pushed:  # the bell's count may come first
            pushed = bob_tab.received.get(timeout=5)
    finally:
        hub.stopped.set()
    expected = localtime.full(message.created_at, "Asia/Tokyo")
    assert f'title="{expected}"' in pushed and "JST" in expected
