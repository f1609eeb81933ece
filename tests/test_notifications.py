"""Notifications: created with their cause, never for oneself or across a block, withdrawn when undone."""

from socialapp.models import Notification
from socialapp.services import comments, notifications, posts, social
from tests.support.htmx import HTMX


def test_a_follow_notifies_and_an_unfollow_withdraws_it(app, db, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    assert notifications.unread_count(ada.id) == 1
    (group,) = notifications.page(ada.id)[0]
    assert group.kind == "follow" and [actor.id for actor in group.actors] == [bob.id]
    social.unfollow(bob, ada)
    assert notifications.unread_count(ada.id) == 0
    assert db.session.query(Notification).count() == 0


def test_no_notification_for_ones_own_action_or_across_a_block(app, db, make_user, block):
    ada, bob = make_user("ada"), make_user("bob")
    notifications.notify(ada.id, ada.id, "like")
    block(ada, bob)
    notifications.notify(ada.id, bob.id, "message", "conversation", 5)
    notifications.notify(ada.id, bob.id, "follow")
    db.session.commit()
    assert db.session.query(Notification).count() == 0


def test_notifications_from_someone_later_blocked_are_hidden(app, db, make_user, block):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    block(ada, bob)
    assert notifications.unread_count(ada.id) == 0
    assert notifications.page(ada.id)[0] == []


def test_unread_messages_of_one_conversation_fold_into_one(app, db, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    for _ in range(3):
        notifications.notify(ada.id, bob.id, "message", "conversation", 5)
        db.session.commit()
    assert notifications.unread_count(ada.id) == 1
    notifications.mark_all_read(ada.id)
    notifications.notify(ada.id, bob.id, "message", "conversation", 5)
    db.session.commit()
    assert notifications.unread_count(ada.id) == 1
    assert db.session.query(Notification).count() == 2


def test_the_page_lists_newest_first_and_opening_one_marks_it_read_and_leads_to_its_cause(client, db, make_user, login):
    ada, bob, cy = make_user("ada"), make_user("bob", first_name="Bob"), make_user("cy", first_name="Cy")
    social.follow(bob, ada)
    notifications.notify(ada.id, cy.id, "message", "conversation", 9)
    db.session.commit()
    login(ada)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("Cy Tester") < html.index("Bob Tester")
    assert 'href="/notifications/open/message-conversation-9"' in html and 'href="/notifications/open/follow"' in html
    assert "Notifications, 2 unread" in html and "Mark as read" not in html
    response = client.get("/notifications/open/message-conversation-9")
    assert response.status_code == 302 and response.location == "/chat/cy"
    assert client.get("/notifications/open/follow").location == "/u/bob"
    assert notifications.unread_count(ada.id) == 0
    assert "Notifications, 0 unread" in client.get("/notifications").get_data(as_text=True)


def test_a_like_leads_to_the_post_and_a_comment_to_the_comment(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    post = posts.create_post(ada, "Tea time")
    posts.like(bob, post.id)
    comment = comments.add_comment(bob, post.id, "Coming!")
    login(ada)
    html = client.get("/notifications").get_data(as_text=True)
    assert "liked your post" in html and "commented on your post" in html
    assert client.get(f"/notifications/open/like-post-{post.id}").location == f"/p/{post.id}"
    assert client.get(f"/notifications/open/comment-post-{post.id}").location == f"/comments/{comment.id}"


def test_one_cannot_open_someone_elses_notification_nor_a_made_up_one(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    login(bob)
    assert client.get("/notifications/open/follow").status_code == 404
    for key in ("like-post-999", "nonsense-", "follow-post", "-1", "mention-99999999999", "a" * 300):
        assert client.get(f"/notifications/open/{key}").status_code == 404, key
    assert notifications.unread_count(ada.id) == 1


def test_opening_a_notification_from_someone_now_blocked_is_404(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    social.block(ada, bob)
    login(ada)
    assert client.get("/notifications/open/follow").status_code == 404
    assert client.get("/notifications/open/follow", headers=HTMX).status_code == 404


def test_notifications_page_paginates_by_groups(client, db, make_user, login):
    ada, fan = make_user("ada"), make_user("fan")
    for n in range(25):
        post = posts.create_post(ada, f"Post {n}")
        posts.like(fan, post.id)
    login(ada)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count('class="notification unread"') == 20 and "Post 24" in html and "Post 4<" not in html
    _, before = notifications.page(ada.id)
    more = client.get(f"/notifications?before={before}", headers=HTMX).get_data(as_text=True)
    assert more.count('class="notification unread"') == 5 and "<html" not in more and "Post 0" in more


def test_an_unknown_list_of_notifications_is_a_400(client, db, make_user, login):
    login(make_user("ada"))
    assert client.get("/notifications?show=nonsense").status_code == 400
    assert client.post("/notifications/read-all", data={"show": "x"}).status_code == 400


def test_a_deleted_account_takes_its_notifications(client, db, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    db.session.delete(bob)
    db.session.commit()
    assert db.session.query(Notification).count() == 0


def test_the_bell_fragment_is_served_alone_and_fetches_nothing_itself(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    login(ada)
    html = client.get("/notifications/bell", headers=HTMX).get_data(as_text=True)
    assert 'aria-label="Notifications, 1 unread" data-count="1"' in html
    assert "hx-trigger" not in html  # the socket's ready frame brings it when it changed
    assert "<html" not in html


def test_the_menu_shows_the_latest_and_marks_all_read_with_the_bell(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob", first_name="Bob")
    social.follow(bob, ada)
    login(ada)
    page = client.get("/").get_data(as_text=True)
    assert 'id="notifications-dropdown"' in page and "started following you" not in page  # loaded when opened
    menu = client.get("/notifications/menu", headers=HTMX).get_data(as_text=True)
    assert "Bob Tester</strong> started following you" in menu and "<html" not in menu
    assert 'href="/notifications/open/follow"' in menu and 'id="menu-notification-group-follow"' in menu
    response = client.post("/notifications/read-all", headers=HTMX).get_data(as_text=True)
    assert 'id="notifications-dropdown"' in response
    assert 'aria-label="Notifications, 0 unread"' in response and 'hx-swap-oob="true"' in response
    assert notifications.unread_count(ada.id) == 0


def test_marking_read_pushes_the_new_count_to_the_users_other_tabs(app, client, db, make_user, login, monkeypatch):
    pushed = []
    monkeypatch.setattr(
        app.extensions["realtime"],
        "publish",
        lambda channel, event: pushed.append((int(channel.removeprefix("user:")), event["kind"])),
    )
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    pushed.clear()
    login(ada)
    client.post("/notifications/read-all")
    client.post("/notifications/read-all")  # nothing left to read: the count did not change
    assert pushed == [(ada.id, "notification")]
    notifications.notify(ada.id, make_user("cy").id, "follow")
    db.session.commit()
    pushed.clear()
    client.get("/notifications/open/follow")
    client.get("/notifications/open/follow")  # already read: nothing changed
    assert pushed == [(ada.id, "notification")]
