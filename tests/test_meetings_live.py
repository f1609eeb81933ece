"""Meeting signalling over real sockets: joining, the full room, WebRTC signals relayed to exactly one
tab of the same meeting, camera state, and leaving (also by a dropped socket); through the in-process
broker, and between two workers through Redis."""

import json

import pytest

from socialapp.services import meetings
from tests.support.browser import session_cookie
from tests.support.sockets import PageSocket, wait_until

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
NO_SUCH_ROOM = "none-such-room"


class Tab(PageSocket):
    """One browser tab's socket, speaking the meeting's JSON messages."""

    def __init__(self, server, user_id):
        super().__init__(server, session_cookie(server.app, user_id))
        assert json.loads(self.receive()) == {"ready": True}

    def send(self, type_, **data):
        super().send(json.dumps({"type": type_, **data}))

    def next_message(self, what):
        """The next meeting message, skipping pushes for other features."""
        return json.loads(self.receive_until(lambda text: text.startswith('{"type": "meeting.'), what=what))

    def expect(self, type_):
        """The next meeting message of `type_`, skipping the others."""
        while (message := self.next_message(f"a {type_}"))["type"] != type_:
            pass
        return message

    def barrier(self):
        """The meeting messages that reach this tab before the answer to a message sent now.

        Joining an unknown room is answered through the broker, on this user's channel, like every message
        to a tab: so whatever was published to this tab before this call reached it before the answer does.
        """
        self.send("meeting.join", room=NO_SUCH_ROOM)
        before = []
        while (message := self.next_message("the answer to the barrier"))["type"] != "meeting.error":
            before.append(message)
        return before

    def expect_nothing(self, type_):
        assert type_ not in [message["type"] for message in self.barrier()]

    def join(self, room_id, **media):
        self.send("meeting.join", room=room_id, **media)
        return self.expect("meeting.joined")


def room_of(server, host_id, title="Call"):
    with server.app.app_context():
        return meetings.create_meeting(host_id, title).room_id


def count_in(server, room_id):
    with server.app.app_context():
        return meetings.find_meeting(room_id).participant_count


def signalling_works(first, second):
    """Ada on `first` and Bob on `second` (the same server or two workers) meet and exchange signals."""
    ada_id, _, _ = first.make_user("ada")
    bob_id, _, _ = first.make_user("bob")
    room_id = room_of(first, ada_id)
    ada, bob, bob_other_tab = Tab(first, ada_id), Tab(second, bob_id), Tab(second, bob_id)

    joined = ada.join(room_id, camera=True, mic=False)
    assert joined["peers"] == [] and joined["socket"].startswith(f"{ada_id}.")
    bob_joined = bob.join(room_id)
    arrived = ada.expect("meeting.peer-joined")["peer"]
    assert arrived["socket"] == bob_joined["socket"] and arrived["name"] == "Bob Tester"
    # The later tab calls the earlier: the join order tells which one that is.
    assert arrived["order"] == bob_joined["self"]["order"] > joined["self"]["order"]
    assert [(p["socket"], p["name"], p["mic"]) for p in bob_joined["peers"]] == [
        (joined["socket"], "Ada Tester", False)
    ]

    # Bob calls Ada; Ada answers; a candidate follows. Each reaches that one tab, untouched.
    bob.send("meeting.signal", to=joined["socket"], description=OFFER)
    signal = ada.expect("meeting.signal")
    assert signal == {"type": "meeting.signal", "from": bob_joined["socket"], "description": OFFER}
    ada.send("meeting.signal", to=bob_joined["socket"], candidate={"candidate": "c1", "sdpMid": "0"})
    assert bob.expect("meeting.signal")["candidate"] == {"candidate": "c1", "sdpMid": "0"}
    bob_other_tab.expect_nothing("meeting.signal")

    ada.send("meeting.media", camera=False, mic=False, screen=False)
    assert bob.expect("meeting.peer-media")["peer"]["camera"] is False

    ada.close()  # the tab goes without a word: the socket's close takes Ada out
    assert bob.expect("meeting.peer-left")["socket"] == joined["socket"]
    assert count_in(first, room_id) == 1
    bob.send("meeting.leave")
    wait_until(lambda: count_in(first, room_id) == 0, "Bob's leave to empty the room")
    bob.close()
    bob_other_tab.close()


def test_signalling_through_the_in_process_broker(live_server):
    signalling_works(live_server, live_server)


