"""Chat rules: who may write to whom, what a message may be, ordering, unread counts, deletion."""

import re

import pytest
from sqlalchemy import func, select

from socialapp.models.chat import Conversation, ConversationMember, Message
from socialapp.services import chat
from socialapp.services.chat import MAX_MESSAGE_LENGTH
from socialapp.services.errors import ServiceError
from tests.support.htmx import HTMX


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


# Services


def test_a_message_is_saved_with_its_time_in_one_conversation_per_pair(db, ada, bob):
    first = chat.send_message(ada, bob, "  hello  ")
    second = chat.send_message(bob, ada, "hi ada")
    assert first.body == "hello"
    assert first.created_at is not None
    assert first.conversation_id == second.conversation_id
    assert count(db, Conversation) == 1
    assert count(db, ConversationMember) == 2


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_empty_message_is_refused_and_nothing_is_saved(db, ada, bob, body):
    with pytest.raises(ServiceError) as error:
        chat.send_message(ada, bob, body)
    assert error.value.status == 422
    assert count(db, Message) == 0
    assert count(db, Conversation) == 0


def test_oversized_message_is_refused_and_the_limit_itself_is_allowed(db, ada, bob):
    with pytest.raises(ServiceError, match="2,000 characters"):
        chat.send_message(ada, bob, "x" * (MAX_MESSAGE_LENGTH + 1))
    assert count(db, Message) == 0
    assert chat.send_message(ada, bob, "x" * MAX_MESSAGE_LENGTH).body == "x" * MAX_MESSAGE_LENGTH


