"""Four people in one meeting through a real Janus (deploy/janus/), in four Chromium browsers with fake
low-resolution cameras: each receives the three others' video through the SFU, sends one stream up, sees
the others' camera and screen toggles; someone in a block with a person present is refused; and a Janus
token that has expired, or a room token used for another room, is refused by Janus itself."""

import time

import pytest
from playwright.sync_api import expect

from socialapp.services import janus
from tests.browser.test_meetings_browser import CONNECTED_PEERS, VIDEO_FRAMES_FROM_EACH_PEER, busy_tiles, tile
from tests.browser.test_meetings_room_browser import join
from tests.support.browser import LOW_RESOLUTION
from tests.support.factories import make_block

pytestmark = pytest.mark.browser

# A browser with a microphone and no camera.
NO_CAMERA = """(() => {
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) => constraints && constraints.video
        ? Promise.reject(new DOMException("No camera", "NotFoundError"))
        : original(constraints);
})()"""
# Connects to Janus with the credentials given, as the page's own client does; Janus's error code, or
# "joined" when it let the page into the room.
CONNECT = """async (details) => {
    try {
        const room = await window.MeetingSFU.connect(details, { iceServers: [], onPublished() {}, onUnpublished() {} });
        await room.publish(null, null);
        room.close();
        return "joined";
    } catch (error) {
        return error.code || error.message;
    }
}"""


@pytest.fixture
def live_overrides(janus_server):
    return {**janus_server.config(), "MEETING_SFU_MAX": 25}


@pytest.fixture
def open_browser(open_browser):
    def open_low_resolution(username):
        page = open_browser(username, timeout=60_000, permissions=["camera", "microphone"])
        page.add_init_script(LOW_RESOLUTION)
        return page

    return open_low_resolution


def test_four_people_through_janus(live_server, open_browser, janus_server):
    names = ["ada", "bob", "cyd", "dan", "eve"]
    ids = {name: live_server.make_user(name)[0] for name in names}
    with live_server.app.app_context():
        from socialapp.extensions import db
        from socialapp.models import User
        from socialapp.services import meetings

        make_block(db.session.get(User, ids["dan"]), db.session.get(User, ids["eve"]))
        meeting = meetings.create_meeting(ids["ada"], "All hands")
        room_id, meeting_id = meeting.room_id, meeting.id
    pages = {name: open_browser(name) for name in names[:4]}
    for page in pages.values():
        join(page, live_server, room_id)
        expect(page.get_by_text("(you)")).to_be_visible()

    for name, page in pages.items():
        expect(page.get_by_text("4 people in the meeting")).to_be_visible()
        expect(busy_tiles(page)).to_have_count(0, timeout=120_000)
        assert page.evaluate("() => window.meeting.mode") == "sfu"
        assert page.evaluate(CONNECTED_PEERS) == 3
        frames = page.evaluate(VIDEO_FRAMES_FROM_EACH_PEER)
        assert len(frames) == 3 and min(frames) > 0, (name, frames)
        # One stream up, to Janus, whatever the number of people.
        assert page.evaluate("() => window.meeting.senders.length") == 1

    # Bob turns his camera off and Cyd shares her screen: the others see both.
    pages["bob"].get_by_role("button", name="Turn camera off").click()
    pages["cyd"].get_by_role("button", name="Share screen").click()
    for name, page in pages.items():
        if name != "bob":
            expect(tile(page, "Bob Tester").get_by_text("Camera off")).to_be_visible()
        if name != "cyd":
            expect(tile(page, "Cyd Tester").get_by_text("Sharing screen")).to_be_visible()
    sent = "() => window.meeting.senders[0].getSenders().find((s) => s.track?.kind === 'video').track.label"
    assert pages["cyd"].evaluate(sent) != pages["ada"].evaluate(sent)  # the screen, not the camera

    # Eve, who has no camera, is in a block with Dan, who is in: she is refused, and Janus gets no token for her.
    eve = open_browser("eve")
    eve.add_init_script(NO_CAMERA)
    join(eve, live_server, room_id)
    expect(eve.get_by_text("someone in it is in a block with you")).to_be_visible()
    assert len(janus.allowed_tokens(live_server.app.config, meeting_id)) == 4

    # Janus itself refuses an expired token, and a room token of this meeting used for another one.
    config = live_server.app.config
    janus.admit(config, meeting_id + 1, [999], publishers=25)
    details = {"url": janus_server.ws_url, "room": meeting_id, "feed": 999}
    expired = janus.browser_token(config, now=time.time() - config["JANUS_TOKEN_TTL"] - 1)
    own_room_token = janus.room_token(config, meeting_id + 1, 999)
    assert eve.evaluate(CONNECT, {**details, "token": expired, "room_token": own_room_token}) == 403
    fresh = janus.browser_token(config)
    other = {**details, "room": meeting_id + 1, "token": fresh}
    assert eve.evaluate(CONNECT, {**other, "room_token": janus.room_token(config, meeting_id, 999)}) == 433
    assert eve.evaluate(CONNECT, {**other, "room_token": own_room_token}) == "joined"

    # Dan leaves: the others' tiles of him go, and Eve may now join, with her microphone alone.
    pages["dan"].get_by_role("button", name="Leave meeting").click()
    for name in ("ada", "bob", "cyd"):
        expect(pages[name].get_by_text("3 people in the meeting")).to_be_visible()
    eve.reload()
    expect(eve.get_by_role("button", name="Turn camera on")).to_be_visible()
    eve.get_by_role("button", name="Join meeting").click()
    expect(eve.get_by_text("4 people in the meeting")).to_be_visible()
    expect(busy_tiles(eve)).to_have_count(0, timeout=120_000)
    assert eve.evaluate(CONNECTED_PEERS) == 3
    assert min(eve.evaluate(VIDEO_FRAMES_FROM_EACH_PEER)) > 0
    video_sent = (
        "() => window.meeting.senders[0].getTransceivers().find((t) => t.receiver.track.kind === 'video').sender.track"
    )
    assert eve.evaluate(video_sent) is None  # no video goes up
    for name in ("ada", "bob", "cyd"):
        eves_tile = tile(pages[name], "Eve Tester")
        expect(eves_tile.get_by_text("Camera off")).to_be_visible()
        expect(eves_tile).to_have_attribute("aria-busy", "false", timeout=120_000)
