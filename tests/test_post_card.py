"""The post card: its URLs (made from prefixes, the same as url_for's), its menu for one's own and others'
posts, deleting after a question without JavaScript, and what a page of cards costs."""

import re

import pytest
from flask import url_for

from socialapp.models import Post
from socialapp.services import feed, posts, social
from tests.support.htmx import HTMX
from tests.support.pages import reads


def card(html, post_id):
    """The HTML of one post's card in a page."""
    return html.split(f'<article id="post-{post_id}"')[1].split("</article>")[0]


def test_every_url_on_a_card_is_the_one_url_for_builds(app, client, login, alice, bob):
    post = posts.create_post(bob, "Hello")
    social.follow(alice, bob)
    login(alice)
    html = card(client.get("/").get_data(as_text=True), post.id)
    with app.test_request_context():
        expected = [
            url_for("profiles.show", username="bob"),
            url_for("posts.show", post_id=post.id),
            url_for("posts.like", post_id=post.id),
            url_for("posts.likers", post_id=post.id),
            url_for("posts.show", post_id=post.id, _anchor="comments"),
            url_for("moderation.report", subject_type="post", subject_id=post.id),
        ]
        sprite = url_for("static", filename="icons.svg")
    for url in expected:
        assert f'"{url}"' in html, url
    assert re.search(r"icons\.svg\?v=\w+#heart", sprite + "#heart") and f'href="{sprite}#heart"' in html
    posts.like(alice, post.id)
    html = card(client.get("/").get_data(as_text=True), post.id)
    with app.test_request_context():
        assert f'action="{url_for("posts.unlike", post_id=post.id)}"' in html


def test_own_post_has_edit_and_delete_in_its_menu_anothers_has_report(app, client, login, alice, bob):
    mine, theirs = posts.create_post(alice, "Mine"), posts.create_post(bob, "Theirs")
    social.follow(alice, bob)
    login(alice)
    html = client.get("/").get_data(as_text=True)
    own, other = card(html, mine.id), card(html, theirs.id)
    for each in (own, other):
        assert 'aria-label="More actions"' in each and "data-copy-link" in each
        assert reads(each, "Like") and reads(each, "0 likes") and reads(each, "0 comments") and reads(each, "Copy link")
    with app.test_request_context():
        edit, delete = url_for("posts.edit", post_id=mine.id), url_for("posts.delete", post_id=mine.id)
        report = url_for("moderation.report", subject_type="post", subject_id=theirs.id)
    assert f'href="{edit}"' in own and 'aria-label="Edit post"' in own
    assert f'hx-post="{delete}"' in own and 'aria-label="Delete post"' in own and "hx-confirm=" in own
    assert "Report" not in own
    assert f'href="{report}"' in other and 'aria-label="Report post"' in other
    assert "Edit post" not in other and "Delete post" not in other


def test_without_javascript_delete_asks_first_then_deletes(client, login, alice, bob):
    post = posts.create_post(alice, "Going soon")
    login(alice)
    html = card(client.get("/").get_data(as_text=True), post.id)
    form = html.split("<form", 2)[2].split(">")[0]  # the like form comes first, then Delete's
    assert 'method="get"' in form and f'action="/p/{post.id}/delete"' in form
    page = client.get(f"/p/{post.id}/delete")
    assert page.status_code == 200 and "Delete this post?" in page.get_data(as_text=True)
    assert Post.query.count() == 1  # asking deletes nothing
    assert client.post(f"/p/{post.id}/delete").status_code == 302
    assert Post.query.count() == 0


def test_only_the_author_is_asked_to_delete_a_post(client, login, alice, bob):
    post = posts.create_post(alice, "Mine")
    login(bob)
    assert client.get(f"/p/{post.id}/delete").status_code == 403
    assert client.get("/p/999/delete").status_code == 404
    assert Post.query.count() == 1


def test_deleting_with_htmx_puts_a_note_in_the_cards_place(client, login, alice):
    post_id = posts.create_post(alice, "Mine").id
    login(alice)
    html = client.post(f"/p/{post_id}/delete", headers=HTMX).get_data(as_text=True)
    assert f'id="post-{post_id}"' in html and "Post deleted." in html


def counted_url_for(app, monkeypatch):
    calls = []
    build = app.url_for

    def counting(*args, **kwargs):
        calls.append(args[0])
        return build(*args, **kwargs)

    monkeypatch.setattr(app, "url_for", counting)  # what flask.url_for calls (linkify, routes)
    monkeypatch.setitem(app.jinja_env.globals, "url_for", counting)  # templates hold the method itself
    return calls


@pytest.mark.parametrize("own", [True, False], ids=["own posts", "others' posts"])
def test_a_page_of_cards_builds_no_url_and_no_csrf_token_per_card_but_the_like_forms(
    app, client, login, make_user, monkeypatch, own
):
    """20 cards cost no more url_for calls than one (their URLs come from prefixes), and one CSRF token each,
    the like form's (Delete posts with the page's htmx header)."""
    me, other = make_user("me"), make_user("other")
    social.follow(me, other)
    author = me if own else other
    login(me)
    posts.create_post(author, "first")
    calls = counted_url_for(app, monkeypatch)
    one = client.get("/").get_data(as_text=True)
    one_calls = len(calls)
    for n in range(feed.PAGE_SIZE):
        posts.create_post(author, f"post {n}")
    calls.clear()
    many = client.get("/").get_data(as_text=True)
    assert many.count('class="post"') == feed.PAGE_SIZE
    assert len(calls) - one_calls <= 2, calls  # the "older posts" link and its htmx twin
    tokens = many.count('name="csrf_token"') - one.count('name="csrf_token"')
    assert tokens == feed.PAGE_SIZE - 1


def test_the_icon_sprite_holds_every_icon_the_card_uses(app, client, login, alice, bob):
    posts.create_post(alice, "Mine")
    posts.create_post(bob, "Theirs")
    social.follow(alice, bob)
    login(alice)
    html = client.get("/").get_data(as_text=True)
    used = set(re.findall(r'icons\.svg\?v=\w+#([\w-]+)"', html))
    assert {"heart", "comment", "link", "more", "edit", "trash", "flag"} <= used
    response = client.get(re.search(r'"(/static/icons\.svg\?v=\w+)#', html).group(1))
    assert response.status_code == 200 and "immutable" in response.headers["Cache-Control"]
    sprite = response.get_data(as_text=True)
    for name in used:
        assert f'<symbol id="{name}"' in sprite, name
