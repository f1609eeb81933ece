"""Notifications: created with their cause, never for oneself or across a block, withdrawn when undone."""

from socialapp.models import Notification
from socialapp.services import comments, notifications, posts, social
from tests.support.htmx import HTMX


def test_a_follow_notifies_and_an_unfollow_withdraws_it(app, db, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    assert notifications.unread_count(ada.id) == 1
    (row,) = notifications.page(ada.id)[0]
    assert row[0].kind == "follow" and row[1].id == bob.id
    social.unfollow(bob, ada)
    assert notifications.unread_count(ada.id) == 0
    assert db.session.query(Notification).count() == 0


def test_no_notification_for_ones_own_action_or_across_a_block(app, db, make_user, block):
    ada, bob = make_user("ada"), make_user("bob")
    assert notifications.notify(ada.id, ada.id, "like") is None
    block(ada, bob)
    assert notifications.notify(ada.id, bob.id, "message") is None
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


def test_the_page_lists_newest_first_links_to_the_cause_and_marks_read(client, db, make_user, login):
    ada, bob, cy = make_user("ada"), make_user("bob", first_name="Bob"), make_user("cy", first_name="Cy")
    social.follow(bob, ada)
    notifications.notify(ada.id, cy.id, "message", "conversation", 9)
    db.session.commit()
    login(ada)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("Cy Tester") < html.index("Bob Tester")
    assert 'href="/chat/cy"' in html and 'href="/u/bob"' in html
    assert "Notifications, 2 unread" in html
    first = notifications.page(ada.id)[0][0][0]
    response = client.post(f"/notifications/{first.id}/read", headers=HTMX)
    assert response.status_code == 200
    assert "Notifications, 1 unread" in response.get_data(as_text=True)
    client.post("/notifications/read-all")
    assert notifications.unread_count(ada.id) == 0


def test_a_like_leads_to_the_post_and_a_comment_to_the_comment(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    post = posts.create_post(ada, "Tea time")
    posts.like(bob, post.id)
    comment = comments.add_comment(bob, post.id, "Coming!")
    login(ada)
    html = client.get("/notifications").get_data(as_text=True)
    assert f'href="/p/{post.id}"' in html and "liked your post" in html
    assert f'href="/comments/{comment.id}"' in html and "commented on your post" in html


def test_one_cannot_mark_someone_elses_notification(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    notification = db.session.query(Notification).one()
    login(bob)
    assert client.post(f"/notifications/{notification.id}/read").status_code == 404
    assert notifications.unread_count(ada.id) == 1


def test_marking_read_a_notification_from_someone_now_blocked_is_404(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    notification = db.session.query(Notification).one()
    social.block(ada, bob)
    login(ada)
    assert client.post(f"/notifications/{notification.id}/read", headers=HTMX).status_code == 404
    assert client.post(f"/notifications/{notification.id}/read").status_code == 404


def test_notifications_page_paginates(client, db, make_user, login):
    ada = make_user("ada")
    for n in range(25):
        other = make_user(f"fan{n}")
        notifications.notify(ada.id, other.id, "follow")
    db.session.commit()
    login(ada)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count('class="notification row unread"') == 20
    _, before = notifications.page(ada.id)
    more = client.get(f"/notifications?before={before}", headers=HTMX).get_data(as_text=True)
    assert more.count('class="notification row unread"') == 5 and "<html" not in more


def test_a_deleted_account_takes_its_notifications(client, db, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    db.session.delete(bob)
    db.session.commit()
    assert db.session.query(Notification).count() == 0


def test_the_bell_fragment_is_served_for_refetching(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    social.follow(bob, ada)
    login(ada)
    html = client.get("/notifications/bell", headers=HTMX).get_data(as_text=True)
    assert 'aria-label="Notifications, 1 unread"' in html and 'hx-trigger="live:ready from:document"' in html
    assert "<html" not in html


def test_the_menu_shows_the_latest_and_marks_all_read_with_the_bell(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob", first_name="Bob")
    social.follow(bob, ada)
    login(ada)
    page = client.get("/").get_data(as_text=True)
    assert 'id="notifications-dropdown"' in page and "started following you" not in page  # loaded when opened
    menu = client.get("/notifications/menu", headers=HTMX).get_data(as_text=True)
    assert "Bob Tester started following you" in menu and 'href="/u/bob"' in menu and "<html" not in menu
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
    notification = notifications.notify(ada.id, make_user("cy").id, "follow")
    db.session.commit()
    pushed.clear()
    client.post(f"/notifications/{notification.id}/read")
    client.post(f"/notifications/{notification.id}/read")
    assert pushed == [(ada.id, "notification")]
