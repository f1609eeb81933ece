"""A video call started from a conversation: the other person is rung on whatever page they are on, joins,
and both see each other's camera; or declines, and the caller is told."""

import functools

import pytest
from playwright.sync_api import expect

from tests.browser.test_meetings_browser import CONNECTED_PEERS, VIDEO_FRAMES_FROM_EACH_PEER, busy_tiles, tile
from tests.support.sockets import wait_until

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def wait_for_socket(live_server, user_id):
    """Until the page's socket is registered, a ring would find nobody to reach."""
    hub = live_server.app.extensions["realtime"]
    wait_until(lambda: hub.open_sockets(user_id) >= 1, "the page's socket")


@pytest.fixture
def open_browser(open_browser):
    return functools.partial(open_browser, timeout=30_000, permissions=["camera", "microphone"])


@pytest.mark.parametrize("size", SIZES)
def test_a_call_from_chat_is_joined_by_the_other_with_video_both_ways(live_server, open_browser, size):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    bob_id, _, _ = live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    ada, bob = open_browser("ada", viewport=SIZES[size]), open_browser("bob", viewport=SIZES[size])
    bob.goto(live_server("/"))  # Bob is on his home page, not in chat
    wait_for_socket(live_server, bob_id)
    ada.goto(live_server("/chat/bob"))
    ada.get_by_role("button", name="Video call Bob").click()
    expect(ada.get_by_role("heading", name="Call: Ada and Bob")).to_be_visible()

    invitation = bob.get_by_role("alertdialog", name="Ada Lovelace is calling you")
    expect(invitation).to_be_visible()
    invitation.get_by_role("button", name="Join").click()
    expect(bob.get_by_role("heading", name="Call: Ada and Bob")).to_be_visible()

    for page in (ada, bob):
        expect(page.get_by_label("Camera", exact=True)).not_to_have_value("")
        page.get_by_role("button", name="Join meeting").click()
    expect(tile(ada, "Bob Babbage")).to_be_visible()
    expect(tile(bob, "Ada Lovelace")).to_be_visible()
    for page in (ada, bob):
        expect(busy_tiles(page)).to_have_count(0, timeout=60_000)  # busy until the first frame arrives
        assert page.evaluate(CONNECTED_PEERS) == 1
        frames = page.evaluate(VIDEO_FRAMES_FROM_EACH_PEER)
        assert len(frames) == 1 and frames[0] > 0, frames


def test_a_declined_call_tells_the_caller(live_server, open_browser):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    bob_id, _, _ = live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    ada, bob = open_browser("ada"), open_browser("bob")
    bob.goto(live_server("/chat/"))
    wait_for_socket(live_server, bob_id)
    ada.goto(live_server("/chat/bob"))
    ada.get_by_role("button", name="Video call Bob").click()
    invitation = bob.get_by_role("alertdialog", name="Ada Lovelace is calling you")
    invitation.get_by_role("button", name="Decline").click()
    expect(invitation).to_have_count(0)
    expect(ada.get_by_role("alert").filter(has_text="Bob Babbage declined the call.")).to_be_visible()
