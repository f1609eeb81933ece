"""The TURN relay as browsers use it: Chromium, told to use nothing but relays, gets a relay candidate
from a real coturn (run with deploy/turnserver.conf) with the credentials the room page hands out, and
none with credentials that are wrong, altered or expired; a relayed connection outlives its credentials;
and two people whose networks let nothing but the relay through see and hear each other in a meeting.
"""

import time

import pytest
from playwright.sync_api import expect

from socialapp.services import turn
from tests.browser.test_meetings_browser import CONNECTED_PEERS, VIDEO_FRAMES_FROM_EACH_PEER, busy_tiles, tile
from tests.support.turn_server import SECRET

pytestmark = pytest.mark.browser

# Gathers candidates through the relays only, as a browser behind a firewall that lets nothing else
# through would; returns them with the errors the TURN server answered.
GATHER_RELAY_CANDIDATES = """async (iceServers) => {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: "relay" });
    const candidates = [], errors = [];
    pc.onicecandidate = (event) => { if (event.candidate?.candidate) candidates.push(event.candidate.type); };
    pc.onicecandidateerror = (event) => errors.push(`${event.errorCode} ${event.errorText}`);
    const complete = new Promise((resolve) => {
        pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
    });
    pc.createDataChannel("probe");
    await pc.setLocalDescription(await pc.createOffer());
    await Promise.race([complete, new Promise((resolve) => setTimeout(resolve, 8000))]);
    pc.close();
    return { candidates, errors };
}"""
ROOM_ICE_SERVERS = "() => JSON.parse(document.querySelector('[data-ice-servers]').dataset.iceServers)"


@pytest.fixture
def live_overrides(turn_server):
    return {
        "ICE_SERVERS": [],
        "TURN_URLS": [turn_server.url("udp"), turn_server.url("tcp")],
        "TURN_SECRET": SECRET,
        "TURN_TTL": 600,
    }


def test_the_relay_accepts_the_credentials_the_room_page_hands_out(live_server, open_browser, turn_server):
    ada_id, _, _ = live_server.make_user("ada")
    with live_server.app.app_context():
        from socialapp.services import meetings

        room_id = meetings.create_meeting(ada_id, "Across the firewall").room_id
    ada = open_browser("ada", permissions=["camera", "microphone"])
    ada.goto(live_server(f"/meetings/{room_id}"))
    servers = ada.evaluate(ROOM_ICE_SERVERS)
    assert [s["urls"] for s in servers] == [[turn_server.url("udp"), turn_server.url("tcp")]]
    assert servers[0]["username"].endswith(f":{ada_id}")

    for transport in ("udp", "tcp"):
        only = [{**servers[0], "urls": [turn_server.url(transport)]}]
        gathered = ada.evaluate(GATHER_RELAY_CANDIDATES, only)
        assert "relay" in gathered["candidates"], (transport, gathered, turn_server.log()[-2000:])
        assert gathered["errors"] == []


def test_the_relay_refuses_wrong_altered_and_expired_credentials(page, turn_server):
    urls = [turn_server.url("udp")]
    username, credential = turn.credentials(SECRET, 7, ttl=600)
    expired = turn.credentials(SECRET, 7, ttl=-60)
    refused = {
        "another secret": turn.credentials("not-the-secret", 7, ttl=600),
        "another person": (username.replace(":7", ":8"), credential),
        "a later expiry": (f"{int(username.split(':')[0]) + 3600}:7", credential),
        "expired": expired,
    }
    page.goto("about:blank")
    good = page.evaluate(GATHER_RELAY_CANDIDATES, [{"urls": urls, "username": username, "credential": credential}])
    assert good["candidates"] == ["relay"]
    for case, (name, password) in refused.items():
        gathered = page.evaluate(GATHER_RELAY_CANDIDATES, [{"urls": urls, "username": name, "credential": password}])
        assert gathered["candidates"] == [], case
        assert any(error.startswith("401") for error in gathered["errors"]), (case, gathered)


