"""The socket's "ready" frame: what changed since the page was made, and nothing when nothing did."""

import json
import re

import pytest
from werkzeug.datastructures import MultiDict

from socialapp.extensions import db as _db
from socialapp.models import User
from socialapp.realtime.ready import ready_message, shown_count
from socialapp.services import chat, social
from tests.support.browser import session_cookie
from tests.support.queries import counted_queries
from tests.support.sockets import PageSocket


def ready(app, user_id, **marks):
    """The ready frame for a page of `user_id` that says it shows `marks`, as parsed JSON."""
    return json.loads(ready_message(app.extensions["realtime"], user_id, MultiDict(marks)))


@pytest.mark.parametrize("value", ["", "-1", "x", "1.5", "3 ", "9999999999", "\u00b2", "\u0663"])
def test_a_count_the_page_cannot_show_is_no_mark(value):
    assert shown_count(MultiDict({"bell": value}), "bell") is None


def test_a_count_the_page_shows_is_read_from_its_mark():
    assert shown_count(MultiDict({"bell": "0", "badge": "12"}), "badge") == 12
    assert shown_count(MultiDict({"bell": "0"}), "badge") is None


def test_a_page_that_says_nothing_gets_a_bare_ready_without_a_query(app, db, ada):
    ada_id = ada.id
    with counted_queries(db) as statements:
        assert ready(app, ada_id) == {"ready": True}
    assert statements == []


def test_nothing_is_sent_when_the_counts_shown_are_still_right(app, db, ada, bob):
    social.follow(bob, ada)
    chat.send_message(bob, ada, "hello")
    ada_id = ada.id
    with counted_queries(db) as statements:
        assert ready(app, ada_id, bell="2", badge="1") == {"ready": True}  # a follow, a message
    assert len(statements) == 2  # the bell's count and the badge's, one query each


def test_a_new_notification_sends_the_bell_alone_out_of_band(app, db, ada, bob):
    social.follow(bob, ada)
    ada_id = ada.id
    with counted_queries(db) as statements:
        frame = ready(app, ada_id, bell="0", badge="0")
    assert len(statements) == 2
    assert frame["ready"] is True
    assert 'id="bell"' in frame["content"] and 'hx-swap-oob="true"' in frame["content"]
    assert 'aria-label="Notifications, 1 unread" data-count="1"' in frame["content"]
    assert "chat-badge" not in frame["content"]


def test_an_unread_message_sends_the_badge_and_reading_it_elsewhere_clears_it(app, db, ada, bob):
    chat.send_message(bob, ada, "hello")
    content = ready(app, ada.id, bell="1", badge="0")["content"]  # the message's notification is counted
    assert re.search(r'id="chat-badge"[^>]*data-count="1" hx-swap-oob="true">1<', content)
    assert 'id="bell"' not in content
    chat.mark_read(chat.membership(ada.id, bob.id))
    content = ready(app, ada.id, badge="1")["content"]
    assert re.search(r'id="chat-badge"[^>]*data-count="0" hx-swap-oob="true" hidden>', content)


def test_a_part_that_fails_leaves_the_rest_of_the_frame(app, db, ada, bob, monkeypatch):
    from socialapp.services import notifications

    def broken(user_id):
        raise RuntimeError("the bell broke")

    monkeypatch.setattr(notifications, "unread_count", broken)
    chat.send_message(bob, ada, "hello")
    frame = ready(app, ada.id, bell="0", badge="0")
    assert 'id="chat-badge"' in frame["content"] and 'id="bell"' not in frame["content"]
    assert frame["ready"] is True


def _socket_ready(server, user_id, path, cookie=None):
    ws = PageSocket(server, cookie or session_cookie(server.app, user_id), path=path)
    try:
        return json.loads(ws.receive())
    finally:
        ws.close()


def test_a_socket_opened_with_the_pages_counts_gets_what_changed_in_its_ready_frame(live_server):
    ada, _, _ = live_server.make_user("ada")
    bob, _, _ = live_server.make_user("bob")
    assert _socket_ready(live_server, ada, "/ws?bell=0&badge=0") == {"ready": True}
    with live_server.app.app_context():
        social.follow(_db.session.get(User, bob), _db.session.get(User, ada))
    frame = _socket_ready(live_server, ada, "/ws?want=presence&bell=0&badge=0")
    assert frame["ready"] is True and 'aria-label="Notifications, 1 unread"' in frame["content"]
    assert _socket_ready(live_server, ada, "/ws?bell=1&badge=0") == {"ready": True}
    assert _socket_ready(live_server, ada, "/ws") == {"ready": True}  # a page that names no count


def test_the_ready_frame_costs_the_socket_two_queries_whatever_changed(live_server):
    ada, _, _ = live_server.make_user("ada")
    bob, _, _ = live_server.make_user("bob")
    with live_server.app.app_context():
        social.follow(_db.session.get(User, bob), _db.session.get(User, ada))
        chat.send_message(_db.session.get(User, bob), _db.session.get(User, ada), "hello")
        cookie = session_cookie(live_server.app, ada)
        with counted_queries(_db) as bare:
            _socket_ready(live_server, ada, "/ws", cookie)
        with counted_queries(_db) as unchanged:
            assert _socket_ready(live_server, ada, "/ws?bell=2&badge=1", cookie) == {"ready": True}
        with counted_queries(_db) as changed:
            content = _socket_ready(live_server, ada, "/ws?bell=0&badge=0", cookie)["content"]
    assert 'id="bell"' in content and 'id="chat-badge"' in content
    # Only the statements about counts: the server also loads the logged-in user for every request (and a
    # closing socket's log line may load it again while the next socket opens), and the mail outbox's thread
    # polls on its own.
    assert _about_counts(bare) == []
    assert len(_about_counts(unchanged)) == len(_about_counts(changed)) == 2  # the bell's count, the badge's


def _about_counts(statements):
    return [s for s in statements if "FROM notifications" in s or "JOIN messages" in s]
