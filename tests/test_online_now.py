"""The home page's "Online now" box: people the viewer chats with or follows who have the app open."""

import re

from socialapp.services import chat, social
from tests.support.queries import counted_queries


def online_box(client):
    html = client.get("/").get_data(as_text=True)
    return html.split('<aside class="online-box"')[1].split("</aside>")[0]


def names_in(box):
    return re.findall(r'href="/chat/(\w+)"', box)


def mark_online(app, *users):
    for user in users:
        app.extensions["realtime"].presence.mark(user.id, 1)


def test_online_now_lists_the_people_i_chat_with_or_follow_who_are_online(
    app, client, login, ada, bob, make_user, block
):
    carol, dave, eve, fay = (make_user(name) for name in ("carol", "dave", "eve", "fay"))
    social.follow(ada, bob)
    chat.send_message(carol, ada, "Hello Ada")
    chat.send_message(ada, eve, "Hi Eve")
    block(eve, ada)
    social.follow(ada, fay)
    mark_online(app, bob, carol, dave, eve)  # Dave is a stranger; Eve blocked Ada; Fay is away
    login(ada)
    box = online_box(client)
    assert names_in(box) == ["carol", "bob"]  # conversations first, then the people followed
    assert "Chat with </span><strong>Carol Tester</strong>" in box
    assert 'href="/chat/"' in box


def test_online_now_says_so_when_no_one_is_online(app, client, login, ada, bob):
    social.follow(ada, bob)
    login(ada)
    box = online_box(client)
    assert names_in(box) == []
    assert "No one you follow or chat with is online right now." in box


def test_online_now_shows_ten_and_asks_presence_of_a_bounded_number(app, client, login, ada, make_user, monkeypatch):
    people = [make_user() for _ in range(2 * chat.ONLINE_CANDIDATES + 10)]
    for person in people:
        social.follow(ada, person)
        chat.send_message(person, ada, "hi")
    mark_online(app, *people)
    asked = []
    online_ids = chat.online_ids
    monkeypatch.setattr(chat, "online_ids", lambda ids: asked.append(len(ids)) or online_ids(ids))
    login(ada)
    box = online_box(client)
    assert len(names_in(box)) == 10
    assert names_in(box)[0] == people[-1].username  # the latest conversation first
    assert len(asked) == 1 and chat.ONLINE_CANDIDATES <= asked[0] <= 2 * chat.ONLINE_CANDIDATES < len(people)


def test_online_now_takes_two_queries_however_many_people_i_know(app, db, ada, make_user):
    few, many = [make_user()], [make_user() for _ in range(30)]
    counts = []
    for viewer_people in (few, many):
        viewer = make_user()
        for person in viewer_people:
            social.follow(viewer, person)
            chat.send_message(viewer, person, "hi")
        mark_online(app, *viewer_people)
        with counted_queries(db) as statements:
            found = chat.online_contacts(viewer.id, 10)
        assert len(found) == min(len(viewer_people), 10)
        counts.append(len(statements))
    assert counts == [2, 2]
