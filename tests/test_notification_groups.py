"""Notifications grouped by kind and subject at read time: who, how many, about what; read when opened."""

import pytest

from socialapp.models import Notification
from socialapp.services import comments, notifications, posts, social
from socialapp.services.notification_groups import shorten
from tests.support.htmx import HTMX
from tests.support.queries import counted_queries


def names(group):
    return [actor.username for actor in group.actors]


def test_likes_on_one_post_are_one_group_naming_the_newest_and_counting_the_others(app, db, make_user):
    ada = make_user("ada")
    post = posts.create_post(ada, "first words of a rather long post that goes on and on past the excerpt")
    fans = [make_user(f"fan{n}") for n in range(4)]
    for fan in fans:
        posts.like(fan, post.id)
    (group,) = notifications.page(ada.id)[0]
    assert group.key == f"like-post-{post.id}" and group.kind == "like" and group.unread
    assert group.actor_count == 4 and group.others == 3 and names(group) == ["fan3", "fan2"]
    assert group.excerpt == "first words of a rather long post that goes on and on past…"
    assert notifications.unread_count(ada.id) == 1


def test_follows_group_together(app, db, make_user):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cy")
    social.follow(bob, ada)
    social.follow(cy, ada)
    (group,) = notifications.page(ada.id)[0]
    assert group.key == "follow" and group.actor_count == 2 and group.others == 1 and names(group) == ["cy", "bob"]


def test_comments_group_by_their_post_while_mentions_and_replies_stay_single(app, db, make_user):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cy")
    post = posts.create_post(ada, "Tea at five")
    comments.add_comment(bob, post.id, "Coming!")
    comments.add_comment(cy, post.id, "Me too")
    comments.add_comment(bob, post.id, "Bringing cake")  # Bob twice is still one person
    bobs = posts.create_post(bob, "Garden party")
    mention = comments.add_comment(cy, bobs.id, "Ask @ada too")
    mine = comments.add_comment(ada, bobs.id, "Lovely")
    comments.add_comment(cy, bobs.id, "Agreed, Ada", mine.id)
    comments.add_comment(bob, bobs.id, "Thanks", mine.id)
    groups = notifications.page(ada.id)[0]
    assert [g.kind for g in groups] == ["reply", "reply", "mention", "comment"]
    commented = groups[-1]
    assert (
        commented.key == f"comment-post-{post.id}" and commented.actor_count == 2 and names(commented) == ["bob", "cy"]
    )
    assert commented.excerpt == "Tea at five"  # the post they commented on
    mentioned = groups[2]
    assert mentioned.key == f"mention-{mentioned.newest.id}" and mentioned.newest.subject_id == mention.id
    assert mentioned.excerpt == "Ask @ada too" and names(mentioned) == ["cy"]
    assert [(g.excerpt, names(g)) for g in groups[:2]] == [("Thanks", ["bob"]), ("Agreed, Ada", ["cy"])]


def test_blocked_actors_are_left_out_of_names_and_counts(app, db, make_user, block):
    ada, bob, cy, dee = make_user("ada"), make_user("bob"), make_user("cy"), make_user("dee")
    post = posts.create_post(ada, "Hello")
    for fan in (bob, cy, dee):
        posts.like(fan, post.id)
    block(ada, dee)
    (group,) = notifications.page(ada.id)[0]
    assert group.actor_count == 2 and names(group) == ["cy", "bob"]
    block(cy, ada)
    (group,) = notifications.page(ada.id)[0]
    assert group.actor_count == 1 and names(group) == ["bob"]
    block(ada, bob)
    assert notifications.page(ada.id)[0] == [] and notifications.unread_count(ada.id) == 0


def test_opening_a_group_marks_all_of_it_read_and_a_new_like_makes_it_unread_again(client, db, make_user, login):
    ada, bob, cy, dee = make_user("ada"), make_user("bob"), make_user("cy"), make_user("dee")
    post, other = posts.create_post(ada, "One"), posts.create_post(ada, "Two")
    posts.like(bob, post.id)
    posts.like(cy, post.id)
    posts.like(bob, other.id)
    login(ada)
    assert notifications.unread_count(ada.id) == 2
    assert client.get(f"/notifications/open/like-post-{post.id}").location == f"/p/{post.id}"
    assert notifications.unread_count(ada.id) == 1
    read = db.session.query(Notification).filter(Notification.subject_id == post.id)
    assert all(n.read_at is not None for n in read)
    posts.like(dee, post.id)
    group = notifications.find(ada.id, f"like-post-{post.id}")
    assert group.unread and group.actor_count == 3 and names(group) == ["dee", "cy"]
    assert notifications.page(ada.id)[0][0].key == group.key  # back at the top