def test_a_message_keeps_its_lines_as_posts_and_comments_do(db, ada, bob):
    # Browsers send a textarea's line breaks as CRLF; what is kept (and counted) is one "\n" each.
    assert chat.send_message(ada, bob, "  one\r\ntwo\r\n").body == "one\ntwo"
    body = "x\r\n" * (MAX_MESSAGE_LENGTH // 2)
    assert chat.send_message(ada, bob, body).body == body.replace("\r\n", "\n").strip()


@pytest.mark.parametrize("direction", ["ada blocks bob", "bob blocks ada"])
def test_no_messages_between_blocked_users_either_way(db, ada, bob, direction, block):
    blocker, blocked = (ada, bob) if direction == "ada blocks bob" else (bob, ada)
    block(blocker, blocked)
    with pytest.raises(ServiceError) as error:
        chat.send_message(ada, bob, "hello")
    assert error.value.status == 404  # as for someone who does not exist: a block is not given away
    assert count(db, Message) == 0


def test_no_messages_to_unknown_unverified_users_or_oneself(db, ada, make_user):
    pending = make_user("pending", verified=False)
    for recipient, status in ((None, 404), (pending, 404), (ada, 400)):
        with pytest.raises(ServiceError) as error:
            chat.send_message(ada, recipient, "hello")
        assert error.value.status == status
    assert count(db, Message) == 0


def test_a_failure_after_the_message_is_written_leaves_nothing_half_saved(db, ada, bob, monkeypatch):
    def broken_notify(*args):
        raise RuntimeError("notification store is down")

    monkeypatch.setattr(chat.notifications, "notify_of_message", broken_notify)
    with pytest.raises(RuntimeError):
        chat.send_message(ada, bob, "hello")
    assert count(db, Message) == 0
    assert count(db, Conversation) == 0


def test_two_first_messages_at_once_end_in_one_conversation(db, ada, bob, monkeypatch):
    chat.send_message(bob, ada, "hi")  # bob's first message made the conversation...
    looked, real = [], chat._before_sending

    def before_bobs(sender, recipient):  # ...after ada's send had looked for one
        conversation_id, notice = real(sender, recipient)
        looked.append(conversation_id)
        return (None if len(looked) == 1 else conversation_id), notice

    monkeypatch.setattr(chat, "_before_sending", before_bobs)
    message = chat.send_message(ada, bob, "hello")
    assert len(looked) == 2 and count(db, Conversation) == 1 and count(db, Message) == 2
    assert message.conversation_id == looked[0]


def test_history_pages_backwards_by_id_and_lists_oldest_first(db, ada, bob):
    sent = [chat.send_message(ada, bob, f"m{i}").id for i in range(7)]
    conversation_id = chat.find_conversation(ada.id, bob.id).id
    newest, more = chat.history(conversation_id, limit=3)
    assert [m.id for m in newest] == sent[-3:]
    assert more
    older, more = chat.history(conversation_id, before_id=newest[0].id, limit=3)
    assert [m.id for m in older] == sent[1:4]
    oldest, more = chat.history(conversation_id, before_id=older[0].id, limit=3)
    assert [m.id for m in oldest] == sent[:1]
    assert not more


def test_messages_after_an_id_are_exactly_the_missing_ones_in_order(db, ada, bob):
    sent = [chat.send_message(ada if i % 2 else bob, bob if i % 2 else ada, f"m{i}").id for i in range(6)]
    conversation_id = chat.find_conversation(ada.id, bob.id).id
    assert [m.id for m in chat.messages_after(conversation_id, sent[2])] == sent[3:]
    assert chat.messages_after(conversation_id, sent[-1]) == []


def test_unread_counts_only_the_others_messages_after_my_last_read(db, ada, bob, make_user):
    cy = make_user("cy")
    chat.send_message(bob, ada, "first")
    chat.send_message(ada, bob, "one")
    chat.send_message(ada, bob, "two")
    chat.send_message(cy, bob, "three")
    assert chat.unread_total(bob.id) == 3
    assert chat.unread_total(ada.id) == 0  # writing a message reads the conversation up to it
    chat.mark_read(chat.membership(bob.id, ada.id))
    assert chat.unread_total(bob.id) == 1
    assert chat.unread_total(cy.id) == 0


def test_read_position_never_moves_backwards_or_past_the_newest_message(db, ada, bob):
    first = chat.send_message(ada, bob, "one")
    second = chat.send_message(ada, bob, "two")
    member = chat.membership(bob.id, ada.id)
    assert chat.mark_read(member, second.id + 100)
    assert member.last_read_message_id == second.id
    assert not chat.mark_read(member, first.id)
    assert member.last_read_message_id == second.id


def test_conversations_come_most_recent_first_with_last_message_and_unread(db, ada, bob, make_user):
    cy = make_user("cy")
    chat.send_message(bob, ada, "from bob")
    chat.send_message(cy, ada, "from cy")
    chat.send_message(cy, ada, "again cy")
    chat.send_message(bob, ada, "bob last")
    rows = chat.conversations_for(ada.id)
    assert [(other.username, last.body, unread) for _, other, last, unread in rows] == [
        ("bob", "bob last", 2),
        ("cy", "again cy", 2),
    ]


def test_a_blocked_persons_conversation_leaves_the_list_and_the_badge(db, ada, bob, block):
    chat.send_message(bob, ada, "hello")
    block(ada, bob)
    assert chat.conversations_for(ada.id) == []
    assert chat.unread_total(ada.id) == 0


def test_seen_when_the_other_has_read_my_latest_message(db, ada, bob):
    chat.send_message(ada, bob, "hello")
    assert not chat.seen_by_other(chat.membership(ada.id, bob.id))
    chat.mark_read(chat.membership(bob.id, ada.id))
    assert chat.seen_by_other(chat.membership(ada.id, bob.id))
    chat.send_message(ada, bob, "still there?")
    assert not chat.seen_by_other(chat.membership(ada.id, bob.id))


def test_only_the_sender_deletes_a_message_and_its_text_is_gone(db, ada, bob, make_user):
    message = chat.send_message(ada, bob, "oops")
    with pytest.raises(ServiceError) as error:
        chat.delete_message(bob, message.id)
    assert error.value.status == 403
    with pytest.raises(ServiceError) as error:
        chat.delete_message(make_user("eve"), message.id)
    assert error.value.status == 404
    chat.delete_message(ada, message.id)
    stored = db.session.get(Message, message.id)
    assert stored.is_deleted and stored.body == ""
    assert chat.unread_total(bob.id) == 0


def test_people_list_hides_blocked_unverified_and_oneself_and_searches_names(db, ada, bob, make_user, block):
    make_user("carol", first_name="Zoe")
    make_user("pending", verified=False)
    eve = make_user("eve")
    block(eve, ada)
    users, more = chat.chat_users(ada.id)
    assert [u.username for u in users] == ["bob", "carol"]
    assert [u.username for u in chat.chat_users(ada.id, "zo")[0]] == ["carol"]
    assert [u.username for u in chat.chat_users(ada.id, "b%")[0]] == []


def test_people_filters_by_presence(db, ada, bob, make_user, monkeypatch):
    carol = make_user("carol")
    monkeypatch.setattr(chat, "online_ids", lambda ids: {carol.id} & set(ids))
    assert [u.username for u in chat.people_page(ada.id, "", "online", None)[0]] == ["carol"]
    assert [u.username for u in chat.people_page(ada.id, "", "offline", None)[0]] == ["bob"]
    assert [u.username for u in chat.people_page(ada.id, "", "all", None)[0]] == ["bob", "carol"]


def test_deleting_an_account_takes_its_conversations_with_it(db, ada, bob):
    from socialapp.services import accounts

    chat.send_message(ada, bob, "hello")
    from tests.support.factories import PASSWORD

    accounts.delete_account(ada, PASSWORD)
    assert count(db, Conversation) == 0
    assert count(db, Message) == 0
    assert chat.unread_total(bob.id) == 0


# Routes


def test_chat_pages_need_a_login(client, ada):
    assert client.get("/chat/").status_code == 302
    assert client.post("/chat/ada/messages", data={"body": "hi"}).status_code == 302


def test_sending_over_htmx_returns_the_message_and_an_empty_box(client, login, ada, bob, db):
    login(ada)
    response = client.post("/chat/bob/messages", data={"body": "hi <script>"}, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    message = db.session.scalar(select(Message))
    assert f'id="message-{message.id}"' in html
    assert "hi &lt;script&gt;" in html and "<script>" not in html
    assert re.search(r'<textarea id="message-body"[^>]*></textarea>', html)  # the box, emptied


def test_sending_without_javascript_redirects_to_the_conversation(client, login, ada, bob):
    login(ada)
    response = client.post("/chat/bob/messages", data={"body": "hello"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/chat/bob")
    assert "hello" in client.get("/chat/bob").get_data(as_text=True)


def test_an_oversized_message_keeps_what_was_typed_with_a_clear_error(client, login, ada, bob, db):
    login(ada)
    body = "y" * (MAX_MESSAGE_LENGTH + 5)
    for headers in (HTMX, {}):
        response = client.post("/chat/bob/messages", data={"body": body}, headers=headers)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "limited to 2,000 characters" in html
        assert body in html
    assert count(db, Message) == 0


def test_an_empty_message_gets_a_clear_error(client, login, ada, bob):
    login(ada)
    response = client.post("/chat/bob/messages", data={"body": "  "}, headers=HTMX)
    assert response.status_code == 422
    assert "Write a message before sending." in response.get_data(as_text=True)


def test_writing_to_a_blocked_user_is_refused_as_to_an_unknown_one(client, login, ada, bob, db, block):
    block(bob, ada)
    login(ada)
    assert client.post("/chat/bob/messages", data={"body": "hi"}).status_code == 404
    assert client.post("/chat/nobody/messages", data={"body": "hi"}).status_code == 404
    assert client.get("/chat/bob").status_code == 404
    assert client.post("/chat/bob/typing").status_code == 404
    assert count(db, Message) == 0


def test_the_people_list_hides_blocked_users(client, login, ada, bob, make_user, db, block):
    make_user("eve")
    block(ada, bob)
    login(ada)
    html = client.get("/chat/").get_data(as_text=True)
    assert "@eve" in html and "@bob" not in html


def test_an_opened_conversation_reports_itself_read_and_that_clears_the_badge(client, login, ada, bob):
    message = chat.send_message(bob, ada, "are you there?")
    login(ada)
    home = client.get("/chat/").get_data(as_text=True)
    assert re.search(r'id="chat-badge"[^>]*>1<', home)
    page = client.get("/chat/bob").get_data(as_text=True)
    assert "are you there?" in page
    marker = re.search(
        r'<div id="read-marker-\d+" hidden hx-post="/chat/bob/read" hx-vals=\'{"upto": (\d+)}\' hx-trigger="load"', page
    )
    assert marker and int(marker.group(1)) == message.id
    response = client.post("/chat/bob/read", data={"upto": marker.group(1)}, headers=HTMX)
    assert re.search(r'id="chat-badge"[^>]* hx-swap-oob="true" hidden>', response.get_data(as_text=True))
    assert re.search(r'id="chat-badge"[^>]* hidden>', client.get("/chat/badge", headers=HTMX).get_data(as_text=True))
    assert chat.unread_total(ada.id) == 0
    assert 'hx-post="/chat/bob/read"' not in client.get("/chat/bob").get_data(as_text=True)  # nothing left unread


def test_reading_a_conversation_changes_nothing(client, login, ada, bob):
    first = chat.send_message(bob, ada, "one")
    chat.send_message(bob, ada, "two")
    login(ada)
    for path in ("/chat/bob", f"/chat/bob/messages?after={first.id}", f"/chat/bob/messages?before={first.id + 5}"):
        assert client.get(path, headers=HTMX if "messages" in path else {}).status_code == 200
    assert chat.unread_total(ada.id) == 2
    assert not chat.seen_by_other(chat.membership(bob.id, ada.id))


def test_without_scripts_a_button_marks_the_conversation_read(client, login, ada, bob):
    message = chat.send_message(bob, ada, "are you there?")
    login(ada)
    page = client.get("/chat/bob").get_data(as_text=True)
    form = page.split("<noscript>")[1].split("</noscript>")[0]
    assert 'action="/chat/bob/read"' in form and f'name="upto" value="{message.id}"' in form and "Mark as read" in form
    response = client.post("/chat/bob/read", data={"upto": message.id})
    assert response.status_code == 303 and response.headers["Location"] == "/chat/bob"
    assert chat.unread_total(ada.id) == 0
    assert "<noscript>" not in client.get("/chat/bob").get_data(as_text=True)


def test_only_members_see_a_conversation_and_only_the_sender_deletes(client, login, ada, bob, make_user):
    message = chat.send_message(ada, bob, "private")
    eve = make_user("eve")
    login(eve)
    assert "private" not in client.get("/chat/ada").get_data(as_text=True)
    assert client.post(f"/chat/messages/{message.id}/delete").status_code == 404
    login(bob)
    assert client.post(f"/chat/messages/{message.id}/delete").status_code == 403
    login(ada)
    response = client.post(f"/chat/messages/{message.id}/delete", headers=HTMX)
    assert response.status_code == 200
    assert "This message was deleted" in response.get_data(as_text=True)
    login(bob)
    assert "This message was deleted" in client.get("/chat/ada").get_data(as_text=True)


def test_catching_up_after_a_reconnect_returns_only_newer_messages(client, login, ada, bob):
    first = chat.send_message(bob, ada, "first")
    chat.send_message(bob, ada, "second")
    chat.send_message(bob, ada, "third")
    third = chat.history(first.conversation_id)[0][-1]
    login(ada)
    html = client.get(f"/chat/bob/messages?after={first.id}", headers=HTMX).get_data(as_text=True)
    assert "first" not in html
    assert html.index("second") < html.index("third")
    # The open page now shows everything, and says so once they are in.
    assert f'hx-post="/chat/bob/read" hx-vals=\'{{"upto": {third.id}}}\' hx-trigger="load"' in html
    client.post("/chat/bob/read", data={"upto": third.id}, headers=HTMX)
    assert chat.unread_total(ada.id) == 0


def test_the_conversation_and_its_catch_up_show_seen_once_the_other_has_read(client, login, ada, bob):
    first = chat.send_message(ada, bob, "hello")
    login(ada)
    seen = re.compile(r'id="seen-\d+"[^>]*>Seen</p>')
    assert not seen.search(client.get("/chat/bob").get_data(as_text=True))
    chat.mark_read(chat.membership(bob.id, ada.id))
    assert seen.search(client.get("/chat/bob").get_data(as_text=True))
    assert seen.search(client.get(f"/chat/bob/messages?after={first.id}", headers=HTMX).get_data(as_text=True))


def test_scrolling_up_loads_the_page_before_the_oldest_shown(client, login, ada, bob):
    sent = [chat.send_message(bob, ada, f"message {i:02d}").id for i in range(chat.PAGE_SIZE + 5)]
    login(ada)
    page = client.get("/chat/bob").get_data(as_text=True)
    assert "message 04" not in page and "message 05" in page
    assert f"before={sent[5]}" in page
    older = client.get(f"/chat/bob/messages?before={sent[5]}", headers=HTMX).get_data(as_text=True)
    assert "message 00" in older and "message 04" in older and "message 05" not in older
    assert "revealed" not in older


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_ENABLED": True}], indirect=True)
def test_typing_is_rate_limited_per_user(client, login, ada, bob):
    login(ada)
    statuses = [client.post("/chat/bob/typing").status_code for _ in range(45)]
    assert statuses[0] == 204
    assert 429 in statuses


def test_a_message_rings_the_bell_once_per_conversation_until_it_is_read(db, ada, bob):
    from socialapp.services import notifications

    chat.send_message(ada, bob, "one")
    chat.send_message(ada, bob, "two")
    assert notifications.unread_count(bob.id) == 1
    assert notifications.unread_count(ada.id) == 0
    chat.mark_read(chat.membership(bob.id, ada.id))
    assert notifications.unread_count(bob.id) == 0
