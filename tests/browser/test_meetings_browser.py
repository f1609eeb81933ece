"""Three people in one meeting, in three Chromium browsers with fake cameras and microphones: each
receives the other two video streams, a camera turned off shows as off for the others, and the tile of
someone who leaves goes away."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in

pytestmark = pytest.mark.browser

# Read through window.meeting, the module's documented read-only view of its connections.
CONNECTED_PEERS = """() => window.meeting
    ? [...window.meeting.peers.values()].filter((pc) => pc.connectionState === "connected").length
    : 0"""
VIDEO_FRAMES_FROM_EACH_PEER = """async () => {
    const frames = [];
    for (const pc of window.meeting.peers.values()) {
        let decoded = 0;
        (await pc.getStats()).forEach((s) => {
            if (s.type === "inbound-rtp" && s.kind === "video") decoded += s.framesDecoded || 0;
        });
        frames.push(decoded);
    }
    return frames;
}"""


@pytest.fixture
def open_browser(browser, live_server):
    """A fresh browser with its own cookies and camera, logged in as `username`."""
    contexts, problems = [], []

    def open_browser(username):
        context = browser.new_context(permissions=["camera", "microphone"])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        # Shown with the server's log when a test fails: what each page said, in order.
        page.on("console", lambda msg: print(f"{username} console.{msg.type}: {msg.text}"))
        page.on("pageerror", lambda error: problems.append(f"{username}: {error}"))
        page.on(
            "console",
            lambda msg: msg.type == "error" and "Content Security Policy" in msg.text and problems.append(msg.text),
        )
        log_in(page, live_server, username)
        return page

    expect.set_options(timeout=30_000)
    yield open_browser
    for context in contexts:
        context.close()
    assert not problems, "the pages reported errors:\n" + "\n".join(problems)


def busy_tiles(page):
    return page.get_by_role("list", name="People in the meeting").locator("[aria-busy=true]")


def tile(page, name):
    return page.get_by_role("list", name="People in the meeting").get_by_role("listitem").filter(has_text=name)


def open_by_pasting(page, live_server, room_id):
    page.goto(live_server("/meetings/"))
    page.get_by_label("Meeting ID or link").fill(room_id)
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_label("Camera", exact=True)).not_to_have_value("")


def test_three_people_see_each_other_and_camera_off_and_leaving(live_server, open_browser):
    for name in ("ada", "bob", "cyd"):
        live_server.make_user(name)
    ada, bob, cyd = open_browser("ada"), open_browser("bob"), open_browser("cyd")

    ada.goto(live_server("/meetings/"))
    ada.get_by_label("Title").fill("Design review")
    ada.get_by_role("button", name="Create meeting").click()
    expect(ada.get_by_role("heading", name="Design review")).to_be_visible()
    expect(ada.get_by_label("Camera", exact=True)).not_to_have_value("")  # devices listed once allowed
    ada.get_by_role("button", name="Join meeting").click()
    expect(tile(ada, "Ada Tester (you)")).to_be_visible()
    link = ada.get_by_label("Link to share").input_value()

    open_by_pasting(bob, live_server, link.rsplit("/", 1)[1])  # the ID alone
    open_by_pasting(cyd, live_server, link)  # the whole link
    # Both press Join at about the same moment: each must be told of the other exactly once.
    bob.get_by_role("button", name="Join meeting").click()
    cyd.get_by_role("button", name="Join meeting").click()

    for page in (ada, bob, cyd):
        for other in {"Ada Tester", "Bob Tester", "Cyd Tester"}:
            expect(tile(page, other)).to_have_count(1)
        # Each tile of another person is busy until the connection is up and a first frame arrived.
        expect(busy_tiles(page)).to_have_count(0, timeout=60_000)
        assert page.evaluate(CONNECTED_PEERS) == 2
        frames = page.evaluate(VIDEO_FRAMES_FROM_EACH_PEER)
        assert len(frames) == 2 and min(frames) > 0, frames

    # Ada turns her camera off: her button says so, and the others see it on her tile.
    for page in (bob, cyd):
        expect(tile(page, "Ada Tester").get_by_text("Camera off")).to_be_hidden()
    ada.get_by_role("button", name="Turn camera off").click()
    expect(ada.get_by_role("button", name="Turn camera on")).to_have_attribute("aria-pressed", "false")
    for page in (bob, cyd):
        expect(tile(page, "Ada Tester").get_by_text("Camera off")).to_be_visible()
        expect(tile(page, "Cyd Tester").get_by_text("Camera off")).to_be_hidden()

    # Cyd leaves: the others lose her tile and her connection.
    cyd.get_by_role("button", name="Leave meeting").click()
    expect(cyd.get_by_text("You left the meeting.")).to_be_visible()
    for page in (ada, bob):
        expect(tile(page, "Cyd Tester")).to_have_count(0)
        assert page.evaluate("() => window.meeting.peers.size") == 1  # gone with the tile

    # Bob closes his tab: his tile goes too.
    bob.close()
    expect(tile(ada, "Bob Tester")).to_have_count(0)


# Stands in for ZegoCloud's kit, which is a hosted service: it records what the page asks of it.
FAKE_ZEGO_KIT = """
window.ZegoUIKitPrebuilt = {
  VideoConference: "VideoConference",
  generateKitTokenForProduction(appId, token, roomId, userId, userName) {
    window.zegoCalls = { appId, token, roomId, userId, userName };
    return "kit-token";
  },
  create(kitToken) {
    return { joinRoom(options) {
      Object.assign(window.zegoCalls, { kitToken, mode: options.scenario.mode, maxUsers: options.maxUsers });
      options.container.textContent = "Zego room for " + window.zegoCalls.userName;
    } };
  },
};
"""


@pytest.fixture
def live_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("live_overrides", [{"ZEGO_APP_ID": 42, "ZEGO_SERVER_SECRET": "s" * 32}], indirect=True)
def test_with_zego_configured_the_room_starts_zegos_kit_with_the_servers_token(live_server, open_browser):
    ada_id, _, _ = live_server.make_user("ada")
    with live_server.app.app_context():
        from socialapp.services import meetings

        room_id = meetings.create_meeting(ada_id, "Hosted").room_id
    ada = open_browser("ada")
    ada.route("https://unpkg.com/**", lambda route: route.fulfill(body=FAKE_ZEGO_KIT, content_type="text/javascript"))
    ada.goto(live_server(f"/meetings/{room_id}"))
    expect(ada.get_by_label("Meeting room")).to_have_text("Zego room for Ada Tester")
    calls = ada.evaluate("() => window.zegoCalls")
    assert calls["appId"] == 42 and calls["roomId"] == room_id and calls["userId"] == str(ada_id)
    assert calls["token"].startswith("04") and "s" * 32 not in ada.content()
    assert calls["kitToken"] == "kit-token" and calls["mode"] == "VideoConference" and calls["maxUsers"] == 6
