"""TURN credentials for meetings: their format against an independent HMAC, who gets them and where,
and that with no TURN configured the ICE servers are exactly the hand-written ones."""

import html
import json
import re
import time

import pytest

from socialapp import create_app
from socialapp.services import meetings, turn
from tests.test_meetings_live import Tab, room_of

TURN = {
    "ICE_SERVERS": [{"urls": "stun:stun.example.org:3478"}],
    "TURN_URLS": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"],
    "TURN_SECRET": "north-wind-secret",
    "TURN_TTL": 3600,
}


def ice_servers_of(page):
    return json.loads(html.unescape(re.search(r'data-ice-servers="([^"]*)"', page).group(1)))


def test_credentials_are_the_expiry_and_user_id_signed_with_the_shared_secret():
    # printf '%s' '1767225600:42' | openssl dgst -sha1 -hmac 'north-wind-secret' -binary | base64
    username, credential = turn.credentials("north-wind-secret", 42, ttl=3600, now=1767222000)
    assert username == "1767225600:42"
    assert credential == "Ez8DGw7vW46X9avi9j924bmih+s="


def test_credentials_expire_ttl_seconds_from_now():
    before = int(time.time())
    username, _ = turn.credentials("s", 7, ttl=600)
    expiry, user_id = username.split(":")
    assert before + 600 <= int(expiry) <= int(time.time()) + 600 and user_id == "7"


def test_turn_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TURN_URLS", " turn:t.example:3478?transport=udp, turns:t.example:5349 ,")
    monkeypatch.setenv("TURN_SECRET", "s3cret")
    monkeypatch.setenv("TURN_TTL", "7200")
    config = create_app({"MEDIA_ROOT": str(tmp_path)}).config
    assert config["TURN_URLS"] == ["turn:t.example:3478?transport=udp", "turns:t.example:5349"]
    assert config["TURN_SECRET"] == "s3cret" and config["TURN_TTL"] == 7200


def test_without_turn_settings_nothing_changes(monkeypatch, tmp_path):
    for name in ("TURN_URLS", "TURN_SECRET", "TURN_TTL", "ICE_SERVERS"):
        monkeypatch.delenv(name, raising=False)
    config = create_app({"MEDIA_ROOT": str(tmp_path)}).config
    assert config["TURN_URLS"] == [] and config["TURN_SECRET"] is None
    assert turn.ice_servers(config, 1) == []


def test_production_refuses_turn_urls_without_the_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALAPP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SERVER_NAME", "social.example.org")
    monkeypatch.setenv("TURN_URLS", "turn:turn.example.org:3478")
    monkeypatch.delenv("TURN_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="TURN_SECRET"):
        create_app({"MEDIA_ROOT": str(tmp_path)})
    monkeypatch.setenv("TURN_SECRET", "a-long-random-secret")
    monkeypatch.setenv("TURN_TTL", "0")
    with pytest.raises(RuntimeError, match="TURN_TTL"):
        create_app({"MEDIA_ROOT": str(tmp_path)})
    monkeypatch.delenv("TURN_TTL")
    assert create_app({"MEDIA_ROOT": str(tmp_path)}).config["TURN_SECRET"] == "a-long-random-secret"


@pytest.mark.parametrize(
    "app_overrides", [{"ICE_SERVERS": [{"urls": "stun:127.0.0.1:3478"}]}, {"ICE_SERVERS": []}], indirect=True
)
def test_with_no_turn_the_room_page_has_exactly_the_hand_written_servers(app, client, make_user, login):
    ada = make_user("ada")
    login(ada)
    meeting = meetings.create_meeting(ada.id, "Standup")
    page = client.get(f"/meetings/{meeting.room_id}").get_data(as_text=True)
    assert ice_servers_of(page) == app.config["ICE_SERVERS"]


@pytest.mark.parametrize("app_overrides", [TURN], indirect=True)
def test_the_room_page_gives_each_person_turn_credentials_of_their_own(app, client, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    meeting = meetings.create_meeting(ada.id, "Standup")
    for person in (ada, bob):
        login(person)
        before = int(time.time())
        servers = ice_servers_of(client.get(f"/meetings/{meeting.room_id}").get_data(as_text=True))
        assert servers[0] == {"urls": "stun:stun.example.org:3478"}
        relay = servers[1]
        assert relay["urls"] == TURN["TURN_URLS"]
        expiry, user_id = relay["username"].split(":")
        assert user_id == str(person.id) and before + 3600 <= int(expiry) <= time.time() + 3600
        made_at = int(expiry) - 3600
        assert (relay["username"], relay["credential"]) == turn.credentials(
            "north-wind-secret", person.id, 3600, made_at
        )
    # The secret itself never reaches a page.
    assert "north-wind-secret" not in client.get(f"/meetings/{meeting.room_id}").get_data(as_text=True)


@pytest.mark.parametrize("app_overrides", [TURN], indirect=True)
def test_no_credentials_for_people_not_logged_in_unverified_or_blocked(client, make_user, login, block):
    ada, eve = make_user("ada"), make_user("eve")
    meeting = meetings.create_meeting(ada.id, "Standup")
    assert client.get(f"/meetings/{meeting.room_id}").status_code == 302
    login(make_user("uma", verified=False))
    assert "credential" not in client.get(f"/meetings/{meeting.room_id}").get_data(as_text=True)
    block(ada, eve)
    login(eve)
    response = client.get(f"/meetings/{meeting.room_id}")
    assert response.status_code == 404 and "credential" not in response.get_data(as_text=True)


@pytest.fixture
def live_overrides(request):
    return getattr(request, "param", TURN)


def test_each_join_on_the_socket_brings_fresh_credentials(live_server):
    ada_id, _, _ = live_server.make_user("ada")
    room_id = room_of(live_server, ada_id)
    tab = Tab(live_server, ada_id)
    servers = tab.join(room_id)["ice_servers"]
    assert servers[0] == TURN["ICE_SERVERS"][0]
    assert servers[1]["urls"] == TURN["TURN_URLS"] and servers[1]["username"].endswith(f":{ada_id}")
    expiry = int(servers[1]["username"].split(":")[0])
    assert abs(expiry - (time.time() + 3600)) < 30
    tab.close()


@pytest.mark.parametrize("live_overrides", [{"ICE_SERVERS": [{"urls": "stun:127.0.0.1:3478"}]}], indirect=True)
def test_with_no_turn_a_join_on_the_socket_brings_exactly_the_hand_written_servers(live_server):
    ada_id, _, _ = live_server.make_user("ada")
    tab = Tab(live_server, ada_id)
    assert tab.join(room_of(live_server, ada_id))["ice_servers"] == [{"urls": "stun:127.0.0.1:3478"}]
    tab.close()


@pytest.mark.parametrize("app_overrides", [TURN], indirect=True)
def test_a_call_from_a_conversation_reaches_a_room_with_each_persons_credentials(client, login, ada, bob):
    login(ada)
    response = client.post("/chat/bob/call", follow_redirects=True)
    assert ice_servers_of(response.get_data(as_text=True))[1]["username"].endswith(f":{ada.id}")
    room = response.request.path
    login(bob)
    assert ice_servers_of(client.get(room).get_data(as_text=True))[1]["username"].endswith(f":{bob.id}")
