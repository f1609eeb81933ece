"""Meetings through Janus, against a real Janus run with deploy/janus/: the app creates a meeting's room on
the first join and destroys it after the last leave; the tokens it hands out open that room, for that
participant, until they expire or the participant leaves, and nothing else; a person in a block with
someone present is refused; and with Janus down a join fails with a clear message."""

import json
import time
import urllib.request

import pytest

from socialapp import create_app
from socialapp.extensions import db
from socialapp.models import User
from socialapp.services import janus, meetings
from tests.support.factories import make_block
from tests.support.janus_server import API_SECRET, TOKEN_SECRET
from tests.test_meetings_live import Tab, room_of

UNAUTHORIZED = 403  # Janus core: wrong or missing secret or token
NOT_ALLOWED = 433  # VideoRoom: unauthorized (a token not in the room's allowed list, a wrong secret)
MISSING = 429  # VideoRoom: a required element (the admin_key, the room's secret) is missing


class BrowserSession:
    """What a browser does with the credentials of meeting.joined, over Janus's HTTP API: a session and
    a VideoRoom handle opened with the Janus token, then a join request with the room token."""

    def __init__(self, server, token):
        self.server, self.token = server, token
        self.session = None

    def post(self, path, payload):
        return self.server.post(path, {**payload, "token": self.token})

    def open(self):
        """Create the session and attach the VideoRoom; the Janus error code, or None when both worked."""
        reply = self.post("", {"janus": "create"})
        if reply["janus"] == "error":
            return reply["error"]["code"]
        self.session = reply["data"]["id"]
        reply = self.post(f"/{self.session}", {"janus": "attach", "plugin": janus.PLUGIN})
        if reply["janus"] == "error":
            return reply["error"]["code"]
        self.handle = reply["data"]["id"]
        return None

    def join(self, room, feed, room_token):
        """Join `room` as the publisher `feed`: the VideoRoom's answer (it comes as an event)."""
        body = {"request": "join", "ptype": "publisher", "room": room, "id": feed, "token": room_token}
        ack = self.post(f"/{self.session}/{self.handle}", {"janus": "message", "body": body})
        assert ack["janus"] == "ack", ack
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            url = f"{self.server.api_url}/{self.session}?maxev=1&token={urllib.request.quote(self.token)}"
            with urllib.request.urlopen(url, timeout=35) as response:
                event = json.load(response)
            if event.get("janus") == "event" and event.get("sender") == self.handle:
                return event["plugindata"]["data"]
        raise AssertionError("no answer to the join")


@pytest.fixture
def config(janus_server):
    return {**janus_server.config(), "JANUS_TOKEN_TTL": 300, "MEETING_SFU_MAX": 25}


def test_a_signed_token_opens_the_videoroom_until_it_expires(janus_server, config):
    assert BrowserSession(janus_server, janus.browser_token(config)).open() is None
    expired = janus.browser_token(config, now=time.time() - 301)
    assert BrowserSession(janus_server, expired).open() == UNAUTHORIZED
    forged = janus.browser_token({**config, "JANUS_TOKEN_SECRET": "not-" + TOKEN_SECRET})
    assert BrowserSession(janus_server, forged).open() == UNAUTHORIZED
    # A token's expiry cannot be moved: the signature covers it.
    data, signature = janus.browser_token(config, now=time.time() - 301).split(":")
    moved = f"{int(data.split(',')[0]) + 3600},{data.split(',', 1)[1]}:{signature}"
    assert BrowserSession(janus_server, moved).open() == UNAUTHORIZED


def test_admit_creates_the_room_with_tokens_for_these_participants_only(janus_server, config):
    assert not janus.room_exists(config, 41)
    janus.admit(config, 41, [7], publishers=25)
    assert janus.room_exists(config, 41)
    assert janus.allowed_tokens(config, 41) == [janus.room_token(config, 41, 7)]
    janus.admit(config, 41, [8], publishers=25)  # the room exists: the token is added
    assert sorted(janus.allowed_tokens(config, 41)) == sorted(janus.room_token(config, 41, p) for p in (7, 8))

    browser = BrowserSession(janus_server, janus.browser_token(config))
    assert browser.open() is None
    assert browser.join(41, 7, janus.room_token(config, 41, 8))["videoroom"] == "joined"


