"""What chat pushes to each viewer's sockets, and that every write publishes its event after commit."""

import re

import pytest
from sqlalchemy import select

from socialapp.blueprints.chat import live
from socialapp.models.chat import Message
from socialapp.services import chat
from socialapp.services.errors import ServiceError


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
    assert sorted((u, k, i["message_id"]) for u, k, i, _ in published) == sorted(
        [(ada.id, "chat_message", message.id), (bob.id, "chat_message", message.id)]
    )
    assert all(committed for *_, committed in published)
    # The event carries what the fragment shows, so that pushing it reads (almost) nothing.
    sent = published[0][2]["sent"]
    assert sent["message"]["body"] == "hello" and [p["username"] for p in sent["people"]] == ["ada", "bob"]
    db.session.rollback()
    assert db.session.get(Message, message.id) is not None


def test_a_refused_message_publishes_nothing(db, ada, bob, published):
    with pytest.raises(ServiceError):
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


def test_outsiders_and_blocked_members_get_nothing(db, ada, bob, make_user, block):
    message = chat.send_message(ada, bob, "hello")
    assert live.message_fragment(make_user("eve"), {"message_id": message.id}) == ""
    block(bob, ada)
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


def test_presence_changes_replace_the_row_and_the_dot(db, ada, bob, make_user, block):
    live._presence_cache.clear()
    eve = make_user("eve")
    block(eve, bob)
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


def _pushed(db, viewer, event):
    """The fragment `viewer` is pushed for `event`, and the statements it took, as the hub renders it."""
    from tests.support.queries import counted_queries

    viewer_id = viewer.id
    db.session.expire_all()  # a push runs on another thread, with nothing loaded
    with counted_queries(db) as statements:
        html = live.message_fragment(viewer_id, event)
    return html, statements


def test_a_new_message_costs_its_recipient_one_query_and_the_senders_other_tabs_none(app, db, ada, bob, published):
    message = chat.send_message(ada, bob, "hello <b>bob</b>")
    event = next(i for u, k, i, _ in published if u == bob.id and i["message_id"] == message.id)
    with app.test_request_context("/"):
        html, statements = _pushed(db, bob, event)
        assert len(statements) == 1, statements
        assert f'id="message-{message.id}"' in html and "hello &lt;b&gt;bob&lt;/b&gt;" in html
        assert re.search(r'id="chat-badge"[^>]* hx-swap-oob="true"[^>]*>1<', html)
        assert f'id="read-marker-{ada.id}"' in html and f'"upto": {message.id}' in html
        assert f'id="conversation-{ada.id}"' in html and f'data-seq="{message.id}"' in html
        html, statements = _pushed(db, ada, event)
        assert statements == []
        assert f'id="message-{message.id}"' in html and "Delete message" in html and "read-marker" not in html
        assert "chat-badge" not in html


def test_a_block_made_after_the_send_keeps_the_message_from_the_recipient(db, ada, bob, block, published):
    message = chat.send_message(ada, bob, "hello")
    event = next(i for u, k, i, _ in published if u == bob.id and i["message_id"] == message.id)
    block(bob, ada)
    assert live.message_fragment(bob.id, event) == ""
    assert f'id="message-{message.id}"' in live.message_fragment(ada.id, event)  # the sender's own tabs


def test_a_pushed_message_shows_as_the_page_shows_it(app, db, ada, bob, published):
    message = chat.send_message(ada, bob, "same")
    event = next(i for u, k, i, _ in published if u == bob.id)
    for viewer in (ada, bob):
        from_event = live.message_fragment(viewer.id, event)
        from_database = live.message_fragment(viewer.id, {"message_id": message.id})
        assert from_event == from_database