# Two connections in one page that may only meet through the relay, and a data channel between them.
RELAYED_CHANNEL = """async (iceServers) => {
    const config = { iceServers, iceTransportPolicy: "relay" };
    const a = new RTCPeerConnection(config), b = new RTCPeerConnection(config);
    a.onicecandidate = (event) => event.candidate && b.addIceCandidate(event.candidate);
    b.onicecandidate = (event) => event.candidate && a.addIceCandidate(event.candidate);
    window.relayed = { a, b, channel: a.createDataChannel("chat"), received: [] };
    b.ondatachannel = (event) => { event.channel.onmessage = (m) => window.relayed.received.push(m.data); };
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    await new Promise((resolve) => { window.relayed.channel.onopen = resolve; });
    const types = [];
    (await a.getStats()).forEach((s) => s.type === "local-candidate" && types.push(s.candidateType));
    return types;
}"""
SEND = """async (text) => {
    window.relayed.channel.send(text);
    const start = Date.now();
    while (!window.relayed.received.includes(text) && Date.now() - start < 5000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return window.relayed.received;
}"""
SUCCESSFUL_REFRESH = "REFRESH processed, success"


def test_a_relayed_connection_outlives_its_credentials_but_no_new_one_starts_with_them(page, turn_server):
    username, credential = turn.credentials(SECRET, 7, ttl=3)
    expiry = int(username.split(":")[0])
    servers = [{"urls": [turn_server.url("udp")], "username": username, "credential": credential}]
    page.goto("about:blank")
    assert set(page.evaluate(RELAYED_CHANNEL, servers)) == {"relay"}
    assert page.evaluate(SEND, "before") == ["before"]

    while time.time() <= expiry + 1:
        time.sleep(0.2)
    # Past the expiry: coturn checked the time when the allocations were made, not since.
    assert page.evaluate(SEND, "after") == ["before", "after"]
    assert page.evaluate(GATHER_RELAY_CANDIDATES, servers)["candidates"] == []
    # Closing sends an authenticated Refresh (lifetime 0) for each allocation, and coturn accepts it.
    refreshed = turn_server.answered(SUCCESSFUL_REFRESH)
    page.evaluate("() => { window.relayed.a.close(); window.relayed.b.close(); }")
    deadline = time.monotonic() + 5
    while turn_server.answered(SUCCESSFUL_REFRESH) < refreshed + 2:
        assert time.monotonic() < deadline, turn_server.log()[-3000:]
        time.sleep(0.05)


# The browser of someone whose network lets nothing through but the relay: every connection the page
# makes is told to use relay candidates only, whatever the page asks for.
RELAY_ONLY_NETWORK = """(() => {
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = function (config) { return new Native({ ...config, iceTransportPolicy: "relay" }); };
    window.RTCPeerConnection.prototype = Native.prototype;
})();"""
SELECTED_CANDIDATE_TYPES = """async () => {
    const types = [];
    for (const pc of window.meeting.peers.values()) {
        const stats = await pc.getStats();
        stats.forEach((s) => {
            if (s.type === "transport" && s.selectedCandidatePairId) {
                const pair = stats.get(s.selectedCandidatePairId);
                types.push(stats.get(pair.localCandidateId).candidateType, stats.get(pair.remoteCandidateId).candidateType);
            }
        });
    }
    return types;
}"""


def test_two_people_who_can_only_use_the_relay_meet_through_it(live_server, open_browser, turn_server):
    ada_id, _, _ = live_server.make_user("ada")
    live_server.make_user("bob")
    with live_server.app.app_context():
        from socialapp.services import meetings

        room_id = meetings.create_meeting(ada_id, "Behind firewalls").room_id
    pages = []
    for name in ("ada", "bob"):
        page = open_browser(name, timeout=30_000, permissions=["camera", "microphone"])
        page.context.add_init_script(RELAY_ONLY_NETWORK)
        page.goto(live_server(f"/meetings/{room_id}"))
        page.get_by_role("button", name="Join meeting").click()
        pages.append(page)

    ada, bob = pages
    for page, other in ((ada, "Bob Tester"), (bob, "Ada Tester")):
        expect(tile(page, other)).to_have_count(1)
        expect(busy_tiles(page)).to_have_count(0)
        assert page.evaluate(CONNECTED_PEERS) == 1
        assert min(page.evaluate(VIDEO_FRAMES_FROM_EACH_PEER)) > 0
        assert set(page.evaluate(SELECTED_CANDIDATE_TYPES)) == {"relay"}
