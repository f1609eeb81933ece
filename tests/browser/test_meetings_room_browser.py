"""The meeting room as people see it: copy the link, how many are here, initials for a camera that is off,
a shared screen seen whatever the camera does, and a ring around whoever speaks."""

import functools

import pytest
from playwright.sync_api import expect

from tests.browser.test_meetings_browser import CONNECTED_PEERS, create_room, tile

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# Decoded size of the video a tile shows.
TILE_VIDEO = (
    "(tile) => { const v = tile.querySelector('video'); return [v.videoWidth, getComputedStyle(v).visibility]; }"
)


@pytest.fixture
def open_browser(open_browser):
    return functools.partial(
        open_browser, timeout=30_000, permissions=["camera", "microphone", "clipboard-read", "clipboard-write"]
    )


def spoke(page, name, within):
    """Whether the tile of `name` on `page` is ringed as speaking at any moment in the next `within` ms
    (watched in the page, as the ring lasts under a second)."""
    return page.evaluate(
        """([name, within]) => new Promise((done) => {
            const tile = () => [...document.querySelectorAll('#tiles .tile')].find((t) => t.textContent.includes(name));
            const watch = setInterval(() => {
                if (tile()?.classList.contains('speaking')) { clearInterval(watch); done(true); }
            }, 25);
            setTimeout(() => { clearInterval(watch); done(false); }, within);
        })""",
        [name, within],
    )


def join(page, live_server, room_id):
    page.goto(live_server(f"/meetings/{room_id}"))
    expect(page.get_by_label("Camera", exact=True)).not_to_have_value("")
    page.get_by_role("button", name="Join meeting").click()


@pytest.mark.parametrize("size", SIZES)
def test_link_count_initials_and_a_screen_shared_with_the_camera_off(live_server, open_browser, size):
    ada_id, _, _ = live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    room_id = create_room(live_server, ada_id, "Standup")
    ada, bob = open_browser("ada", viewport=SIZES[size]), open_browser("bob", viewport=SIZES[size])

    ada.goto(live_server(f"/meetings/{room_id}"))
    expect(ada.get_by_text("Nobody is here yet")).to_be_visible()
    ada.get_by_role("button", name="Copy link").click()
    expect(ada.get_by_role("button", name="Copied")).to_be_visible()
    link = ada.get_by_label("Link to share").input_value()
    assert ada.evaluate("() => navigator.clipboard.readText()") == link
    expect(ada.get_by_label("Camera", exact=True)).not_to_have_value("")
    ada.get_by_role("button", name="Join meeting").click()
    expect(ada.get_by_text("Only you are here")).to_be_visible()

    bob.goto(live_server(f"/meetings/{room_id}"))
    expect(bob.get_by_text("1 person is here")).to_be_visible()
    bob.get_by_role("button", name="Join meeting").click()
    for page in (ada, bob):
        expect(page.get_by_text("2 people in the meeting")).to_be_visible()
    expect(tile(ada, "Bob Babbage")).to_have_attribute("aria-busy", "false")
    assert ada.evaluate(CONNECTED_PEERS) == 1

    # Bob turns his camera off: Ada sees his initials where his picture was.
    bobs_tile = tile(ada, "Bob Babbage")
    initials = bobs_tile.locator(".tile-initials")
    expect(initials).to_be_hidden()
    bob.get_by_role("button", name="Turn camera off").click()
    expect(initials).to_be_visible()
    expect(initials).to_have_text("BB")

    # He shares his screen with the camera still off: Ada sees the screen, not the initials.
    bob.get_by_role("button", name="Share screen").click()
    expect(bobs_tile.get_by_text("Sharing screen")).to_be_visible()
    expect(initials).to_be_hidden()
    ada.wait_for_function(f"(tile) => ({TILE_VIDEO})(tile)[0] > 0", arg=bobs_tile.element_handle())
    assert bobs_tile.evaluate(TILE_VIDEO)[1] == "visible"

    # Bob leaves: the count follows.
    bob.get_by_role("button", name="Leave meeting").click()
    expect(ada.get_by_text("Only you are here")).to_be_visible()


def test_the_speaking_ring_follows_the_microphone_that_is_on(live_server, open_browser):
    ada_id, _, _ = live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    room_id = create_room(live_server, ada_id, "Standup")
    ada, bob = open_browser("ada"), open_browser("bob")
    join(ada, live_server, room_id)
    join(bob, live_server, room_id)
    expect(tile(ada, "Bob Babbage")).to_have_attribute("aria-busy", "false")
    expect(tile(bob, "Ada Lovelace")).to_have_attribute("aria-busy", "false")

    # Both microphones on: the fake microphones' beeps ring each tile on the other's page.
    assert spoke(ada, "Bob Babbage", within=15_000)
    assert spoke(bob, "Ada Lovelace", within=15_000)

    # Ada mutes: Bob's page no longer rings her tile, while Ada's still rings Bob's.
    ada.get_by_role("button", name="Turn microphone off").click()
    expect(tile(bob, "Ada Lovelace").get_by_text("Microphone off")).to_be_visible()
    assert not spoke(bob, "Ada Lovelace", within=3_000)
    assert spoke(ada, "Bob Babbage", within=15_000)