@pytest.fixture
def live_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("live_overrides", [{"MEETING_MAX_PARTICIPANTS": 2}], indirect=True)
def test_a_full_meeting_refuses_the_next_tab_with_a_clear_message(live_server):
    users = [live_server.make_user(name)[0] for name in ("ada", "bob", "cyd")]
    room_id = room_of(live_server, users[0])
    ada, bob, cyd = (Tab(live_server, user) for user in users)
    ada.join(room_id)
    bob.join(room_id)
    assert ada.expect("meeting.peer-joined")["peer"]["name"] == "Bob Tester"
    cyd.send("meeting.join", room=room_id)
    assert cyd.expect("meeting.full")["message"] == "This meeting is full."
    ada.expect_nothing("meeting.peer-joined")  # no one was let in
    bob.send("meeting.leave")
    ada.expect("meeting.peer-left")  # Bob's seat is free only once his leave is handled
    assert cyd.join(room_id)["peers"][0]["name"] == "Ada Tester"
    for tab in (ada, bob, cyd):
        tab.close()


def test_opening_the_room_sweeps_out_a_silent_tab_and_tells_the_others(live_server):
    from socialapp.extensions import db
    from socialapp.models.meetings import MeetingParticipant

    ada_id, _, _ = live_server.make_user("ada")
    bob_id, _, _ = live_server.make_user("bob")
    room_id = room_of(live_server, ada_id)
    ada, bob = Tab(live_server, ada_id), Tab(live_server, bob_id)
    ada_socket = ada.join(room_id)["socket"]
    bob.join(room_id)
    with live_server.app.app_context():  # Ada's worker died: her heartbeats stopped long ago
        row = db.session.scalar(db.select(MeetingParticipant).filter_by(socket_id=ada_socket))
        row.seen_at -= meetings.STALE_AFTER * 2
        db.session.commit()

    client = live_server.app.test_client()
    client.set_cookie("session", session_cookie(live_server.app, bob_id).partition("=")[2])
    assert client.get(f"/meetings/{room_id}").status_code == 200
    assert bob.expect("meeting.peer-left")["socket"] == ada_socket
    assert count_in(live_server, room_id) == 1
    ada.close()
    bob.close()


def test_signals_to_a_tab_outside_the_meeting_are_dropped(live_server):
    ada_id, _, _ = live_server.make_user("ada")
    eve_id, _, _ = live_server.make_user("eve")
    ada, eve = Tab(live_server, ada_id), Tab(live_server, eve_id)
    ada_socket = ada.join(room_of(live_server, ada_id, "Private"))["socket"]
    eve.join(room_of(live_server, eve_id, "Elsewhere"))
    eve.send("meeting.signal", to=ada_socket, description=OFFER)
    eve.barrier()  # a socket's messages are handled in order: Eve's signal has been dealt with
    ada.expect_nothing("meeting.signal")
    ada.close()
    eve.close()


def test_people_in_a_block_do_not_meet_in_a_room_nor_in_the_blockers_own(live_server):
    from socialapp.services import social

    host_id, ada_id, bob_id = (live_server.make_user(name)[0] for name in ("host", "ada", "bob"))
    with live_server.app.app_context():
        from socialapp.extensions import db
        from socialapp.models import User

        social.block(db.session.get(User, ada_id), db.session.get(User, bob_id))
    host, ada, bob = Tab(live_server, host_id), Tab(live_server, ada_id), Tab(live_server, bob_id)
    bob.send("meeting.join", room=room_of(live_server, ada_id, "Ada's"))
    assert "No meeting" in bob.expect("meeting.error")["message"]

    room_id = room_of(live_server, host_id, "Town hall")
    host_socket = host.join(room_id)["socket"]
    ada_socket = ada.join(room_id)["socket"]
    host.expect("meeting.peer-joined")
    bob_joined = bob.join(room_id)
    assert [peer["socket"] for peer in bob_joined["peers"]] == [host_socket]  # Ada is not among them
    assert host.expect("meeting.peer-joined")["peer"]["socket"] == bob_joined["socket"]
    ada.expect_nothing("meeting.peer-joined")
    bob.send("meeting.signal", to=ada_socket, description=OFFER)
    bob.send("meeting.signal", to=host_socket, description=OFFER)
    assert host.expect("meeting.signal")["from"] == bob_joined["socket"]
    ada.expect_nothing("meeting.signal")
    for tab in (host, ada, bob):
        tab.close()


def test_joining_an_unknown_room_gets_an_error(live_server):
    ada_id, _, _ = live_server.make_user("ada")
    ada = Tab(live_server, ada_id)
    ada.send("meeting.join", room="abcd-efgh-jkmn")
    assert "No meeting" in ada.expect("meeting.error")["message"]
    ada.send("not json at all")  # ignored; the socket stays open
    ada.ws.send("{broken")
    ada.send("meeting.join", room=room_of(live_server, ada_id))
    assert ada.expect("meeting.joined")
    ada.close()


def test_signalling_between_two_workers_through_redis(two_workers):
    signalling_works(*two_workers)
