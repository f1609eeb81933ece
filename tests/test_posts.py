"""Posts: writing, pictures, editing, deleting, likes, hashtags, escaping and every permission rule."""

import os

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from socialapp.models import Like, Post, PostHashtag, PostImage
from socialapp.services import images, pictures, posts, social
from tests.support.htmx import HTMX
from tests.support.pages import reads
from tests.support.pictures import picture_bytes, upload


def write(user, body="hello", uploads=()):
    return posts.create_post(user, body, uploads)


def picture_paths(owner_id, picture):
    """Every file stored for a PostImage."""
    return [images.image_path(owner_id, picture.key, v, e) for v, e, _ in pictures.stored_files(picture)]


def test_post_is_published_and_shown_on_home_profile_and_its_page(client, login, alice):
    login(alice)
    response = client.post("/posts", data={"body": "First post!"})
    assert response.status_code == 302
    post = Post.query.one()
    assert post.author_id == alice.id and post.body == "First post!"
    for path in ("/", "/u/alice", f"/p/{post.id}"):
        assert "First post!" in client.get(path).get_data(as_text=True), path


def test_htmx_post_returns_an_empty_form_and_the_new_post_for_the_top_of_the_feed(client, login, alice):
    login(alice)
    html = client.post("/posts", data={"body": "Via htmx"}, headers=HTMX).get_data(as_text=True)
    assert 'id="post-form"' in html and '<hx-partial hx-target="#feed" hx-swap="afterbegin">' in html
    assert "Via htmx" in html.split("<hx-partial")[1]


def test_empty_post_is_refused_with_422(client, login, alice):
    login(alice)
    response = client.post("/posts", data={"body": "   "}, headers=HTMX)
    assert response.status_code == 422
    assert "Write something" in response.get_data(as_text=True)
    assert Post.query.count() == 0


def test_too_long_post_is_refused_and_keeps_the_text(client, login, alice):
    login(alice)
    body = "x" * (posts.MAX_LENGTH + 1)
    response = client.post("/posts", data={"body": body})
    assert response.status_code == 422
    assert body in response.get_data(as_text=True)
    assert Post.query.count() == 0


def test_post_with_pictures_stores_each_variant(client, login, alice):
    login(alice)
    data = {"body": "", "images": [upload(picture_bytes()), upload(picture_bytes("JPEG"), "b.jpg")]}
    assert client.post("/posts", data=data, content_type="multipart/form-data").status_code == 302
    stored = PostImage.query.order_by(PostImage.position).all()
    assert len(stored) == 2
    for picture in stored:
        assert (picture.width, picture.height) == (300, 200)
        assert all(os.path.isfile(path) for path in picture_paths(alice.id, picture))
    html = client.get("/").get_data(as_text=True)
    ext = images.SIZED_EXTENSION
    assert f"/media/{alice.id}/{stored[0].key}/w300.{ext} 300w" in html
    assert 'width="300" height="200"' in html


