"""What chat pushes to each viewer's sockets, and that every write publishes its event after commit."""

import re

import pytest
from sqlalchemy import select

from socialapp.blueprints.chat import live
from socialapp.models import Block
from socialapp.models.chat import Message
from socialapp.services import chat


@pytest.fixture
def ada(make_user):
    return make_user("ada")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def published(app, monkeypatch):
    """Every chat event the app publishes, as (user id, kind, ids), with whether its write was committed."""
    from socialapp.extensions import db

    events = []

    def record(channel, event):
        kind, ids = event["kind"], {k: v for k, v in event.items() if k != "kind"}
        if not kind.startswith("chat_"):
            return
        committed = True
        if "message_id" in ids:
            # Another connection sees only what is committed.
            with db.engine.connect() as conn:
                stmt = select(Message.id).where(Message.id == ids["message_id"])
                committed = conn.execute(stmt).first() is not None
        events.append((int(channel.removeprefix("user:")), kind, ids, committed))

    monkeypatch.setattr(app.extensions["realtime"], "publish", record)
    return events


def test_a_sent_message_is_published_to_both_members_after_commit(db, ada, bob, published):
    message = chat.send_message(ada, bob, "hello")
    assert sorted((u, k, i) for u, k, i, _ in published) == sorted(
        [(ada.id, "chat_message", {"message_id": message.id}), (bob.id, "chat_message", {"message_id": message.id})]
    )
    assert all(committed for *_, committed in published)
    db.session.rollback()
    assert db.session.get(Message, message.id) is not None


def test_a_refused_message_publishes_nothing(db, ada, bob, published):
    with pytest.raises(chat.ChatError):
        chat.send_message(ada, bob, "")
    assert published == []


def test_reading_tells_the_other_member_and_ones_own_tabs(db, ada, bob, published):
    chat.send_message(ada, bob, "hello")
    published.clear()
    chat.mark_read(chat.membership(bob.id, ada.id))
    assert [(u, k, i) for u, k, i, _ in published] == [
        (ada.id, "chat_seen", {"user_id": bob.id}),
        (bob.id, "chat_read", {"user_id": ada.id}),
    ]


def test_the_recipient_gets_the_message_a_badge_and_a_read_marker(db, ada, bob):
    message = chat.send_message(ada, bob, "hello <b>bob</b>")
    html = live.message_fragment(bob, {"message_id": message.id})
    assert f'id="message-{message.id}"' in html
    assert f'hx-swap-oob="upsert:#message-list-{ada.id}"' in html
    assert "hello &lt;b&gt;bob&lt;/b&gt;" in html
    assert re.search(r'id="chat-badge"[^>]* hx-swap-oob="true"[^>]*>1<', html)
    assert f'id="read-marker-{ada.id}"' in html and f'"upto": {message.id}' in html
    assert f'id="typing-{ada.id}"' in html
    assert 'name="csrf_token"' not in html  # htmx sends the token in a header


def test_the_senders_other_tabs_get_the_message_without_a_read_marker(db, ada, bob):
    message = chat.send_message(ada, bob, "hello")
    html = live.message_fragment(ada, {"message_id": message.id})
    assert f'hx-swap-oob="upsert:#message-list-{bob.id}"' in html
    assert "read-marker" not in html
    assert "Delete message" in html


def test_outsiders_and_blocked_members_get_nothing(db, ada, bob, make_user):
    message = chat.send_message(ada, bob, "hello")
    assert live.message_fragment(make_user("eve"), {"message_id": message.id}) == ""
    db.session.add(Block(blocker_id=bob.id, blocked_id=ada.id))
    db.session.commit()
    assert live.message_fragment(bob, {"message_id": message.id}) == ""
    assert live.typing_fragment(bob, {"user_id": ada.id}) == ""


def test_a_deleted_message_is_pushed_as_deleted(db, ada, bob):
    message = chat.send_message(ada, bob, "oops")
    chat.delete_message(ada, message.id)
    html = live.message_fragment(bob, {"message_id": message.id})
    assert "This message was deleted" in html and "oops" not in html


def test_seen_and_typing_fragments(db, ada, bob):
    chat.send_message(ada, bob, "hello")
    chat.mark_read(chat.membership(bob.id, ada.id))
    assert ">Seen<" in live.seen_fragment(ada, {"user_id": bob.id})
    assert "Bob is typing" in live.typing_fragment(ada, {"user_id": bob.id})


def test_presence_changes_replace_the_row_and_the_dot(db, ada, bob, make_user):
    live._presence_cache.clear()
    eve = make_user("eve")
    db.session.add(Block(blocker_id=eve.id, blocked_id=bob.id))
    db.session.commit()
    assert live.presence_fragment(eve.id, {"user_id": bob.id, "online": True}) == ""
    html = live.presence_fragment(ada, {"user_id": bob.id, "online": True})
    assert f'id="chat-user-{bob.id}" class="person online" hx-swap-oob="true"' in html
    assert 'hx-swap-oob="upsert:#people-online"' in html
    assert f'id="presence-{bob.id}"' in html
    assert live.presence_fragment(ada, {"user_id": ada.id, "online": True}) == ""


def test_reading_in_one_tab_clears_the_badge_in_the_others(db, ada, bob):
    chat.send_message(ada, bob, "hello")
    chat.mark_read(chat.membership(bob.id, ada.id))
    html = live.read_fragment(bob, {"user_id": ada.id})
    assert re.search(r'id="chat-badge"[^>]* hx-swap-oob="true" hidden>', html)
    assert f'id="conversation-{ada.id}"' in html


def test_each_message_is_stored_once(db, ada, bob):
    for i in range(3):
        chat.send_message(ada, bob, f"m{i}")
    bodies = db.session.scalars(select(Message.body).order_by(Message.id)).all()
    assert bodies == ["m0", "m1", "m2"]
