"""A chat message's notification: one per conversation while unread, never across a block or from someone
muted, and a bell push that carries its row, so that it reads only the count and shows what reading the
group would."""

import pytest

from socialapp.blueprints.notifications.live import bell_fragment
from socialapp.models import Notification
from socialapp.services import chat, mutes, notifications
from tests.support.queries import counted_queries


@pytest.fixture
def bells(app, monkeypatch):
    """The bell events the app publishes, as (user id, event)."""
    events = []

    def record(channel, event):
        if event["kind"] == "notification":
            events.append((int(channel.removeprefix("user:")), event))

    monkeypatch.setattr(app.extensions["realtime"], "publish", record)
    return events


def pushed(db, viewer_id, event):
    """The bell fragment for `event` as a push thread renders it (nothing loaded), and its statements."""
    db.session.expire_all()
    with counted_queries(db) as statements:
        html = bell_fragment(viewer_id, event)
    return html, statements


def read_from_database(event):
    return {name: value for name, value in event.items() if name != "carried"}


def test_messages_fold_into_one_notification_a_conversation_while_unread(db, make_user, bells):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cy")
    for sender in (ada, ada, cy, ada):
        chat.send_message(sender, bob, "hello")
    assert db.session.query(Notification).count() == 2
    assert notifications.unread_count(bob.id) == 2
    chat.mark_read(chat.membership(bob.id, ada.id))  # read: its notification goes
    chat.send_message(ada, bob, "and again")
    assert notifications.unread_count(bob.id) == 2
    assert [user_id for user_id, event in bells if event.get("fresh")] == [bob.id] * 5


def test_a_messages_bell_push_reads_only_the_count_and_shows_what_reading_its_group_would(app, db, make_user, bells):
    ada, bob = make_user("ada", first_name="Ada"), make_user("bob")
    chat.send_message(ada, bob, "hello")
    chat.send_message(ada, bob, "again")  # folded into the first
    with app.test_request_context("/"):
        for user_id, event in bells:
            assert user_id == bob.id and event["fresh"] and event["carried"]["actor"]["username"] == "ada"
            html, statements = pushed(db, bob.id, event)
            assert len(statements) == 1, statements
            assert "Ada Tester</strong> sent you a message" in html and "Notifications, 1 unread" in html
            assert html == pushed(db, bob.id, read_from_database(event))[0]


@pytest.mark.parametrize("hide", ["block", "mute"])
def test_a_block_or_mute_made_after_the_send_takes_the_row_away_in_its_push(app, db, make_user, block, bells, hide):
    ada, bob = make_user("ada"), make_user("bob")
    chat.send_message(ada, bob, "hello")
    if hide == "block":
        block(bob, ada)
    else:
        mutes.mute(bob, ada)
    ((_, event),) = bells
    with app.test_request_context("/"):
        html, _ = pushed(db, bob.id, event)
        assert 'hx-swap-oob="delete"' in html and "sent you a message" not in html and "0 unread" in html
        assert html == pushed(db, bob.id, read_from_database(event))[0]


def test_a_muted_sender_rings_no_bell_but_the_notification_is_kept_for_an_unmute(db, make_user, bells):
    ada, bob = make_user("ada"), make_user("bob")
    mutes.mute(bob, ada)
    chat.send_message(ada, bob, "hello")
    chat.send_message(ada, bob, "again")
    assert bells == [] and db.session.query(Notification).count() == 1
    mutes.unmute(bob, ada)
    assert notifications.unread_count(bob.id) == 1
