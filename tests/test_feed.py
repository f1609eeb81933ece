"""The home feed, a person's posts and their pages: who is in them, order, cursors, query counts."""

from datetime import timedelta

import pytest

from socialapp.models import Comment, Like, Post, PostImage
from socialapp.models.base import utcnow
from socialapp.services import feed, paging, posts, social
from tests.support.htmx import HTMX
from tests.support.queries import counted_queries


def add_posts(db, author, count, start=None, same_time=False):
    """`count` posts by `author`, one minute apart (or all at the same instant), oldest first."""
    start = start or utcnow() - timedelta(days=1)
    made = []
    for n in range(count):
        made.append(
            Post(
                author_id=author.id,
                body=f"{author.username} post {n}",
                created_at=start + (timedelta() if same_time else timedelta(minutes=n)),
            )
        )
    db.session.add_all(made)
    db.session.commit()
    return made


def bodies(page):
    return [item.post.body for item in page.items]


def test_feed_has_my_posts_and_those_i_follow_but_nobody_elses(db, make_user):
    me, friend, stranger = make_user("me"), make_user("friend"), make_user("stranger")
    social.follow(me, friend)
    add_posts(db, me, 1)
    add_posts(db, friend, 1)
    add_posts(db, stranger, 1)
    assert sorted(bodies(feed.home_feed(me))) == ["friend post 0", "me post 0"]


def test_feed_marks_the_posts_i_liked_and_only_those_on_every_page(db, make_user):
    me, friend, other = make_user("me"), make_user("friend"), make_user("other")
    social.follow(me, friend)
    made = add_posts(db, friend, 25)
    db.session.add_all([Like(user_id=me.id, post_id=made[0].id), Like(user_id=me.id, post_id=made[24].id)])
    db.session.add(Like(user_id=other.id, post_id=made[10].id))  # someone else's like is not mine
    db.session.commit()
    first = feed.home_feed(me)
    second = feed.home_feed(me, first.next_cursor)
    liked = {item.post.body for page in (first, second) for item in page.items if item.liked}
    assert liked == {"friend post 0", "friend post 24"}


def test_feed_never_shows_people_in_a_block_either_way(db, make_user):
    me, friend, blocker = make_user("me"), make_user("friend"), make_user("blocker")
    social.follow(me, friend)
    social.follow(me, blocker)
    add_posts(db, friend, 1)
    add_posts(db, blocker, 1)
    social.block(blocker, me)
    assert bodies(feed.home_feed(me)) == ["friend post 0"]
    social.block(me, friend)
    assert bodies(feed.home_feed(me)) == []


def test_keyset_pages_cover_every_post_once_newest_first_even_with_equal_times(db, make_user):
    me, friend = make_user("me"), make_user("friend")
    social.follow(me, friend)
    start = utcnow() - timedelta(hours=1)
    made = add_posts(db, friend, 7, start, same_time=True) + add_posts(db, me, 6, start)
    expected = [p.body for p in sorted(made, key=lambda p: (p.created_at, p.id), reverse=True)]
    seen, cursor = [], None
    while True:
        page = feed.home_feed(me, cursor, limit=4)
        seen += bodies(page)
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == expected


def test_a_malformed_cursor_gives_the_first_page(db, make_user):
    me = make_user("me")
    add_posts(db, me, 2)
    assert len(feed.home_feed(me, "garbage").items) == 2


@pytest.mark.parametrize("row_id", ["0", "-1", "2147483648", "9" * 30, "١٢", "1_0", " 1", "+1", "", "x"])
def test_a_cursor_id_that_is_not_a_database_id_is_refused(row_id):
    with pytest.raises(ValueError):
        paging.row_id(row_id)
    with pytest.raises(ValueError):
        paging.decode(f"2024-05-01T10:00:00_{row_id}")


def test_cursors_read_back_what_they_were_made_of():
    stamp = utcnow()
    assert paging.decode(paging.encode(stamp, 2**31 - 1)) == (stamp, 2**31 - 1)
    assert paging.row_id("1") == 1


