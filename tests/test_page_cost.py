"""What every visit asks of the server stays small: a fixed number of queries for the home page, the feed's next
page, the bell and the badge (bench/page_cpu_bench.py measures their CPU), a chat message and its pushes
(bench/chat_push_bench.py), and the prefixes and cached addresses
that spare url_for give the same URLs as url_for."""

import pytest
from flask import url_for

from socialapp import templating
from socialapp.blueprints.posts.links import CardLinks
from socialapp.models import Notification
from socialapp.services import chat, feed, posts, social
from tests.support.htmx import HTMX
from tests.support.queries import counted_queries


@pytest.fixture
def busy_viewer(db, make_user):
    """A viewer following five people with four posts each and one of their own (21 posts, a full page and
    one more), a like, unread notifications and chat messages, and people to suggest."""
    me = make_user("viewer")
    people = [make_user(f"friend{n}") for n in range(5)]
    for person in people:
        social.follow(me, person)
        for n in range(4):
            posts.create_post(person, f"{person.username} #news {n} @viewer")
    mine = posts.create_post(me, "my own post")
    posts.like(people[0], mine.id)
    for person in people[:2]:
        chat.send_message(person, me, "hello")
    stranger = make_user("stranger")
    social.follow(people[0], stranger)  # a friend of a friend: suggested
    db.session.add(Notification(recipient_id=me.id, actor_id=people[1].id, kind="follow"))
    db.session.commit()
    return me


def statements_of(client, db, path, headers=None, expect=None):
    client.get(path, headers=headers)  # warm what is kept per process (the suggestions' ranking)
    with counted_queries(db) as statements:
        response = client.get(path, headers=headers)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert expect is None or expect(html), html[:500]
    return statements


def test_the_home_page_and_the_feeds_next_page_take_a_fixed_number_of_queries(client, db, login, busy_viewer):
    login(busy_viewer)
    home = statements_of(client, db, "/", expect=lambda html: html.count('class="post"') == feed.PAGE_SIZE)
    # The login's user, the feed with my likes, the pictures, "Online now", the suggestions still suggestable,
    # the badge, the bell.
    assert len(home) == 7, home
    more = client.get("/").get_data(as_text=True).split('class="more-posts" hx-get="')[1].split('"')[0]
    fragment = statements_of(
        client, db, more.replace("&amp;", "&"), HTMX, expect=lambda html: html.count('class="post"') == 1
    )
    assert len(fragment) == 3, fragment  # the user, the feed with my likes, the pictures


def test_the_bell_and_the_badge_take_two_queries_each(client, db, login, busy_viewer):
    login(busy_viewer)
    bell = statements_of(client, db, "/notifications/bell", HTMX, expect=lambda html: 'data-count="0"' not in html)
    badge = statements_of(client, db, "/chat/badge", HTMX, expect=lambda html: 'data-count="2"' in html)
    assert len(bell) == 2, bell  # the user, the count
    assert len(badge) == 2, badge


@pytest.mark.parametrize("tag", ["news", "café", "日本"])
def test_linkify_writes_the_addresses_url_for_does(app, tag):
    with app.test_request_context("/"):
        html = str(templating.linkify({"card_links": CardLinks()}, f"#{tag} and @ada_1"))
        assert f'href="{url_for("posts.tag", tag=tag.lower())}"' in html
        assert f'href="{url_for("profiles.show", username="ada_1")}"' in html


def test_the_people_prefixes_and_the_avatar_give_url_fors_addresses(app, make_user):
    ada = make_user("ada")
    ada.avatar_key = "0123456789abcdef"
    with app.test_request_context("/"):
        links = CardLinks()
        assert links.person + "ada/follow" == url_for("social.follow", username="ada")
        assert links.person + "ada/unfollow" == url_for("social.unfollow", username="ada")
        assert links.chat + "ada" == url_for("chat.conversation", username="ada")
        for size, variant in (("sm", "thumb"), ("md", "avatar"), ("lg", "avatar")):
            html = str(templating.avatar({"card_links": links}, ada, size))
            src = url_for("profiles.media", owner_id=ada.id, key=ada.avatar_key, variant=variant)
            assert f'src="{src}"' in html


def test_the_layouts_remembered_addresses_are_url_fors(app):
    with app.test_request_context("/"):
        for endpoint, values in (("main.index", {}), ("static", {"filename": "css/app.css"})):
            assert templating.site_url(endpoint, **values) == url_for(endpoint, **values)
            assert templating.site_url(endpoint, **values) == url_for(endpoint, **values)  # and when remembered
    with app.test_request_context("/", base_url="http://localhost/mounted"):
        assert templating.site_url("main.index") == url_for("main.index") == "/mounted/"


def test_a_chat_message_and_its_pushes_take_a_fixed_number_of_queries(app, client, db, login, make_user, monkeypatch):
    ada, bob = make_user("ada"), make_user("bob")
    chat.send_message(ada, bob, "first")  # the conversation and bob's unread notification exist
    hub, events = app.extensions["realtime"], []
    monkeypatch.setattr(hub, "publish", lambda channel, event: events.append((int(channel[5:]), event)))
    login(ada)
    with counted_queries(db) as statements:
        response = client.post("/chat/bob/messages", data={"body": "hello"}, headers=HTMX)
    assert response.status_code == 200 and "hello" in response.get_data(as_text=True)
    # The login's user, the recipient, what the send must know of the two (block, conversation, mute, the
    # notification to fold into), the message, both read positions, the notification's new time.
    assert len(statements) == 6, statements
    pushes = []
    with app.test_request_context("/"):
        for user_id, event in events:
            db.session.expire_all()  # a push thread has nothing loaded
            with counted_queries(db) as statements:
                html = hub.render(user_id, event)
            assert "hello" in html or "sent you a message" in html, html[:300]
            pushes.append((event["kind"], user_id, len(statements)))
    # The recipient's counts; the sender's other tabs nothing; the bell its count (and whether the sender is
    # hidden now).
    assert sorted(pushes) == sorted(
        [("chat_message", bob.id, 1), ("chat_message", ada.id, 0), ("notification", bob.id, 1)]
    ), pushes
