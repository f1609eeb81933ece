"""A suspension closes the person's open pages at once, on every worker, with the code their page reacts to."""

import json

import pytest

from socialapp.blueprints.moderation.live import ACCOUNT_ENDED_CODE
from tests.support.sockets import Closed, PageSocket, ready_socket
from tests.test_realtime import hear_pings, publish_until_received


def suspend(app, moderator_id, person_id):
    from socialapp.extensions import db
    from socialapp.models import User
    from socialapp.services import moderation

    with app.app_context():
        moderation.suspend(db.session.get(User, moderator_id), db.session.get(User, person_id), "Spam")
        db.session.remove()


def test_suspending_closes_the_persons_sockets_on_another_worker_and_not_others(two_workers):
    first, second = two_workers
    bob, _, _ = first.make_user("bob")
    cy, _, _ = first.make_user("cy")
    mo, _, _ = first.make_user("mo", role="moderator")
    bobs_tab, cys_tab = ready_socket(first, bob), ready_socket(first, cy)
    # A worker just started may not have subscribed to Redis yet: wait until an event from the other arrives.
    hear_pings(first)
    publish_until_received(second.app, bobs_tab, bob, 1)
    suspend(second.app, mo, bob)
    told = bobs_tab.receive_until(lambda message: "account_ended" in message, timeout=10)
    assert json.loads(told) == {"account_ended": True}
    with pytest.raises(Closed) as closed:
        bobs_tab.receive(timeout=5)
    assert closed.value.code == ACCOUNT_ENDED_CODE
    assert cys_tab.receive(timeout=0.5) is None  # still open, nothing said
    cys_tab.close()


def test_a_suspended_persons_page_cannot_open_a_socket_again(live_server):
    from tests.support.browser import session_cookie

    bob, _, _ = live_server.make_user("bob")
    mo, _, _ = live_server.make_user("mo", role="moderator")
    cookie = session_cookie(live_server.app, bob)
    ready_socket(live_server, bob)
    suspend(live_server.app, mo, bob)
    ws = PageSocket(live_server, cookie)
    with pytest.raises(Closed) as closed:
        ws.receive(timeout=5)
    assert closed.value.code == 1008  # refused: the login it was opened with has ended
