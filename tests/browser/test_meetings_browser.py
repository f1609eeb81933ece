"""Three people in one meeting, in three Chromium browsers with fake cameras and microphones: each
receives the other two video streams, a camera turned off shows as off for the others, and the tile of
someone who leaves goes away."""

import functools

import pytest
from playwright.sync_api import expect

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
def open_browser(open_browser):
    """A browser with its own camera and microphone, allowed; WebRTC on a busy box takes its time."""
    return functools.partial(open_browser, timeout=30_000, permissions=["camera", "microphone"])


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
        assert page.evaluate("() => window.meeting.mode") == "mesh"  # no Janus configured: tab to tab
        assert page.evaluate("() => window.meeting.senders.length") == 2
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


def create_room(live_server, host_id, title):
    with live_server.app.app_context():
        from socialapp.services import meetings

        return meetings.create_meeting(host_id, title).room_id


def frame_arrived(page, label):
    """Wait until the video labelled `label` shows a decoded frame."""
    video = page.get_by_label(label, exact=True).element_handle()
    page.wait_for_function("(video) => video.readyState >= 2 && video.videoWidth > 0", arg=video)


SENT_VIDEO = """() => [...window.meeting.peers.values()].map(
    (pc) => pc.getSenders().find((s) => s.track && s.track.kind === "video").track.label)"""
LOCAL_MICROPHONE = "() => window.meeting.localStream.getAudioTracks()[0]?.label"


@pytest.mark.parametrize("live_overrides", [{"ICE_SERVERS": [{"urls": "stun:127.0.0.1:3478"}]}], indirect=True)
def test_devices_before_joining_microphone_and_screen_sharing_as_the_other_sees_them(live_server, open_browser):
    ada_id, _, _ = live_server.make_user("ada")
    live_server.make_user("bob")
    room_id = create_room(live_server, ada_id, "Standup")
    ada, bob = open_browser("ada"), open_browser("bob")

    # Before joining: her camera in the preview, her devices by name, and a choice of microphone.
    ada.goto(live_server(f"/meetings/{room_id}"))
    frame_arrived(ada, "Your camera preview")
    microphone = ada.get_by_label("Microphone", exact=True)
    expect(microphone.get_by_role("option", name="Fake Audio Input 1")).to_have_count(1)
    microphone.select_option(label="Fake Audio Input 1")
    ada.wait_for_function(f"() => ({LOCAL_MICROPHONE})() === 'Fake Audio Input 1'")
    ada.get_by_role("button", name="Turn microphone off").click()
    expect(ada.get_by_role("button", name="Turn microphone on")).to_have_attribute("aria-pressed", "false")
    ada.get_by_role("button", name="Join meeting").click()
    expect(tile(ada, "Ada Tester (you)").get_by_text("Microphone off")).to_be_visible()

    # Bob, joining later, sees her microphone off from the start.
    bob.goto(live_server(f"/meetings/{room_id}"))
    bob.get_by_role("button", name="Join meeting").click()
    for page, other in ((ada, "Bob Tester"), (bob, "Ada Tester")):
        expect(tile(page, other)).to_have_attribute("aria-busy", "false")
        assert page.evaluate(CONNECTED_PEERS) == 1
    expect(tile(bob, "Ada Tester").get_by_text("Microphone off")).to_be_visible()
    assert ada.evaluate(LOCAL_MICROPHONE) == "Fake Audio Input 1"
    # The configured ICE servers are the ones the connections use.
    ice = ada.evaluate("() => [...window.meeting.peers.values()][0].getConfiguration().iceServers")
    assert "stun:127.0.0.1:3478" in str(ice), ice

    ada.get_by_role("button", name="Turn microphone on").click()
    expect(tile(bob, "Ada Tester").get_by_text("Microphone off")).to_be_hidden()

    # Ada shares her screen: her connection sends it instead of the camera, and Bob is told.
    assert ada.evaluate(SENT_VIDEO) == ["fake_device_0"]
    ada.get_by_role("button", name="Share screen").click()
    expect(ada.get_by_role("button", name="Stop sharing screen")).to_have_attribute("aria-pressed", "true")
    expect(tile(bob, "Ada Tester").get_by_text("Sharing screen")).to_be_visible()
    assert ada.evaluate(SENT_VIDEO)[0].startswith("screen:")
    ada.get_by_role("button", name="Stop sharing screen").click()
    expect(tile(bob, "Ada Tester").get_by_text("Sharing screen")).to_be_hidden()
    assert ada.evaluate(SENT_VIDEO) == ["fake_device_0"]

    # Bob leaves; the meeting is among his recent ones.
    bob.get_by_role("button", name="Leave meeting").click()
    expect(tile(ada, "Bob Tester")).to_have_count(0)
    bob.get_by_role("link", name="Back to meetings").click()
    recent = bob.get_by_role("region", name="My recent meetings")
    expect(recent.get_by_role("link", name="Standup")).to_be_visible()


@pytest.mark.parametrize("live_overrides", [{"MEETING_MAX_PARTICIPANTS": 2}], indirect=True)
def test_a_full_meeting_says_so_when_joining_and_on_opening(live_server, open_browser):
    ada_id, _, _ = live_server.make_user("ada")
    live_server.make_user("bob")
    live_server.make_user("cyd")
    room_id = create_room(live_server, ada_id, "Pair")
    ada, bob, cyd = open_browser("ada"), open_browser("bob"), open_browser("cyd")
    full = "This meeting is full"

    ada.goto(live_server(f"/meetings/{room_id}"))
    ada.get_by_role("button", name="Join meeting").click()
    cyd.goto(live_server(f"/meetings/{room_id}"))  # one person in: there is room yet
    expect(cyd.get_by_text(full)).to_be_hidden()
    bob.goto(live_server(f"/meetings/{room_id}"))
    bob.get_by_role("button", name="Join meeting").click()
    expect(tile(ada, "Bob Tester")).to_have_count(1)

    # Cyd presses Join after Bob took the last place.
    cyd.get_by_role("button", name="Join meeting").click()
    expect(cyd.get_by_role("alert").filter(has_text=full)).to_be_visible()
    expect(cyd.get_by_role("button", name="Join meeting")).to_be_enabled()
    expect(tile(ada, "Cyd Tester")).to_have_count(0)
    # Opening the room while it is full says so at once, with nothing to press.
    cyd.reload()
    expect(cyd.get_by_role("alert").filter(has_text=full)).to_be_visible()
    expect(cyd.get_by_role("button", name="Join meeting")).to_be_hidden()

    # When Bob leaves there is room again.
    bob.get_by_role("button", name="Leave meeting").click()
    expect(tile(ada, "Bob Tester")).to_have_count(0)
    cyd.reload()
    expect(cyd.get_by_text(full)).to_be_hidden()
    cyd.get_by_role("button", name="Join meeting").click()
    expect(tile(ada, "Cyd Tester")).to_have_count(1)


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