def test_mark_all_as_read_clears_every_group(client, db, make_user, login):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cy")
    post = posts.create_post(ada, "Hello")
    posts.like(bob, post.id)
    social.follow(cy, ada)
    login(ada)
    response = client.post("/notifications/read-all", headers=HTMX)  # from the menu, on any page
    html = response.get_data(as_text=True)
    assert 'aria-label="Notifications, 0 unread"' in html and 'id="notifications-list"' in html
    assert 'id="mentions-list"' in html and 'id="notifications-dropdown"' in html
    assert '<p id="mentions-list-empty" class="muted" hx-swap-oob="true">' in html
    assert "unread" not in html.replace("0 unread", "")
    assert notifications.unread_count(ada.id) == 0
    assert client.post("/notifications/read-all").location == "/notifications"


def test_the_mentions_filter_shows_only_mentions_and_replies(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    posts.like(bob, posts.create_post(ada, "Mine").id)
    posts.create_post(bob, "Hello @ada, look")
    bobs = posts.create_post(bob, "Bob's")
    mine = comments.add_comment(ada, bobs.id, "My own comment")
    comments.add_comment(bob, bobs.id, "Answer", mine.id)
    assert [g.kind for g in notifications.page(ada.id, show="mentions")[0]] == ["reply", "mention"]
    login(ada)
    html = client.get("/notifications?show=mentions").get_data(as_text=True)
    assert "mentioned you" in html and "replied to your comment" in html and "liked your post" not in html
    assert 'id="mentions-list"' in html and 'aria-current="page">Mentions' in html
    assert "liked your post" in client.get("/notifications").get_data(as_text=True)


def test_keyset_pages_over_groups_never_repeat_or_skip_one(app, db, make_user):
    ada, fans = make_user("ada"), [make_user(f"fan{n}") for n in range(3)]
    post_ids = [posts.create_post(ada, f"Post {n}").id for n in range(7)]
    for n, post_id in enumerate(post_ids):
        for fan in fans[: 1 + n % 3]:
            posts.like(fan, post_id)
    posts.like(make_user("late"), post_ids[0])  # the oldest post's group is now the newest
    seen, before = [], None
    while True:
        groups, before = notifications.page(ada.id, before, limit=3)
        seen += [g.key for g in groups]
        if before is None:
            break
    expected = [f"like-post-{post_ids[0]}"] + [f"like-post-{pid}" for pid in reversed(post_ids[1:])]
    assert seen == expected


def test_a_long_excerpt_is_cut_at_a_word_and_text_is_escaped_in_the_page(client, db, make_user, login):
    assert shorten("  one\n two  ") == "one two" and shorten("") is None and shorten(None) is None
    assert shorten("x" * 100, 10) == "x" * 10 + "…"
    ada, bob = make_user("ada"), make_user("bob")
    post = posts.create_post(ada, "<b>bold</b> & more")
    posts.like(bob, post.id)
    login(ada)
    html = client.get("/notifications").get_data(as_text=True)
    assert "“&lt;b&gt;bold&lt;/b&gt; &amp; more”" in html and "<b>bold" not in html


@pytest.mark.parametrize("path,headers", [("/notifications", None), ("/notifications/menu", HTMX)])
def test_the_page_and_the_menu_take_the_same_number_of_queries_whatever_the_notifications(
    client, db, make_user, login, path, headers
):
    small, big = make_user("small"), make_user("big")
    fans = [make_user(f"fan{n}") for n in range(6)]
    posts.like(fans[0], posts.create_post(small, "Alone").id)
    for n in range(12):
        post = posts.create_post(big, f"Post {n}")
        for fan in fans:
            posts.like(fan, post.id)
        comment = comments.add_comment(fans[n % 6], post.id, f"Hi @big {n}")
        comments.add_comment(fans[(n + 1) % 6], post.id, "Reply", comment.id)
    for fan in fans:
        social.follow(fan, big)
    counts = []
    for viewer in (small, big):
        login(viewer)
        client.get(path, headers=headers)  # warm up whatever is cached per process
        with counted_queries(db) as statements:
            html = client.get(path, headers=headers).get_data(as_text=True)
        assert "notification unread" in html
        counts.append(len(statements))
    assert counts[1] <= counts[0] + 1, counts  # a page with comments and mentions also reads comments
    assert counts[1] <= 12, counts


def test_the_bell_takes_a_fixed_number_of_queries(client, db, make_user, login):
    ada = make_user("ada")
    fans = [make_user(f"fan{n}") for n in range(5)]
    for n in range(5):
        post = posts.create_post(ada, f"Post {n}")
        for fan in fans[: n + 1]:
            posts.like(fan, post.id)
    login(ada)
    client.get("/notifications/bell", headers=HTMX)
    with counted_queries(db) as statements:
        html = client.get("/notifications/bell", headers=HTMX).get_data(as_text=True)
    assert "Notifications, 5 unread" in html and len(statements) <= 3, statements


def pushed_events(app, monkeypatch):
    pushed = []
    monkeypatch.setattr(app.extensions["realtime"], "publish", lambda channel, event: pushed.append(event))
    return pushed


def test_a_new_like_pushes_its_groups_row_to_the_top_of_each_list_and_the_count(app, db, make_user, monkeypatch):
    from socialapp.blueprints.notifications.live import bell_fragment

    pushed = pushed_events(app, monkeypatch)
    ada, bob, cy = make_user("ada", first_name="Ada"), make_user("bob", first_name="Bob"), make_user("cy")
    post = posts.create_post(ada, "first words")
    posts.like(bob, post.id)
    posts.like(cy, post.id)
    key = f"like-post-{post.id}"
    assert pushed[-1] == {"kind": "notification", "group": key, "fresh": True}
    html = bell_fragment(ada.id, pushed[-1])
    assert 'aria-label="Notifications, 1 unread"' in html
    for row in (f"menu-notification-group-{key}", f"notification-group-{key}"):
        assert f'<li id="{row}" hx-swap-oob="delete"></li>' in html  # the old row goes...
    assert '<ul hx-swap-oob="afterbegin:#notifications-dropdown">' in html  # ...and the new one comes first
    assert '<ul hx-swap-oob="afterbegin:#notifications-list">' in html and "mentions-list" not in html
    assert '<li id="notifications-list-empty" hx-swap-oob="delete"></li>' in html
    assert "Cy Tester</strong> and 1 other liked your post" in html
    assert "“first words”" in html and "csrf" not in html


def test_a_withdrawn_like_redraws_its_group_in_place_or_removes_it(app, db, make_user, monkeypatch):
    from socialapp.blueprints.notifications.live import bell_fragment

    pushed = pushed_events(app, monkeypatch)
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cy")
    post = posts.create_post(ada, "Hello")
    posts.like(bob, post.id)
    posts.like(cy, post.id)
    posts.unlike(cy, post.id)
    key = f"like-post-{post.id}"
    assert pushed[-1] == {"kind": "notification", "group": key}
    html = bell_fragment(ada.id, pushed[-1])
    assert "delete" not in html and "afterbegin" not in html
    assert f'id="notification-group-{key}" class="notification unread" hx-swap-oob="true"' in html
    posts.unlike(bob, post.id)
    html = bell_fragment(ada.id, pushed[-1])
    assert f'<li id="notification-group-{key}" hx-swap-oob="delete"></li>' in html and "Notifications, 0 unread" in html


def test_a_pushed_mention_goes_to_the_mentions_list_too_and_a_bad_group_only_rings_the_bell(
    app, db, make_user, monkeypatch
):
    from socialapp.blueprints.notifications.live import bell_fragment

    pushed = pushed_events(app, monkeypatch)
    ada, bob = make_user("ada"), make_user("bob")
    posts.create_post(bob, "Hi @ada")
    assert pushed[-1]["group"].startswith("mention-")
    html = bell_fragment(ada.id, pushed[-1])
    assert "afterbegin:#notifications-list" in html and "afterbegin:#mentions-list" in html
    for event in ({"kind": "notification"}, {"kind": "notification", "group": "<script>"}, {"group": 5}):
        html = bell_fragment(ada.id, event)
        assert html.startswith("{#") is False and "notification-group" not in html and "1 unread" in html


def test_the_pages_list_is_served_alone_for_refetching_when_the_socket_is_ready(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    login(ada)
    page = client.get("/notifications?show=mentions").get_data(as_text=True)
    assert 'hx-get="/notifications?show=mentions&amp;part=list" hx-trigger="live:ready from:document"' in page
    posts.create_post(bob, "Hello @ada")
    html = client.get("/notifications?show=mentions&part=list", headers=HTMX).get_data(as_text=True)
    assert html.lstrip().startswith('<ul id="mentions-list"') and "Bob Tester</strong> mentioned you" in html
    assert '<p id="mentions-list-empty" hx-swap-oob="delete"></p>' in html and "<html" not in html
