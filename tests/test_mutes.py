"""Mute: the muter stops seeing the muted person's posts, comments and notifications; nothing else changes.

Ada mutes Bob. Cy, who mutes nobody, sees everything Bob does, which shows that each check can tell.
"""

import re
from datetime import timedelta

import pytest

from socialapp.models import Mute
from socialapp.models.base import utcnow
from socialapp.services import chat, comments, feed, mutes, notifications, posts, search, social
from socialapp.services.errors import NotFound, ServiceError
from tests.support.htmx import HTMX

CSRF_RE = re.compile(r'(name="csrf_token" value=|"X-CSRFToken": )"[^"]+"')


@pytest.fixture
def cy(make_user):
    return make_user("cy")


@pytest.fixture
def published(app, monkeypatch):
    """(user id, kind) of every event published to a user's channel."""
    events = []
    monkeypatch.setattr(
        app.extensions["realtime"],
        "publish",
        lambda channel, event: events.append((int(channel.removeprefix("user:")), event["kind"])),
    )
    return events


def feed_bodies(viewer):
    return [item.post.body for item in feed.home_feed(viewer).items]


def tag_bodies(viewer, tag):
    return [item.post.body for item in feed.tag_posts(viewer, tag).items]


def search_bodies(viewer, query):
    return [item.post.body for item in search.search_posts(viewer, query).items]


def comment_bodies(viewer, post):
    threads, _ = comments.threads_page(viewer, post)
    return [t.comment.body for t in threads] + [reply.body for t in threads for reply, _ in t.replies]


def test_muting_hides_posts_from_the_feed_tag_pages_and_search_of_the_muter_only(app, ada, bob, cy):
    for viewer in (ada, cy):
        social.follow(viewer, bob)
    posts.create_post(bob, "Sourdough starter #baking")
    mutes.mute(ada, bob)
    for viewer, expected in ((ada, []), (cy, ["Sourdough starter #baking"])):
        assert feed_bodies(viewer) == expected
        assert tag_bodies(viewer, "baking") == expected
        assert search_bodies(viewer, "sourdough") == expected
    assert feed.has_newer(ada, None) is False and feed.has_newer(cy, None) is True


def test_the_muters_own_posts_stay_in_their_feed(app, ada, bob):
    social.follow(ada, bob)
    posts.create_post(ada, "Mine")
    posts.create_post(bob, "His")
    mutes.mute(ada, bob)
    assert feed_bodies(ada) == ["Mine"]


def test_muting_hides_comments_and_replies(app, ada, bob, cy):
    post = posts.create_post(cy, "Question")
    top = comments.add_comment(bob, post.id, "Bob answers")
    comments.add_comment(cy, post.id, "Cy replies", parent_id=top.id)
    other = comments.add_comment(cy, post.id, "Cy answers")
    comments.add_comment(bob, post.id, "Bob replies", parent_id=other.id)
    mutes.mute(ada, bob)
    assert comment_bodies(ada, post) == ["Cy answers"]
    assert comment_bodies(cy, post) == ["Bob answers", "Cy answers", "Cy replies", "Bob replies"]


def test_muting_hides_notifications_their_count_and_their_pushes(app, db, ada, bob, cy, published):
    post = posts.create_post(ada, "Hello")
    mutes.mute(ada, bob)
    published.clear()
    posts.like(bob, post.id)
    comments.add_comment(bob, post.id, f"Hi @{ada.username}")
    social.follow(bob, ada)
    chat.send_message(bob, ada, "Psst")
    assert notifications.unread_count(ada.id) == 0
    assert notifications.page(ada.id)[0] == []
    # Bob's message still arrives in the chat, with its own badge; the bell does not move.
    assert (ada.id, "notification") not in published and (ada.id, "chat_message") in published
    assert chat.unread_total(ada.id) == 1
    posts.like(cy, post.id)
    assert (ada.id, "notification") in published
    assert notifications.unread_count(ada.id) == 1
    (group,) = notifications.page(ada.id)[0]
    assert [actor.username for actor in group.actors] == ["cy"] and group.actor_count == 1


def test_a_notification_from_someone_muted_cannot_be_opened(app, ada, bob):
    social.follow(bob, ada)
    (group,) = notifications.page(ada.id)[0]
    mutes.mute(ada, bob)
    with pytest.raises(NotFound):
        notifications.open_group(ada.id, group.key)


def test_unmuting_brings_back_posts_comments_and_notifications(app, ada, bob):
    social.follow(ada, bob)
    post = posts.create_post(ada, "Hello")
    mutes.mute(ada, bob)
    posts.create_post(bob, "While muted")
    comments.add_comment(bob, post.id, "A comment while muted")
    assert feed_bodies(ada) == ["Hello"] and notifications.unread_count(ada.id) == 0
    mutes.unmute(ada, bob)
    assert feed_bodies(ada) == ["While muted", "Hello"]
    assert comment_bodies(ada, post) == ["A comment while muted"]
    assert notifications.unread_count(ada.id) == 1