def test_every_list_reads_a_cursor_beyond_the_integer_range_as_its_first_page(client, login, db, make_user):
    me = make_user("me")
    post = add_posts(db, me, 1)[0]
    posts.create_post(me, "#tea time")
    posts.like(me, post.id)
    login(me)
    huge = "2999-01-01T00:00:00_99999999999999999999"
    for url in (
        f"/?cursor={huge}",
        f"/u/me/posts?cursor={huge}",
        f"/u/me/followers?cursor={huge}",
        f"/p/{post.id}/likes?cursor={huge}",
        "/tags/tea?cursor=99999999999999999999",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "me post 0" in client.get(f"/u/me/posts?cursor={huge}").get_data(as_text=True)
    assert "#tea" in client.get("/tags/tea?cursor=99999999999999999999").get_data(as_text=True)
    assert "@me" in client.get(f"/p/{post.id}/likes?cursor={huge}").get_data(as_text=True)


def test_feed_page_ends_with_an_infinite_scroll_marker_and_an_older_posts_link(client, login, db, make_user):
    me = make_user("me")
    add_posts(db, me, feed.PAGE_SIZE + 3)
    login(me)
    html = client.get("/").get_data(as_text=True)
    assert html.count('class="post"') == feed.PAGE_SIZE
    marker = html.split('class="more-posts"')[1].split("</div>")[0]
    assert 'hx-trigger="revealed"' in marker and 'hx-swap="outerHTML"' in marker and "Older posts" in marker
    older = marker.split('<a href="')[1].split('"')[0].replace("&amp;", "&")
    more = marker.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    page_two = client.get(older).get_data(as_text=True)  # without JavaScript: a whole page
    assert "<!doctype html>" in page_two and page_two.count('class="post"') == 3 and "me post 2<" in page_two
    fragment = client.get(more, headers=HTMX).get_data(as_text=True)
    assert "<!doctype html>" not in fragment and fragment.count('class="post"') == 3
    assert "more-posts" not in fragment


def test_feed_fragment_url_without_htmx_sends_to_the_home_page(client, login, make_user):
    login(make_user("me"))
    response = client.get("/feed?cursor=abc")
    assert response.status_code == 302 and "/?cursor=abc" in response.location


def _fill(db, make_user, me, authors, posts_each, likes_each, comments_each):
    people = [make_user() for _ in range(authors)]
    for person in people:
        social.follow(me, person)
        for post in add_posts(db, person, posts_each):
            db.session.add(PostImage(post_id=post.id, key=f"k{post.id:016d}", position=0))
            for liker in people[:likes_each]:
                db.session.add(Like(post_id=post.id, user_id=liker.id))
            for n in range(comments_each):
                db.session.add(Comment(post_id=post.id, author_id=people[0].id, body=f"c{n}"))
            post.likes_count, post.comments_count = likes_each, comments_each
    db.session.commit()


@pytest.mark.parametrize("path,headers", [("/feed", HTMX), ("/", None)])
def test_a_feed_page_takes_the_same_number_of_queries_whatever_its_size(client, login, db, make_user, path, headers):
    small, big = make_user("small"), make_user("big")
    _fill(db, make_user, small, authors=1, posts_each=1, likes_each=0, comments_each=0)
    _fill(db, make_user, big, authors=5, posts_each=6, likes_each=4, comments_each=3)
    counts = []
    for viewer, expected_posts in ((small, 1), (big, feed.PAGE_SIZE)):
        login(viewer)
        client.get(path, headers=headers)  # warm up whatever is cached per process
        with counted_queries(db) as statements:
            html = client.get(path, headers=headers).get_data(as_text=True)
        assert html.count('class="post"') == expected_posts
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    if path == "/feed":
        assert counts[0] <= 5, counts  # the user, the posts, my likes, the pictures


def test_profile_lists_the_persons_posts_by_pages(client, login, db, make_user):
    me, other = make_user("me"), make_user("other")
    add_posts(db, other, feed.PAGE_SIZE + 1)
    login(me)
    html = client.get("/u/other").get_data(as_text=True)
    assert html.count('class="post"') == feed.PAGE_SIZE and "other post 20<" in html
    older = html.split('class="more-posts"')[1].split('<a href="')[1].split('"')[0].replace("&amp;", "&")
    assert "other post 0<" in client.get(older).get_data(as_text=True)


def test_profile_of_a_person_without_posts_says_so(client, login, make_user):
    me = make_user("me")
    make_user("quiet")
    login(me)
    assert "No posts yet." in client.get("/u/quiet").get_data(as_text=True)


def test_edited_post_keeps_its_place_in_the_feed(db, make_user):
    me = make_user("me")
    first, second = add_posts(db, me, 2)
    posts.edit_post(me, first.id, "changed")
    assert bodies(feed.home_feed(me)) == ["me post 1", "changed"]