def test_bad_picture_is_refused_keeping_the_text_and_storing_nothing(client, login, alice, app):
    login(alice)

    def data():
        return {"body": "my holiday", "images": [upload(picture_bytes()), upload(b"not an image", "x.png")]}

    response = client.post("/posts", data=data(), content_type="multipart/form-data", headers=HTMX)
    assert response.status_code == 422
    # htmx replaces only the message: the form stays in the page with its text and its files.
    assert response.headers["HX-Retarget"] == "#post-form-error"
    assert images.UNREADABLE in response.get_data(as_text=True)
    response = client.post("/posts", data=data(), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "my holiday</textarea>" in html and images.UNREADABLE in html
    assert "choose your pictures again" in html
    assert Post.query.count() == 0
    folder = os.path.join(app.config["MEDIA_ROOT"], "u", str(alice.id), "img")
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_more_than_four_pictures_are_refused(client, login, alice):
    login(alice)
    data = {"body": "many", "images": [upload(picture_bytes()) for _ in range(5)]}
    response = client.post("/posts", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "at most 4 pictures" in response.get_data(as_text=True)


def test_author_edits_a_post_which_is_then_shown_as_edited(client, login, alice):
    post = write(alice, "before #old")
    login(alice)
    response = client.post(f"/p/{post.id}/edit", data={"body": "after #new"}, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "after" in html and "edited" in html
    assert set(PostHashtag.query.with_entities(PostHashtag.tag).all()) == {("new",)}


def test_edit_to_empty_is_refused_and_keeps_the_text(client, login, alice):
    post = write(alice, "keep me")
    login(alice)
    response = client.post(f"/p/{post.id}/edit", data={"body": ""})
    assert response.status_code == 422
    assert Post.query.one().body == "keep me"


def picture_files(n):
    return [FileStorage(upload(picture_bytes())[0], f"p{i}.png") for i in range(n)]


def test_editing_takes_pictures_away_and_adds_others(client, login, alice, app):
    post = write(alice, "two pictures", picture_files(2))
    (first_id, first_key), (_, second_key) = [(p.id, p.key) for p in posts.pictures_of(post.id)]
    login(alice)
    data = {
        "body": "now different",
        "remove_picture": [str(first_id)],
        "images": [upload(picture_bytes("JPEG"), "c.jpg")],
    }
    response = client.post(f"/p/{post.id}/edit", data=data, content_type="multipart/form-data", headers=HTMX)
    assert response.status_code == 200 and "edited" in response.get_data(as_text=True)
    now = posts.pictures_of(post.id)
    assert [p.key for p in now][0] == second_key and len(now) == 2
    assert [p.position for p in now] == [0, 1]
    folder = os.path.join(images.user_media_dir(alice.id), "img")
    assert not [name for name in os.listdir(folder) if name.startswith(first_key)]
    assert all(os.path.isfile(path) for path in picture_paths(alice.id, now[1]))


def test_editing_pictures_alone_marks_the_post_edited_and_may_empty_the_text(login, client, alice):
    post = write(alice, "", picture_files(1))
    login(alice)
    data = {"body": "", "images": [upload(picture_bytes())]}
    assert client.post(f"/p/{post.id}/edit", data=data, content_type="multipart/form-data").status_code == 302
    assert len(posts.pictures_of(post.id)) == 2 and Post.query.one().edited_at is not None


def test_an_edit_past_four_pictures_or_left_empty_is_refused_keeping_what_was_chosen(client, login, alice):
    post = write(alice, "", picture_files(3))
    first = posts.pictures_of(post.id)[0]
    login(alice)

    def data():
        return {
            "body": "typed",
            "remove_picture": [str(first.id)],
            "images": [upload(picture_bytes()) for _ in range(3)],
        }

    response = client.post(f"/p/{post.id}/edit", data=data(), content_type="multipart/form-data", headers=HTMX)
    assert response.status_code == 422 and response.headers["HX-Retarget"] == f"#post-{post.id}-error"
    assert "at most 4 pictures" in response.get_data(as_text=True)
    response = client.post(f"/p/{post.id}/edit", data=data(), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "at most 4 pictures" in html and "typed</textarea>" in html
    assert f'value="{first.id}" checked' in html
    assert len(posts.pictures_of(post.id)) == 3 and Post.query.one().edited_at is None
    every = [str(p.id) for p in posts.pictures_of(post.id)]
    response = client.post(f"/p/{post.id}/edit", data={"body": " ", "remove_picture": every})
    assert response.status_code == 422 and "Write something" in response.get_data(as_text=True)
    assert len(posts.pictures_of(post.id)) == 3


def test_an_edit_cannot_take_away_another_posts_pictures(client, login, alice, bob):
    theirs = write(bob, "mine", picture_files(1))
    picture = posts.pictures_of(theirs.id)[0]
    post = write(alice, "hello")
    login(alice)
    client.post(f"/p/{post.id}/edit", data={"body": "hello", "remove_picture": [str(picture.id), "x"]})
    assert posts.pictures_of(theirs.id)[0].key == picture.key


def test_a_bad_picture_on_edit_changes_nothing(client, login, alice, app):
    post = write(alice, "hello", picture_files(1))
    login(alice)
    data = {"body": "new text", "images": [upload(b"not an image", "x.png")]}
    response = client.post(f"/p/{post.id}/edit", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and images.UNREADABLE in response.get_data(as_text=True)
    assert Post.query.one().body == "hello" and len(posts.pictures_of(post.id)) == 1
    folder = os.path.join(app.config["MEDIA_ROOT"], "u", str(alice.id), "img")
    kept = posts.pictures_of(post.id)[0]
    assert len(os.listdir(folder)) == len(picture_paths(alice.id, kept))  # the one picture's files, nothing new


def test_only_the_author_can_edit_or_delete_a_post(client, login, alice, bob):
    post = write(alice)
    login(bob)
    assert client.get(f"/p/{post.id}/edit").status_code == 403
    assert client.post(f"/p/{post.id}/edit", data={"body": "hacked"}).status_code == 403
    assert client.post(f"/p/{post.id}/delete").status_code == 403
    assert Post.query.one().body == "hello"


def test_deleting_a_post_removes_its_pictures_likes_comments_and_tags(client, login, alice, bob, app):
    from socialapp.services import comments

    post = write(alice, "bye #gone", [FileStorage(upload(picture_bytes())[0], "a.png")])
    paths = picture_paths(alice.id, PostImage.query.one())
    posts.like(bob, post.id)
    comments.add_comment(bob, post.id, "nice")
    login(alice)
    response = client.post(f"/p/{post.id}/delete", headers=HTMX)
    assert "Post deleted." in response.get_data(as_text=True)
    assert Post.query.count() == 0 and Like.query.count() == 0 and PostHashtag.query.count() == 0
    assert paths and not any(os.path.exists(path) for path in paths)


def test_unknown_post_is_404_everywhere(client, login, alice):
    login(alice)
    for path in ("/p/999", "/p/999/likes", "/p/999/edit"):
        assert client.get(path).status_code == 404, path
    for path in ("/p/999/like", "/p/999/unlike", "/p/999/delete", "/p/999/comments"):
        assert client.post(path, data={"body": "x"}).status_code == 404, path


def test_people_in_a_block_cannot_see_like_or_comment_on_each_others_posts(client, login, alice, bob):
    post = write(alice)
    social.block(alice, bob)
    login(bob)
    assert client.get(f"/p/{post.id}").status_code == 404
    assert client.post(f"/p/{post.id}/like").status_code == 404
    assert client.post(f"/p/{post.id}/comments", data={"body": "hi"}).status_code == 404
    assert client.get(f"/p/{post.id}/likes").status_code == 404
    assert client.get("/u/alice/posts").status_code == 404
    assert Like.query.count() == 0 and post.comments_count == 0


def test_blocked_person_cannot_see_their_blockers_posts_either(client, login, alice, bob):
    post = write(bob, "bob's post")
    social.block(alice, bob)
    login(alice)
    assert client.get(f"/p/{post.id}").status_code == 404


def test_like_and_unlike_swap_the_button_and_count(client, login, alice, bob):
    post = write(alice)
    login(bob)
    html = client.post(f"/p/{post.id}/like", headers=HTMX).get_data(as_text=True)
    assert 'aria-pressed="true"' in html and reads(html, "1 like") and "Unlike" in html
    html = client.post(f"/p/{post.id}/like", headers=HTMX).get_data(as_text=True)
    assert reads(html, "1 like")  # liking twice counts once
    html = client.post(f"/p/{post.id}/unlike", headers=HTMX).get_data(as_text=True)
    assert 'aria-pressed="false"' in html and reads(html, "0 likes")
    html = client.post(f"/p/{post.id}/unlike", headers=HTMX).get_data(as_text=True)
    assert reads(html, "0 likes")
    assert Post.query.one().likes_count == 0


def test_like_without_javascript_redirects_back(client, login, alice, bob):
    post = write(alice)
    login(bob)
    response = client.post(f"/p/{post.id}/like", data={"next": f"/p/{post.id}"})
    assert response.status_code == 302 and response.location.endswith(f"/p/{post.id}")
    assert Post.query.one().likes_count == 1


def test_who_liked_lists_likers_newest_first_by_pages_hiding_blocked_people(client, login, make_user, alice):
    post = write(alice)
    likers = [make_user(f"liker{n}") for n in range(posts.LIKERS_PAGE_SIZE + 2)]
    for liker in likers:
        posts.like(liker, post.id)
    social.block(alice, likers[-1])
    login(alice)
    html = client.get(f"/p/{post.id}/likes").get_data(as_text=True)
    assert "@liker31<" not in html  # blocked
    assert html.index("@liker30<") < html.index("@liker29<")
    assert "@liker0<" not in html and "cursor=" in html
    next_url = html.split('id="more-people"><a href="')[1].split('"')[0].replace("&amp;", "&")
    more = client.get(next_url, headers=HTMX).get_data(as_text=True)
    assert "@liker0<" in more and "@liker30<" not in more


def test_hashtags_are_stored_lower_case_and_listed_on_their_page(client, login, alice, bob):
    write(alice, "Loving #Python and #python and #Flask")
    write(bob, "no tags here")
    assert sorted(t for (t,) in PostHashtag.query.with_entities(PostHashtag.tag)) == ["flask", "python"]
    login(bob)
    html = client.get("/tags/PYTHON").get_data(as_text=True)
    assert "Loving" in html and "no tags here" not in html


def test_hashtag_page_hides_posts_of_blocked_people(client, login, alice, bob):
    write(alice, "#shared by alice")
    write(bob, "#shared by bob")
    social.block(alice, bob)
    login(alice)
    html = client.get("/tags/shared").get_data(as_text=True)
    assert "by alice" in html and "by bob" not in html


def test_hashtags_and_mentions_become_links(client, login, alice, bob):
    post = write(alice, "Hi @bob, see #news")
    login(bob)
    html = client.get(f"/p/{post.id}").get_data(as_text=True)
    assert '<a href="/u/bob" class="mention">@bob</a>' in html
    assert '<a href="/tags/news" class="hashtag">#news</a>' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        '#tag"><script>alert(1)</script>',
        "#x' onmouseover='alert(1)",
        '@bob"><svg onload=alert(1)>',
    ],
)
def test_hostile_text_in_posts_is_escaped(client, login, alice, bob, hostile):
    post = write(alice, hostile)
    login(bob)
    for path in ("/", f"/p/{post.id}", "/u/alice"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html, path
        assert "onmouseover='" not in html and "onerror=alert(1)>" not in html, path


def test_hostile_text_cannot_break_out_of_the_edit_form(client, login, alice):
    post = write(alice, "</textarea><script>alert(1)</script>")
    login(alice)
    html = client.get(f"/p/{post.id}/edit").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;/textarea&gt;" in html


def test_mentioned_people_are_notified(alice, bob):
    from socialapp.models import Notification

    write(alice, "thanks @Bob and @nobody_here")
    notification = Notification.query.one()
    assert notification.recipient_id == bob.id and notification.kind == "mention"


def test_liking_notifies_the_author_and_unliking_withdraws_it(alice, bob):
    from socialapp.models import Notification

    post = write(alice)
    posts.like(bob, post.id)
    assert Notification.query.filter_by(recipient_id=alice.id, kind="like").count() == 1
    posts.unlike(bob, post.id)
    assert Notification.query.filter_by(recipient_id=alice.id, kind="like").count() == 0


def test_pages_need_a_logged_in_user(client, alice):
    post = write(alice)
    for path in (f"/p/{post.id}", "/feed", "/tags/x", "/u/alice/posts", f"/p/{post.id}/likes"):
        assert client.get(path).status_code == 302, path
    assert client.post("/posts", data={"body": "x"}).status_code == 302
    assert Post.query.count() == 1


def test_account_deletion_takes_likes_off_other_peoples_counts(db, alice, bob):
    from socialapp.services.accounts import delete_account
    from tests.support.factories import PASSWORD

    post = write(alice)
    own = write(bob)
    posts.like(bob, post.id)
    posts.like(bob, own.id)
    posts.like(alice, own.id)
    delete_account(bob, PASSWORD)
    assert db.session.get(Post, post.id).likes_count == 0
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1


def test_a_new_post_is_announced_to_the_authors_online_followers(app, alice, bob, make_user, monkeypatch):
    carol = make_user("carol")
    for follower in (bob, carol):
        social.follow(follower, alice)
    hub = app.extensions["realtime"]
    hub.presence.mark(bob.id, 1)  # bob has a page open; carol has none
    published = []

    def record(channel, event):
        ids = {k: v for k, v in event.items() if k != "kind"}
        published.append((int(channel.removeprefix("user:")), event["kind"], ids))

    monkeypatch.setattr(hub, "publish", record)
    post = write(alice, "news")
    assert published == [(bob.id, "new_post", {"post_id": post.id})]


def test_the_new_posts_button_is_rendered_for_a_follower_unless_the_post_is_gone_or_blocked(alice, bob, make_user):
    from socialapp.blueprints.posts.live import new_post_fragment

    post = write(alice, "news")
    html = new_post_fragment(bob.id, {"post_id": post.id})
    assert 'id="new-posts"' in html and 'hx-swap-oob="true"' in html and "New posts: show them" in html
    social.block(alice, bob)
    assert new_post_fragment(bob.id, {"post_id": post.id}) == ""
    posts.delete_post(alice, post.id)
    assert new_post_fragment(make_user("carol").id, {"post_id": post.id}) == ""


def test_the_newest_posts_asked_for_by_the_button_clear_it(client, login, alice):
    write(alice, "fresh news")
    login(alice)
    html = client.get("/feed?fresh=1", headers=HTMX).get_data(as_text=True)
    assert "fresh news" in html and '<div id="new-posts" class="new-posts" hx-swap-oob="true"' in html
    assert "New posts: show them" not in html
    assert "new-posts" not in client.get("/feed", headers=HTMX).get_data(as_text=True)


def test_a_page_whose_socket_gets_ready_asks_whether_newer_posts_came_meanwhile(client, login, alice, bob):
    social.follow(alice, bob)
    write(bob, "seen")
    login(alice)
    home = client.get("/").get_data(as_text=True)
    since = home.split('hx-get="/feed/new?since=')[1].split('"')[0].replace("&amp;", "&")
    assert "New posts: show them" not in client.get(f"/feed/new?since={since}", headers=HTMX).get_data(as_text=True)
    write(bob, "missed")
    assert "New posts: show them" in client.get(f"/feed/new?since={since}", headers=HTMX).get_data(as_text=True)
    assert "New posts: show them" in client.get("/feed/new?since=garbage", headers=HTMX).get_data(as_text=True)