def test_a_room_token_is_refused_in_another_room_and_after_its_participant_left(janus_server, config):
    janus.admit(config, 41, [7], publishers=25)
    janus.admit(config, 42, [8], publishers=25)
    janus.admit(config, 42, [9], publishers=25)
    browser = BrowserSession(janus_server, janus.browser_token(config))
    assert browser.open() is None
    assert browser.join(42, 7, janus.room_token(config, 41, 7))["error_code"] == NOT_ALLOWED
    assert browser.join(42, 7, "made-up")["error_code"] == NOT_ALLOWED

    janus.release(config, 42, 8, last=False)
    assert janus.allowed_tokens(config, 42) == [janus.room_token(config, 42, 9)]
    assert browser.join(42, 8, janus.room_token(config, 42, 8))["error_code"] == NOT_ALLOWED
    janus.release(config, 42, 9, last=True)
    assert not janus.room_exists(config, 42) and janus.room_exists(config, 41)


def test_browsers_may_use_the_videoroom_but_not_create_or_destroy_rooms(janus_server, config):
    janus.admit(config, 43, [1], publishers=25)
    browser = BrowserSession(janus_server, janus.browser_token(config))
    assert browser.open() is None
    path = f"/{browser.session}/{browser.handle}"
    for guess in (None, "guess"):
        body = {"request": "create", "room": 44} | ({"admin_key": guess} if guess else {})
        create = browser.post(path, {"janus": "message", "body": body})
        assert create["plugindata"]["data"]["error_code"] in (MISSING, NOT_ALLOWED)
        body = {"request": "destroy", "room": 43} | ({"secret": guess} if guess else {})
        destroy = browser.post(path, {"janus": "message", "body": body})
        assert destroy["plugindata"]["data"]["error_code"] in (MISSING, NOT_ALLOWED)
    assert janus.room_exists(config, 43) and not janus.room_exists(config, 44)


@pytest.fixture
def live_overrides(janus_server):
    return {**janus_server.config(), "JANUS_TOKEN_TTL": 300, "MEETING_SFU_MAX": 3}


def test_joins_open_the_room_and_the_last_leave_destroys_it(live_server, janus_server):
    config = live_server.app.config
    ada_id, bob_id, cyd_id = (live_server.make_user(name)[0] for name in ("ada", "bob", "cyd"))
    room_id = room_of(live_server, ada_id)
    with live_server.app.app_context():
        meeting_id = meetings.find_meeting(room_id).id
    ada, bob = Tab(live_server, ada_id), Tab(live_server, bob_id)

    sfu = ada.join(room_id)["sfu"]
    assert sfu["url"] == janus_server.ws_url and sfu["room"] == meeting_id
    assert sfu["room_token"] == janus.room_token(config, meeting_id, sfu["feed"])
    assert janus.allowed_tokens(config, meeting_id) == [sfu["room_token"]]
    browser = BrowserSession(janus_server, sfu["token"])
    assert browser.open() is None
    assert browser.join(meeting_id, sfu["feed"], sfu["room_token"])["videoroom"] == "joined"
    assert janus.feeds(config, meeting_id) == [sfu["feed"]]

    bob_joined = bob.join(room_id)
    bob_sfu = bob_joined["sfu"]
    assert bob_sfu["feed"] == bob_joined["self"]["order"] != sfu["feed"]
    assert len(janus.allowed_tokens(config, meeting_id)) == 2
    # Each heartbeat renews the tab's Janus token.
    bob.send("meeting.heartbeat")
    assert BrowserSession(janus_server, bob.expect("meeting.sfu-token")["token"]).open() is None

    # A third tab fits MEETING_SFU_MAX (3 here); a fourth does not.
    cyd = Tab(live_server, cyd_id)
    cyd.join(room_id)
    fourth = Tab(live_server, cyd_id)
    fourth.send("meeting.join", room=room_id)
    assert fourth.expect("meeting.full")["message"] == "This meeting is full."
    cyd.send("meeting.leave")
    for tab in (ada, bob):
        tab.expect("meeting.peer-left")

    # Ada's tab goes: her token no longer opens the room, and her feed is taken out of it.
    ada.close()
    bob.expect("meeting.peer-left")
    assert janus.allowed_tokens(config, meeting_id) == [bob_sfu["room_token"]]
    assert janus.feeds(config, meeting_id) == []  # kicked out, though the "browser" above never left
    bob.send("meeting.leave")
    for tab in (bob, fourth):
        tab.barrier()
    assert not janus.room_exists(config, meeting_id)
    for tab in (bob, cyd, fourth):
        tab.close()


