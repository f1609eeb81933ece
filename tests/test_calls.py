"""Video calls from a conversation: who may ring whom, the meeting made, the invitation and its decline."""

import pytest

from socialapp.models.meetings import Meeting
from socialapp.services import calls, social
from socialapp.services.errors import NotFound
from tests.support.htmx import HTMX
from tests.test_chat_delivery import FakeSocket


@pytest.fixture
def rung(app, bob):
    """What Bob's open page receives."""
    tab = FakeSocket()
    app.extensions["realtime"].add(bob.id, tab)
    yield tab
    app.extensions["realtime"].stopped.set()


def received(tab, text, timeout=5):
    pushed = ""
    while text not in pushed:
        pushed = tab.received.get(timeout=timeout)
    return pushed


def test_a_call_makes_a_meeting_takes_the_caller_in_and_rings_the_other(client, login, ada, bob, db, rung):
    login(ada)
    response = client.post("/chat/bob/call")
    meeting = db.session.query(Meeting).one()
    assert response.status_code == 303 and response.location.endswith(f"/meetings/{meeting.room_id}")
    assert meeting.host_id == ada.id and "Ada" in meeting.title and "Bob" in meeting.title
    invitation = received(rung, "is calling you")
    assert f'href="/meetings/{meeting.room_id}"' in invitation and "Decline" in invitation
    assert 'hx-swap-oob="beforeend:#toasts"' in invitation


def test_declining_tells_the_caller(app, client, login, ada, bob):
    ada_tab = FakeSocket()
    app.extensions["realtime"].add(ada.id, ada_tab)
    try:
        meeting = calls.start_call(ada, bob)
        login(bob)
        assert client.post(f"/chat/calls/{meeting.room_id}/decline", headers=HTMX).get_data(as_text=True) == ""
        assert "declined the call" in received(ada_tab, "declined")
        without_js = client.post(f"/chat/calls/{meeting.room_id}/decline")
        assert without_js.status_code == 303 and without_js.location.endswith("/chat/ada")
    finally:
        app.extensions["realtime"].stopped.set()


def test_nobody_rings_someone_in_a_block_or_themself_and_visitors_are_sent_to_log_in(client, login, ada, bob):
    assert "/login" in client.post("/chat/bob/call").location
    social.block(bob, ada)
    login(ada)
    assert client.post("/chat/bob/call").status_code == 404
    assert client.post("/chat/ada/call").status_code == 400
    assert client.post("/chat/nobody/call").status_code == 404
    with pytest.raises(NotFound):
        calls.start_call(ada, bob)


def test_the_caller_cannot_decline_their_own_call_and_a_bad_room_is_404(client, login, ada, bob):
    meeting = calls.start_call(ada, bob)
    login(ada)
    assert client.post(f"/chat/calls/{meeting.room_id}/decline").status_code == 404
    assert client.post("/chat/calls/not-a-room/decline").status_code == 404


def test_an_invitation_is_not_shown_once_a_block_stands(ada, bob):
    meeting = calls.start_call(ada, bob)
    assert calls.invitation(bob.id, meeting.id, ada.id) is not None
    social.block(bob, ada)
    assert calls.invitation(bob.id, meeting.id, ada.id) is None