def test_the_muted_person_sees_and_reaches_the_muter_as_before(app, db, ada, bob, published):
    posts.create_post(ada, "Ada's news #news")
    mutes.mute(ada, bob)
    social.follow(bob, ada)
    assert feed_bodies(bob) == ["Ada's news #news"] and tag_bodies(bob, "news") == ["Ada's news #news"]
    assert chat.send_message(bob, ada, "Hello").body == "Hello"
    chat.send_message(ada, bob, "Hi")
    # Ada's actions reach Bob as always, and nothing tells him of the mute.
    assert notifications.unread_count(bob.id) == 1 and (bob.id, "notification") in published
    assert [group.kind for group in notifications.page(bob.id)[0]] == ["message"]


def test_a_muted_persons_new_post_does_not_show_the_new_posts_button_to_the_muter(app, ada, bob, cy):
    from socialapp.blueprints.posts.live import new_post_fragment

    mutes.mute(ada, bob)
    post = posts.create_post(bob, "News")
    assert new_post_fragment(ada.id, {"post_id": post.id}) == ""
    assert "New posts: show them" in new_post_fragment(cy.id, {"post_id": post.id})


def test_muting_twice_is_harmless_and_unmuting_someone_not_muted_too(app, db, ada, bob):
    mutes.mute(ada, bob)
    mutes.mute(ada, bob)
    assert db.session.query(Mute).count() == 1 and mutes.is_muted(ada.id, bob.id)
    mutes.unmute(ada, bob)
    mutes.unmute(ada, bob)
    assert db.session.query(Mute).count() == 0 and not mutes.is_muted(ada.id, bob.id)


def test_one_cannot_mute_oneself_nor_someone_missing_or_in_a_block(app, ada, bob, cy, make_user, block):
    with pytest.raises(ServiceError, match="You cannot mute yourself."):
        mutes.mute(ada, ada)
    with pytest.raises(NotFound):
        mutes.mute(ada, None)
    block(ada, bob)
    block(cy, ada)
    for other in (bob, cy, make_user("unverified", verified=False)):
        with pytest.raises(NotFound):
            mutes.mute(ada, other)


def test_a_deleted_account_takes_its_mutes_both_ways(app, db, ada, bob, cy):
    from socialapp.services.accounts import delete_account
    from tests.support.factories import PASSWORD

    mutes.mute(ada, bob)
    mutes.mute(bob, cy)
    mutes.mute(cy, ada)
    delete_account(bob, PASSWORD)
    assert [(m.muter_id, m.muted_id) for m in db.session.query(Mute)] == [(cy.id, ada.id)]


def test_the_muted_list_is_newest_first_by_pages_and_leaves_out_blocks(app, db, ada, make_user, block):
    people = [make_user(f"p{n:02d}") for n in range(mutes.PAGE_SIZE + 2)]
    start = utcnow() - timedelta(days=1)
    same_time = start + timedelta(hours=1)
    for n, person in enumerate(people):
        # The last three share one instant: the cursor's id tells them apart.
        db.session.add(
            Mute(muter_id=ada.id, muted_id=person.id, created_at=max(start + timedelta(minutes=n), same_time))
        )
    db.session.commit()
    block(people[0], ada)
    first, cursor = mutes.muted_page(ada)
    second, last = mutes.muted_page(ada, cursor)
    names = [person.username for person in first + second]
    assert len(first) == mutes.PAGE_SIZE and last is None
    assert names == [person.username for person in sorted(people[1:], key=lambda p: p.id, reverse=True)]


# Through the web.


def test_mute_and_unmute_from_a_profile_without_javascript(client, login, ada, bob):
    posts.create_post(bob, "Bob's post")
    login(ada)
    response = client.post("/u/bob/mute", data={"next": "/u/bob"})
    assert response.status_code == 302 and response.headers["Location"] == "/u/bob"
    html = client.get("/u/bob").get_data(as_text=True)
    # Their own profile still shows their posts, with a note and the way back.
    assert "You muted @bob." in html and "Bob&#39;s post" in html and "Unmute Bob Tester" in html
    assert "You muted Bob Tester. They are not told." in html
    client.post("/u/bob/unmute", data={"next": "/u/bob"})
    html = client.get("/u/bob").get_data(as_text=True)
    assert "You muted" not in html and 'aria-label="Mute Bob Tester"' in html
    assert not mutes.is_muted(ada.id, bob.id)


