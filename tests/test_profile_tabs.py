"""A profile's post count and its Posts, Media and Likes tabs: who is in each list, order, pages, blocks, queries."""

from datetime import timedelta

import pytest

from socialapp.models import Like, Post, PostImage
from socialapp.models.base import utcnow
from socialapp.services import feed, posts, social
from tests.support.htmx import HTMX
from tests.support.queries import counted_queries


def add_post(db, author, body, minutes_ago=0, pictures=0):
    post = Post(author_id=author.id, body=body, created_at=utcnow() - timedelta(minutes=minutes_ago))
    db.session.add(post)
    db.session.flush()
    for n in range(pictures):
        db.session.add(PostImage(post_id=post.id, key=f"k{post.id:08d}{n:08d}", position=n))
    db.session.commit()
    return post


def like_at(db, user, post, minutes_ago):
    db.session.add(Like(post_id=post.id, user_id=user.id, created_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.commit()


def bodies(page):
    return [item.post.body for item in page.items]


def test_media_lists_only_the_persons_posts_with_pictures_newest_first(db, make_user):
    me, ada, bob = make_user("me"), make_user("ada"), make_user("bob")
    add_post(db, ada, "old picture", 30, pictures=1)
    add_post(db, ada, "words only", 20)
    add_post(db, ada, "two pictures", 10, pictures=2)
    add_post(db, bob, "bob's picture", 5, pictures=1)
    page = feed.user_media(me, ada)
    assert bodies(page) == ["two pictures", "old picture"]
    assert [len(item.images) for item in page.items] == [2, 1]


def test_likes_list_the_posts_liked_newest_like_first_with_the_viewers_own_likes(db, make_user):
    me, ada, bob, cy = make_user("me"), make_user("ada"), make_user("bob"), make_user("cy")
    first, second, third = (add_post(db, bob, f"post {n}", 60 - n) for n in range(3))
    like_at(db, ada, second, 30)
    like_at(db, ada, first, 10)  # liked last, though the oldest post
    like_at(db, cy, third, 5)  # someone else's like
    posts.like(me, second.id)
    page = feed.liked_posts(me, ada)
    assert bodies(page) == ["post 0", "post 1"]
    assert [item.liked for item in page.items] == [False, True]


def test_likes_leave_out_authors_in_a_block_with_the_viewer_or_suspended(db, make_user, block):
    me, ada = make_user("me"), make_user("ada")
    blocked, blocker, suspended, friend = (make_user(name) for name in ("blocked", "blocker", "suspended", "friend"))
    for n, author in enumerate((blocked, blocker, suspended, friend)):
        like_at(db, ada, add_post(db, author, f"by {author.username}", 10 + n), n)
    block(me, blocked)
    block(blocker, me)
    suspended.suspended_at = utcnow()
    db.session.commit()
    assert bodies(feed.liked_posts(me, ada)) == ["by friend"]
    # Ada, who is in no block, sees all but the suspended person's post.
    assert bodies(feed.liked_posts(ada, ada)) == ["by blocked", "by blocker", "by friend"]


def test_likes_are_walked_by_pages_each_post_once_even_when_liked_at_the_same_time(db, make_user):
    me, ada, bob = make_user("me"), make_user("ada"), make_user("bob")
    made = [add_post(db, bob, f"post {n}", 100 - n) for n in range(7)]
    for post in made:
        like_at(db, ada, post, 1)  # all at one instant: the post's id breaks the tie
    seen, cursor = [], None
    while True:
        page = feed.liked_posts(me, ada, cursor, limit=3)
        seen += bodies(page)
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(p.body for p in made) and len(seen) == 7
    assert seen == [f"post {n}" for n in reversed(range(7))]


def test_media_pages_follow_one_another(db, make_user):
    me, ada = make_user("me"), make_user("ada")
    for n in range(5):
        add_post(db, ada, f"picture {n}", 50 - n, pictures=1)
        add_post(db, ada, f"words {n}", 49 - n)
    first = feed.user_media(me, ada, limit=3)
    second = feed.user_media(me, ada, first.next_cursor, limit=3)
    assert bodies(first) + bodies(second) == [f"picture {n}" for n in reversed(range(5))]
    assert second.next_cursor is None


def test_post_count_counts_every_post_of_the_person(db, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    assert feed.post_count(ada) == 0
    for n in range(3):
        add_post(db, ada, f"ada {n}", n)
    add_post(db, bob, "bob", 0)
    assert feed.post_count(ada) == 3


@pytest.mark.parametrize("path,tab", [("/u/ada", "Posts"), ("/u/ada/media", "Media"), ("/u/ada/likes", "Likes")])
def test_each_tab_is_its_own_page_marked_current_with_the_post_count(client, login, db, make_user, path, tab):
    me, ada, bob = make_user("me"), make_user("ada"), make_user("bob")
    add_post(db, ada, "ada words", 3)
    add_post(db, ada, "ada picture", 2, pictures=1)
    like_at(db, ada, add_post(db, bob, "bob post ada liked", 1), 0)
    login(me)
    html = client.get(path).get_data(as_text=True)
    assert "<strong>2</strong> posts" in html
    tabs = html.split('class="profile-tabs"')[1].split("</nav>")[0]
    assert tabs.count('aria-current="page"') == 1 and f'aria-current="page">{tab}<' in tabs
    shown = {body for body in ("ada words", "ada picture", "bob post ada liked") if body in html}
    expected = {
        "Posts": {"ada words", "ada picture"},
        "Media": {"ada picture"},
        "Likes": {"bob post ada liked"},
    }[tab]
    assert shown == expected


def test_empty_tabs_say_so(client, login, make_user):
    login(make_user("me"))
    make_user("quiet")
    assert "No posts with pictures yet." in client.get("/u/quiet/media").get_data(as_text=True)
    assert "No liked posts yet." in client.get("/u/quiet/likes").get_data(as_text=True)


@pytest.mark.parametrize("tab", ["media", "likes"])
def test_a_tabs_next_page_comes_as_a_fragment_for_htmx_and_a_page_without_it(client, login, db, make_user, tab):
    me, ada = make_user("me"), make_user("ada")
    for n in range(feed.PAGE_SIZE + 2):
        post = add_post(db, ada, f"post {n}.", 100 - n, pictures=1)
        like_at(db, ada, post, 100 - n)
    login(me)
    html = client.get(f"/u/ada/{tab}").get_data(as_text=True)
    assert html.count('class="post"') == feed.PAGE_SIZE
    marker = html.split('class="more-posts"')[1].split("</div>")[0]
    more = marker.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    older = marker.split('<a href="')[1].split('"')[0].replace("&amp;", "&")
    assert more.startswith(f"/u/ada/{tab}?cursor=")
    fragment = client.get(more, headers=HTMX).get_data(as_text=True)
    assert "<!doctype html>" not in fragment and fragment.count('class="post"') == 2 and "post 0." in fragment
    page_two = client.get(older).get_data(as_text=True)
    assert "<!doctype html>" in page_two and page_two.count('class="post"') == 2


@pytest.mark.parametrize("direction", ["viewer_blocks", "viewer_blocked"])
@pytest.mark.parametrize("tab", ["", "/media", "/likes"])
def test_a_blocked_persons_tabs_are_not_found(client, login, make_user, block, direction, tab):
    me, ada = make_user("me"), make_user("ada")
    login(me)
    assert client.get(f"/u/ada{tab}").status_code == 200
    block(*((me, ada) if direction == "viewer_blocks" else (ada, me)))
    assert client.get(f"/u/ada{tab}").status_code == 404
    assert client.get(f"/u/ada{tab}?cursor=x", headers=HTMX).status_code == 404


def test_a_blocked_persons_posts_never_show_in_someone_elses_likes(client, login, db, make_user, block):
    me, ada, troll = make_user("me"), make_user("ada"), make_user("troll")
    like_at(db, ada, add_post(db, troll, "troll post", 5), 1)
    social.follow(me, ada)
    block(me, troll)
    login(me)
    html = client.get("/u/ada/likes").get_data(as_text=True)
    assert "troll post" not in html and "No liked posts yet." in html


@pytest.mark.parametrize("tab", ["", "/media", "/likes"])
def test_a_tab_takes_the_same_number_of_queries_whatever_its_size(client, login, db, make_user, tab):
    me, small, big = make_user("me"), make_user("small"), make_user("big")
    liked = [add_post(db, me, f"mine {n}", n, pictures=1) for n in range(feed.PAGE_SIZE + 1)]
    add_post(db, small, "one", 0, pictures=1)
    like_at(db, small, liked[0], 0)
    for n in range(feed.PAGE_SIZE + 1):
        add_post(db, big, f"big {n}", n, pictures=2)
        like_at(db, big, liked[n], n)
    login(me)
    counts = []
    for person, expected in (("small", 1), ("big", feed.PAGE_SIZE)):
        client.get(f"/u/{person}{tab}")  # warm up whatever is cached per process
        with counted_queries(db) as statements:
            html = client.get(f"/u/{person}{tab}").get_data(as_text=True)
        assert html.count('class="post"') == expected
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
