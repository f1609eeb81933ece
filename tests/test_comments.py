"""Comments and replies: who may write, edit and delete them, escaping, and counts that stay right."""

import pytest

from socialapp.extensions import db
from socialapp.models import Comment, Notification, Post
from socialapp.services import comments, posts, social
from socialapp.services.accounts import delete_account
from tests.support.factories import PASSWORD
from tests.support.htmx import HTMX
from tests.support.pages import reads


@pytest.fixture
def people(make_user):
    return make_user("alice"), make_user("bob"), make_user("carol")


def count_of(post):
    db.session.expire_all()
    return db.session.get(Post, post.id).comments_count


def test_comment_appears_on_the_post_and_counts(client, login, people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    login(bob)
    response = client.post(f"/p/{post.id}/comments", data={"body": "Nice one"})
    assert response.status_code == 302 and "#comment-" in response.location
    assert "Nice one" in client.get(f"/p/{post.id}").get_data(as_text=True)
    assert count_of(post) == 1


def test_htmx_comment_returns_a_fresh_form_the_comment_for_the_list_and_the_new_count(client, login, people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    login(bob)
    html = client.post(f"/p/{post.id}/comments", data={"body": "Via htmx"}, headers=HTMX).get_data(as_text=True)
    assert f'<hx-partial hx-target="#comments-{post.id}" hx-swap="beforeend">' in html
    assert "Via htmx" in html and f'id="comments-count-{post.id}"' in html and reads(html, "1 comment")


def test_empty_or_too_long_comment_is_refused_keeping_the_text(client, login, people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    login(bob)
    assert client.post(f"/p/{post.id}/comments", data={"body": " "}, headers=HTMX).status_code == 422
    long = "y" * (comments.MAX_LENGTH + 1)
    response = client.post(f"/p/{post.id}/comments", data={"body": long})
    assert response.status_code == 422 and long in response.get_data(as_text=True)
    assert count_of(post) == 0


def test_reply_to_a_reply_joins_the_same_top_level_comment(people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    top = comments.add_comment(bob, post.id, "top")
    reply = comments.add_comment(carol, post.id, "reply", top.id)
    deeper = comments.add_comment(alice, post.id, "deeper", reply.id)
    assert reply.parent_id == top.id and deeper.parent_id == top.id
    threads, _ = comments.threads_page(alice, post)
    assert [(t.comment.body, [r.body for r, _ in t.replies]) for t in threads] == [("top", ["reply", "deeper"])]
    assert count_of(post) == 3


def test_htmx_reply_goes_into_the_replies_of_its_comment(client, login, people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    top = comments.add_comment(bob, post.id, "top")
    login(alice)
    data = {"body": "answer", "parent_id": top.id}
    html = client.post(f"/p/{post.id}/comments", data=data, headers=HTMX).get_data(as_text=True)
    assert f'hx-target="#replies-{top.id}"' in html


def test_reply_to_a_comment_of_another_post_is_refused(client, login, people):
    alice, bob, _ = people
    post, other = posts.create_post(alice, "one"), posts.create_post(alice, "two")
    top = comments.add_comment(bob, other.id, "top")
    login(bob)
    response = client.post(f"/p/{post.id}/comments", data={"body": "x", "parent_id": top.id})
    assert response.status_code == 404


def test_author_edits_a_comment_shown_as_edited_and_nobody_else_can(client, login, people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    comment = comments.add_comment(bob, post.id, "typo")
    login(alice)  # the post's owner may delete, not edit
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "changed"}).status_code == 403
    assert client.get(f"/comments/{comment.id}/edit").status_code == 403
    login(bob)
    html = client.post(f"/comments/{comment.id}/edit", data={"body": "fixed"}, headers=HTMX).get_data(as_text=True)
    assert "fixed" in html and "edited" in html
    assert client.post(f"/comments/{comment.id}/edit", data={"body": ""}).status_code == 422
    assert db.session.get(Comment, comment.id).body == "fixed"


def test_only_the_comment_author_or_post_owner_can_delete_a_comment(client, login, people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    first, second = comments.add_comment(bob, post.id, "one"), comments.add_comment(bob, post.id, "two")
    login(carol)
    assert client.post(f"/comments/{first.id}/delete").status_code == 403
    login(bob)
    assert client.post(f"/comments/{first.id}/delete").status_code == 302
    login(alice)
    html = client.post(f"/comments/{second.id}/delete", headers=HTMX).get_data(as_text=True)
    assert "Comment deleted." in html and reads(html, "0 comments")
    assert count_of(post) == 0


def test_deleting_a_comment_keeps_the_replies_of_others_under_a_placeholder(people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    top = comments.add_comment(bob, post.id, "top secret words")
    first = comments.add_comment(carol, post.id, "r1", top.id)
    second = comments.add_comment(alice, post.id, "r2", top.id)
    other = comments.add_comment(carol, post.id, "other")
    assert count_of(post) == 4
    _, placeholder = comments.delete_comment(bob, top.id)
    assert placeholder.id == top.id and placeholder.body == "" and placeholder.deleted_at is not None
    assert count_of(post) == 3  # the replies still count; the placeholder does not
    threads, _ = comments.threads_page(carol, db.session.get(Post, post.id))
    assert [(t.comment.id, [r.id for r, _ in t.replies]) for t in threads] == [
        (top.id, [first.id, second.id]),
        (other.id, []),
    ]
    comments.delete_comment(carol, first.id)
    assert db.session.get(Comment, top.id) is not None  # one reply still stands under it
    assert comments.delete_comment(alice, second.id)[1] is None
    assert db.session.get(Comment, top.id) is None  # the placeholder went with the last reply
    comments.delete_comment(carol, other.id)
    assert count_of(post) == 0 and Comment.query.count() == 0


def test_a_placeholder_cannot_be_seen_edited_replied_to_or_deleted_again(client, login, people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    top = comments.add_comment(bob, post.id, "soon gone")
    reply = comments.add_comment(carol, post.id, "still here", top.id)
    comments.delete_comment(bob, top.id)
    login(bob)
    assert client.get(f"/comments/{top.id}/edit").status_code == 404
    assert client.post(f"/comments/{top.id}/delete").status_code == 404
    page = client.get(f"/p/{post.id}").get_data(as_text=True)
    assert "soon gone" not in page and "Comment deleted" in page and "still here" in page
    # A reply to the reply still joins the thread, as before.
    login(alice)
    answer = client.post(f"/p/{post.id}/comments", data={"body": "answer", "parent_id": reply.id})
    assert answer.status_code == 302
    assert Comment.query.filter_by(body="answer").one().parent_id == top.id


def test_deleting_a_commented_comment_with_htmx_returns_its_thread_under_the_placeholder(client, login, people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    top = comments.add_comment(bob, post.id, "top")
    comments.add_comment(carol, post.id, "the reply", top.id)
    login(bob)
    html = client.post(f"/comments/{top.id}/delete", headers=HTMX).get_data(as_text=True)
    assert f'<li id="thread-{top.id}"' in html and "Comment deleted" in html and "the reply" in html
    assert ">top<" not in html and reads(html, "1 comment")
    without_js = client.post(f"/comments/{comments.add_comment(bob, post.id, 'x').id}/delete")
    assert without_js.status_code == 302


def test_deleting_a_reply_takes_only_it_off_the_count(people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    top = comments.add_comment(bob, post.id, "top")
    reply = comments.add_comment(alice, post.id, "r", top.id)
    comments.delete_comment(alice, reply.id)
    assert count_of(post) == 1


def test_account_deletion_fixes_counts_on_other_peoples_posts(people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    bobs_post = posts.create_post(bob, "mine")
    top = comments.add_comment(bob, post.id, "bob's comment")
    comments.add_comment(carol, post.id, "reply to bob", top.id)
    comments.add_comment(bob, post.id, "bob's reply", comments.add_comment(carol, post.id, "carol's").id)
    comments.add_comment(carol, post.id, "carol alone")
    comments.add_comment(carol, bobs_post.id, "on bob's post")
    posts.like(bob, post.id)
    posts.like(carol, post.id)
    assert count_of(post) == 5
    delete_account(db.session.get(type(bob), bob.id), PASSWORD)
    db.session.expire_all()
    remaining = db.session.get(Post, post.id)
    assert remaining.comments_count == 2 == Comment.query.filter_by(post_id=post.id).count()
    assert remaining.likes_count == 1


def test_people_in_a_block_cannot_reply_to_each_other_or_see_each_others_comments(client, login, people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    bobs = comments.add_comment(bob, post.id, "bob says hi")
    social.block(carol, bob)
    login(carol)
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    assert "bob says hi" not in html
    response = client.post(f"/p/{post.id}/comments", data={"body": "x", "parent_id": bobs.id})
    assert response.status_code == 404
    assert client.get(f"/comments/{bobs.id}/edit").status_code == 404


def test_post_owner_can_delete_a_comment_of_someone_they_blocked(people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    comment = comments.add_comment(bob, post.id, "rude")
    social.block(alice, bob)
    comments.delete_comment(alice, comment.id)
    assert count_of(post) == 0


def test_unknown_comment_is_404(client, login, people):
    login(people[0])
    assert client.post("/comments/999/delete").status_code == 404
    assert client.get("/comments/999/edit").status_code == 404
    assert client.post("/comments/999/edit", data={"body": "x"}).status_code == 404


@pytest.mark.parametrize(
    "hostile", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', '#a"onclick="alert(1)']
)
def test_hostile_text_in_comments_is_escaped(client, login, people, hostile):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    comment = comments.add_comment(bob, post.id, hostile)
    login(bob)
    pages = [client.get(f"/p/{post.id}"), client.get(f"/comments/{comment.id}/edit", headers=HTMX)]
    for response in pages:
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and '"onclick="' not in html


def test_comment_notifies_the_post_author_and_reply_the_comment_author(people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    top = comments.add_comment(bob, post.id, "top")
    comments.add_comment(carol, post.id, "re", top.id)
    kinds = {(n.recipient_id, n.kind) for n in Notification.query}
    assert (alice.id, "comment") in kinds and (bob.id, "reply") in kinds


def test_more_comments_come_by_pages_oldest_first(client, login, people, monkeypatch):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    for n in range(5):
        comments.add_comment(bob, post.id, f"comment number {n}")
    monkeypatch.setattr(comments, "PAGE_SIZE", 3)
    monkeypatch.setattr(comments.threads_page, "__defaults__", (None, 3))
    login(alice)
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    assert "comment number 2" in html and "comment number 3" not in html
    more = html.split('class="more-comments" hx-get="')[1].split('"')[0].replace("&amp;", "&")
    fragment = client.get(more, headers=HTMX).get_data(as_text=True)
    assert "comment number 3" in fragment and "comment number 4" in fragment and "comment number 0" not in fragment


def test_a_comment_added_after_the_first_page_does_not_come_again_with_the_next(client, login, people, monkeypatch):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    for n in range(5):
        comments.add_comment(bob, post.id, f"comment number {n}")
    monkeypatch.setattr(comments.threads_page, "__defaults__", (None, 3))
    login(alice)
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    more = html.split('class="more-comments" hx-get="')[1].split('"')[0].replace("&amp;", "&")
    client.post(f"/p/{post.id}/comments", data={"body": "added on the page"}, headers=HTMX)  # appended there
    fragment = client.get(more, headers=HTMX).get_data(as_text=True)
    assert "comment number 4" in fragment and "added on the page" not in fragment


def test_a_malformed_comment_cursor_reads_as_the_first_page(people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    comments.add_comment(bob, post.id, "first")
    for cursor in ("x.y", "..", "-1.5", "9" * 30 + "x"):
        threads, _ = comments.threads_page(alice, post, cursor)
        assert [thread.comment.body for thread in threads] == ["first"]


def test_deleting_a_comment_withdraws_what_it_notified(people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    top = comments.add_comment(bob, post.id, "top, says @carol")
    reply = comments.add_comment(carol, post.id, "a reply", top.id)
    kept = comments.add_comment(bob, post.id, "another")
    assert {(n.recipient_id, n.kind) for n in Notification.query} == {
        (alice.id, "comment"),
        (carol.id, "mention"),
        (bob.id, "reply"),
    } and Notification.query.filter_by(kind="comment").count() == 3
    comments.delete_comment(alice, top.id)  # its reply stays, and so do the notifications about the reply
    remaining = {(n.recipient_id, n.kind, n.subject_id) for n in Notification.query}
    assert remaining == {(alice.id, "comment", reply.id), (bob.id, "reply", reply.id), (alice.id, "comment", kept.id)}


def test_deleting_a_post_withdraws_the_notifications_of_its_comments(people):
    alice, bob, _ = people
    post = posts.create_post(alice, "hello")
    comments.add_comment(bob, post.id, "nice")
    posts.like(bob, post.id)
    posts.delete_post(alice, post.id)
    assert Notification.query.count() == 0


def test_a_comment_notification_leads_to_the_comment_on_its_post(client, login, people):
    alice, bob, carol = people
    post = posts.create_post(alice, "hello")
    comment = comments.add_comment(bob, post.id, "nice")
    login(alice)
    assert client.get(f"/notifications/open/comment-post-{post.id}").location == f"/comments/{comment.id}"
    response = client.get(f"/comments/{comment.id}")
    assert response.status_code == 302 and response.location.endswith(f"/p/{post.id}#comment-{comment.id}")
    social.block(bob, carol)
    login(carol)
    assert client.get(f"/comments/{comment.id}").status_code == 404
    assert client.get("/comments/999999").status_code == 404