def test_mute_with_htmx_swaps_the_profile_actions(client, login, ada, bob):
    login(ada)
    html = client.post("/u/bob/mute", headers=HTMX).get_data(as_text=True)
    assert html.lstrip().startswith(f'<div class="social-actions" id="social-actions-{bob.id}">')
    assert "You muted @bob." in html and "Unmute Bob Tester" in html and "Follow Bob Tester" in html
    html = client.post("/u/bob/unmute", headers=HTMX).get_data(as_text=True)
    assert "You muted" not in html and 'aria-label="Mute Bob Tester"' in html


def test_the_muted_persons_pages_show_no_trace_of_the_mute(client, login, ada, bob):
    posts.create_post(ada, "Ada writes")
    social.follow(bob, ada)
    login(bob)
    paths = ("/u/ada", "/", "/notifications", "/settings/blocked", f"/chat/{ada.username}")

    def pages():
        return [CSRF_RE.sub("", client.get(path).get_data(as_text=True)) for path in paths]

    before = pages()
    assert "Ada writes" in before[0] and "Mute Ada Tester" in before[0]
    mutes.mute(ada, bob)
    assert pages() == before


def test_muting_oneself_or_someone_unknown_or_blocked_through_the_web(client, login, ada, bob, block):
    login(ada)
    response = client.post("/u/ada/mute")
    assert response.status_code == 400 and b"You cannot mute yourself." in response.data
    assert client.post("/u/nobody/mute").status_code == 404
    block(bob, ada)
    for path in ("/u/bob/mute", "/u/bob/unmute"):
        response = client.post(path, headers=HTMX)
        assert response.status_code == 404 and b"Bob Tester" not in response.data
    assert not mutes.is_muted(ada.id, bob.id)


def test_mute_needs_a_login_and_a_post(client, ada, bob, login):
    assert client.post("/u/bob/mute").status_code == 302 and not mutes.is_muted(ada.id, bob.id)
    login(ada)
    assert client.get("/u/bob/mute").status_code == 405


def test_settings_list_muted_and_blocked_people_with_undo(client, login, ada, bob, cy, block):
    mutes.mute(ada, bob)
    block(ada, cy)
    login(ada)
    html = client.get("/settings/blocked").get_data(as_text=True)
    assert "<h1>Muted and blocked people</h1>" in html
    muted_list = html.split('aria-label="Muted people"')[1].split("</ul>")[0]
    blocked_list = html.split('aria-label="Blocked people"')[1].split("</ul>")[0]
    assert "Unmute Bob Tester" in muted_list and "Cy Tester" not in muted_list
    assert "Unblock Cy Tester" in blocked_list and "Bob Tester" not in blocked_list
    response = client.post("/u/bob/unmute", data={"next": "/settings/blocked", "listed": "1"})
    assert response.headers["Location"] == "/settings/blocked" and not mutes.is_muted(ada.id, bob.id)
    assert "You have not muted anyone." in client.get("/settings/blocked").get_data(as_text=True)


def test_undo_in_the_settings_list_with_htmx_swaps_the_row(client, login, ada, bob, cy, block):
    mutes.mute(ada, bob)
    block(ada, cy)
    login(ada)
    html = client.post("/u/bob/unmute", data={"listed": "1"}, headers=HTMX).get_data(as_text=True)
    assert html.lstrip().startswith(f'<li class="person row" id="muted-{bob.id}">')
    assert "Unmuted." in html and 'aria-label="Mute Bob Tester"' in html
    html = client.post("/u/bob/mute", data={"listed": "1"}, headers=HTMX).get_data(as_text=True)
    assert "Unmute Bob Tester" in html and mutes.is_muted(ada.id, bob.id)
    html = client.post("/u/cy/unblock", headers=HTMX).get_data(as_text=True)
    assert html.lstrip().startswith(f'<li class="person row" id="blocked-{cy.id}">') and "Unblocked." in html


def test_the_settings_lists_page_by_keyset_with_and_without_htmx(client, login, db, ada, make_user):
    people = [make_user(f"m{n:02d}") for n in range(mutes.PAGE_SIZE + 1)]
    start = utcnow() - timedelta(days=1)
    db.session.add_all(
        Mute(muter_id=ada.id, muted_id=p.id, created_at=start + timedelta(minutes=n)) for n, p in enumerate(people)
    )
    db.session.commit()
    login(ada)
    html = client.get("/settings/blocked").get_data(as_text=True)
    assert html.count("Unmute M") == mutes.PAGE_SIZE and "Unmute M00 Tester" not in html
    more = html.split('id="more-muted"><a href="')[1].split('"')[0].replace("&amp;", "&")
    assert more.startswith("/settings/blocked?muted=")
    fragment = client.get(more, headers=HTMX).get_data(as_text=True)
    assert "Unmute M00 Tester" in fragment and "<h1>" not in fragment and "more-muted" not in fragment
    assert "Unmute M00 Tester" in client.get(more).get_data(as_text=True)
    # A malformed cursor reads as the first page.
    assert client.get("/settings/blocked?muted=2024-01-01_x&blocked=%00").status_code in (200, 400)