def test_a_person_in_a_block_with_someone_present_is_refused(live_server, janus_server):
    ada_id, bob_id = (live_server.make_user(name)[0] for name in ("ada", "bob"))
    cyd_id = live_server.make_user("cyd")[0]
    room_id = room_of(live_server, cyd_id)
    with live_server.app.app_context():
        make_block(db.session.get(User, ada_id), db.session.get(User, bob_id))
    ada, bob = Tab(live_server, ada_id), Tab(live_server, bob_id)
    ada.join(room_id)
    bob.send("meeting.join", room=room_id)
    refused = bob.expect("meeting.error")
    assert refused["message"] == "You cannot join this meeting now: someone in it is in a block with you."
    assert len(janus.allowed_tokens(live_server.app.config, _meeting_id(live_server, room_id))) == 1
    ada.send("meeting.leave")
    ada.barrier()
    assert "sfu" in bob.join(room_id)  # once Ada has gone, Bob may join
    ada.close()
    bob.close()


def _meeting_id(server, room_id):
    with server.app.app_context():
        return meetings.find_meeting(room_id).id


def test_with_janus_down_a_join_fails_with_a_clear_message_and_takes_no_seat(live_server, janus_server):
    ada_id = live_server.make_user("ada")[0]
    room_id = room_of(live_server, ada_id)
    janus_server.stop()
    ada = Tab(live_server, ada_id)
    ada.send("meeting.join", room=room_id)
    assert (
        ada.expect("meeting.error")["message"] == "The meeting's media server is not answering. Try again in a moment."
    )
    with live_server.app.app_context():
        assert meetings.find_meeting(room_id).participant_count == 0
    ada.close()


def test_janus_settings_come_from_the_environment_and_must_all_be_set(monkeypatch, tmp_path):
    values = {
        "JANUS_URL": "wss://social.example.org/janus",
        "JANUS_API_URL": "http://127.0.0.1:8088/janus",
        "JANUS_API_SECRET": API_SECRET,
        "JANUS_TOKEN_SECRET": TOKEN_SECRET,
        "MEETING_SFU_MAX": "30",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    config = create_app({"MEDIA_ROOT": str(tmp_path)}).config
    assert janus.enabled(config) and janus.max_participants(config) == 30
    monkeypatch.setenv("SOCIALAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SERVER_NAME", "social.example.org")
    monkeypatch.delenv("JANUS_TOKEN_SECRET")
    with pytest.raises(RuntimeError, match="Janus is half configured"):
        create_app({"MEDIA_ROOT": str(tmp_path)})


SFU_SETTINGS = {
    "JANUS_URL": "wss://janus.example.org/janus",
    "JANUS_API_URL": "http://127.0.0.1:8088/janus",
    "JANUS_API_SECRET": API_SECRET,
    "JANUS_TOKEN_SECRET": TOKEN_SECRET,
    "MEETING_SFU_MAX": 25,
    "MEETING_MAX_PARTICIPANTS": 6,
}


def test_without_janus_the_room_page_is_the_mesh_of_six(client, make_user, login):
    ada = make_user("ada")
    login(ada)
    meeting = meetings.create_meeting(ada.id, "Standup")
    response = client.get(f"/meetings/{meeting.room_id}")
    page = response.get_data(as_text=True)
    assert "data-janus-url" not in page and "meeting-sfu.js" not in page and "js/meeting.js" in page
    assert "it has 6 people, the most it can hold" in page
    assert response.headers["Content-Security-Policy"] == client.application.config["CONTENT_SECURITY_POLICY"]


@pytest.mark.parametrize("app_overrides", [SFU_SETTINGS], indirect=True)
def test_with_janus_the_room_page_loads_the_sfu_client_and_may_connect_to_janus(client, make_user, login):
    ada = make_user("ada")
    login(ada)
    meeting = meetings.create_meeting(ada.id, "All hands")
    response = client.get(f"/meetings/{meeting.room_id}")
    page = response.get_data(as_text=True)
    assert 'data-janus-url="wss://janus.example.org/janus"' in page
    assert page.index("js/meeting-sfu.js") < page.index("js/meeting.js")
    assert "it has 25 people, the most it can hold" in page
    assert "connect-src 'self' wss://janus.example.org/janus;" in response.headers["Content-Security-Policy"]
    # Nothing secret reaches the page: tokens come with the join, over the socket.
    assert API_SECRET not in page and TOKEN_SECRET not in page
