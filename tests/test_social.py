"""Following, blocking, lists of people, suggestions and people search."""

from datetime import datetime

import pytest
from sqlalchemy import select, text

from socialapp.models import Follow, User
from socialapp.services import accounts, social
from socialapp.services.visibility import blocks, hidden_user_ids, is_blocked_between, visible_to
from tests.support.factories import PASSWORD
from tests.support.htmx import HTMX
from tests.support.queries import counted_queries


def counts(username):
    user = accounts.find_by_username(username)
    return user.followers_count, user.following_count


def follow(db, a, b):
    db.session.add(Follow(follower_id=a.id, followed_id=b.id))
    db.session.execute(User.__table__.update().where(User.id == b.id).values(followers_count=User.followers_count + 1))
    db.session.execute(User.__table__.update().where(User.id == a.id).values(following_count=User.following_count + 1))
    db.session.commit()


def test_follow_and_unfollow_keep_counts_right(client, make_user, login):
    login(make_user("ada"))
    make_user("bob")
    assert client.post("/u/bob/follow", data={"next": "/u/bob"}).headers["Location"] == "/u/bob"
    assert counts("bob") == (1, 0) and counts("ada") == (0, 1)
    client.post("/u/bob/follow")  # a double click changes nothing
    assert counts("bob") == (1, 0)
    client.post("/u/bob/unfollow")
    client.post("/u/bob/unfollow")
    assert counts("bob") == (0, 0) and counts("ada") == (0, 0)


def test_follow_over_htmx_returns_the_button_and_fresh_counts(client, make_user, login):
    login(make_user("ada"))
    make_user("bob")
    response = client.post("/u/bob/follow", data={"counts": "1"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ">Unfollow</button>" in html and "/u/bob/unfollow" in html
    assert 'id="follower-count-' in html and 'hx-swap-oob="true"' in html and "<strong>1</strong> follower<" in html
    assert "<html" not in html


@pytest.mark.parametrize(
    ("path", "status"),
    [("/u/ada/follow", 400), ("/u/nobody/follow", 404), ("/u/ada/block", 400), ("/u/nobody/unfollow", 404)],
)
def test_bad_graph_requests_get_a_clear_4xx(client, make_user, login, path, status):
    login(make_user("ada"))
    response = client.post(path)
    assert response.status_code == status
    assert b"<html" in response.data


def test_following_yourself_is_refused_with_a_message(client, make_user, login):
    login(make_user("ada"))
    response = client.post("/u/ada/follow", headers=HTMX)
    assert response.status_code == 400
    assert b"You cannot follow yourself." in response.data


def test_block_ends_follows_both_ways_and_fixes_counts(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    follow(db, ada, bob)
    follow(db, bob, ada)
    login(ada)
    assert client.get("/u/bob/block").status_code == 200  # the confirmation page
    client.post("/u/bob/block")
    assert db.session.query(Follow).count() == 0
    assert counts("ada") == (0, 0) and counts("bob") == (0, 0)
    assert is_blocked_between(ada.id, bob.id) and is_blocked_between(bob.id, ada.id)


def test_blocked_people_cannot_see_or_follow_each_other(app, client, db, make_user, login, block):
    ada, bob = make_user("ada"), make_user("bob")
    block(ada, bob)
    login(bob)
    assert client.get("/u/ada").status_code == 404
    assert client.post("/u/ada/follow").status_code == 404
    assert client.get("/u/ada/followers").status_code == 404
    login(ada)
    assert client.get("/u/bob").status_code == 404


def test_blocked_list_and_unblock(client, db, make_user, login):
    ada, bob = make_user("ada", first_name="Ada"), make_user("bob", first_name="Bob")
    login(ada)
    client.post("/u/bob/block")
    page = client.get("/settings/blocked").get_data(as_text=True)
    assert "Bob Tester" in page and "Unblock Bob Tester" in page
    client.post("/u/bob/unblock")
    assert not is_blocked_between(ada.id, bob.id)
    assert client.get("/u/bob").status_code == 200


def test_follower_lists_are_paginated_by_cursor_without_gaps(client, db, make_user, login):
    star = make_user("star")
    fans = [make_user(f"fan{i:02d}") for i in range(25)]
    for fan in fans:
        follow(db, fan, star)
    viewer = make_user("viewer")
    follow(db, viewer, fans[20])
    page1, cursor = social.followers_page(viewer, star, None, 20)
    page2, end = social.followers_page(viewer, star, cursor, 20)
    assert len(page1) == 20 and len(page2) == 5 and end is None
    assert {u.id for u in page1 + page2} == {f.id for f in fans}
    login(viewer)
    html = client.get("/u/star/followers").get_data(as_text=True)
    assert html.count('class="person row"') == 20
    assert "Unfollow Fan20 Tester" in html and "Follow Fan21 Tester" in html
    assert "cursor=" in html
    more = client.get(f"/u/star/followers?cursor={cursor}", headers=HTMX).get_data(as_text=True)
    assert more.count('class="person row"') == 5 and "<html" not in more


def test_follow_lists_hide_people_in_a_block_with_the_viewer(client, db, make_user, login, block):
    star, fan, viewer = make_user("star"), make_user("fan"), make_user("viewer")
    follow(db, fan, star)
    follow(db, star, fan)
    block(fan, viewer)
    assert social.followers_page(viewer, star)[0] == []
    assert social.following_page(viewer, star)[0] == []
    assert [u.username for u in social.followers_page(star, star)[0]] == ["fan"]


def test_follow_list_with_a_mangled_cursor_starts_over(client, make_user, login):
    login(make_user("ada"))
    assert client.get("/u/ada/followers?cursor=garbage_x").status_code == 200


def test_suggestions_rank_friends_of_friends_by_mutual_connections(app, db, make_user, block):
    me, f1, f2 = make_user("me"), make_user("f1"), make_user("f2")
    two_mutual, one_mutual, popular, blocked, blocker = (
        make_user(n) for n in ("two", "one", "pop", "blocked", "blocker")
    )
    unverified = make_user("ghost", verified=False)
    for friend in (f1, f2):
        follow(db, me, friend)
        follow(db, friend, two_mutual)
        follow(db, friend, blocked)
        follow(db, friend, blocker)
    follow(db, f1, one_mutual)
    for fan in (two_mutual, one_mutual, blocked):
        follow(db, fan, popular)
    block(me, blocked)
    block(blocker, me)
    suggested = social.suggestions(me, limit=10)
    names = [u.username for u, _ in suggested]
    assert names[:2] == ["two", "one"]
    assert dict((u.username, m) for u, m in suggested)["two"] == 2
    assert "pop" in names[2:]
    for never in ("me", "f1", "f2", "blocked", "blocker", unverified.username):
        assert never not in names


def test_the_home_box_reuses_its_ranking_but_drops_follows_and_blocks_at_once(app, db, make_user, monkeypatch, block):
    me, friend, a, b, c = (make_user(n) for n in ("me", "friend", "a", "b", "c"))
    follow(db, me, friend)
    for person in (a, b):
        follow(db, friend, person)
    names = lambda: [user.username for user, _ in social.suggestions_box(me, 5)]  # noqa: E731
    first = names()
    assert first[:2] == ["a", "b"]
    follow(db, friend, c)  # c would now rank with a and b...
    with counted_queries(db) as statements:
        assert names() == first  # ...but the ranking is reused: the people in it are only looked up
    assert not any("GROUP BY" in statement.upper() for statement in statements)
    block(me, a)
    assert "a" not in names()
    monkeypatch.setattr(social, "BOX_TTL", 0)
    assert "c" in names()[:2]
    social.follow(me, b)  # following changes the key, so the ranking is made again
    assert "b" not in names()


def test_suggestions_appear_on_the_home_page_and_their_own_page(client, make_user, login):
    login(make_user("ada"))
    make_user("bob", first_name="Bob")
    assert "Who to follow" in client.get("/").get_data(as_text=True)
    assert "Follow Bob Tester" in client.get("/people/suggestions").get_data(as_text=True)


@pytest.mark.parametrize("query", ["ad", "AD", "@ada", "lov", "Lovelace", "augusta"])
def test_people_search_matches_prefixes_of_username_and_names(client, make_user, login, query):
    make_user("ada", first_name="Augusta", last_name="Lovelace")
    make_user("bob")
    login(make_user("viewer"))
    html = client.get(f"/people/search?q={query}").get_data(as_text=True)
    assert "@ada" in html and "@bob" not in html


def test_people_search_treats_wildcards_as_text(app, make_user):
    viewer = make_user("viewer")
    make_user("a_b")
    make_user("axb")
    assert [u.username for u in social.search_people(viewer, "a_")] == ["a_b"]
    assert social.search_people(viewer, "%") == []
    assert social.search_people(viewer, "x" * 5000) == []


def test_people_search_respects_blocks_and_hides_unverified(app, db, make_user, block):
    viewer = make_user("viewer")
    blocker = make_user("adam")
    make_user("adele", verified=False)
    make_user("ada")
    block(blocker, viewer)
    assert [u.username for u in social.search_people(viewer, "ad")] == ["ada"]


def test_people_search_over_htmx_returns_only_the_results(client, make_user, login):
    login(make_user("viewer"))
    make_user("ada")
    html = client.get("/people/search?q=ad", headers=HTMX).get_data(as_text=True)
    assert 'id="people-results"' in html and "@ada" in html and "<html" not in html


def test_deleting_an_account_fixes_the_counts_of_others(client, db, make_user):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cy")
    follow(db, ada, bob)
    follow(db, cy, ada)
    client.post("/login", data={"login": "ada", "password": PASSWORD})
    client.post("/settings/delete", data={"del-password": PASSWORD, "del-confirm": "y"})
    assert counts("bob") == (0, 0) and counts("cy") == (0, 0)


def test_hidden_user_ids_lists_blocks_in_both_directions(app, db, make_user, block):
    a, b, c, d = (make_user(n) for n in "abcd")
    block(a, b)
    block(c, a)
    assert set(db.session.scalars(hidden_user_ids(a.id))) == {b.id, c.id}
    assert not is_blocked_between(a.id, d.id)
    assert not is_blocked_between(a.id, a.id)


def test_pages_about_people_need_a_login(client, make_user):
    make_user("ada")
    for path in ("/u/ada/followers", "/people/search?q=a", "/people/suggestions", "/settings/blocked"):
        assert client.get(path).status_code == 302
    assert client.post("/u/ada/follow").status_code == 302


def test_a_follow_racing_another_request_counts_once(app, db, make_user, monkeypatch):
    ada, bob = make_user("ada"), make_user("bob")
    # Both requests checked before either wrote: the second insert must not fail nor count twice.
    monkeypatch.setattr(social, "is_following", lambda *ids: False)
    assert social.follow(ada, bob) is True
    assert social.follow(ada, bob) is False
    assert counts("bob") == (1, 0) and counts("ada") == (0, 1)


def test_follow_without_javascript_redirects_only_within_the_site(client, make_user, login):
    login(make_user("ada"))
    make_user("bob")
    for evil in ("https://evil.example/", "//evil.example/x"):
        assert client.post("/u/bob/follow", data={"next": evil}).headers["Location"] == "/"
    assert (
        client.post("/u/bob/unfollow", data={"next": "/people/search?q=b"}).headers["Location"] == "/people/search?q=b"
    )


def test_profile_shows_counts_follow_and_block_controls(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    follow(db, ada, bob)
    login(ada)
    html = client.get("/u/bob").get_data(as_text=True)
    assert f'id="follower-count-{bob.id}"' in html and "<strong>1</strong> follower<" in html
    assert "Unfollow Bob Tester" in html and "/u/bob/block" in html
    own = client.get("/u/ada").get_data(as_text=True)
    assert "<strong>1</strong> following" in own and "/u/ada/block" not in own and "Follow Ada" not in own


def test_someone_blocked_cannot_reach_the_blockers_block_or_unblock(client, db, make_user, login, block):
    ada, bob = make_user("ada"), make_user("bob")
    block(bob, ada)
    login(ada)
    for response in (client.get("/u/bob/block"), client.post("/u/bob/block"), client.post("/u/bob/unblock")):
        assert response.status_code == 404 and b"Bob Tester" not in response.data
    assert not blocks(ada.id, bob.id) and blocks(bob.id, ada.id)


def test_in_a_block_both_ways_each_can_unblock_their_own(client, db, make_user, login, block):
    ada, bob = make_user("ada"), make_user("bob")
    block(ada, bob)
    block(bob, ada)
    login(ada)
    assert "Bob Tester" in client.get("/settings/blocked").get_data(as_text=True)
    assert client.post("/u/bob/unblock").status_code == 302
    assert not blocks(ada.id, bob.id)
    assert client.get("/u/bob").status_code == 404  # bob still blocks ada


def test_unblocking_does_not_bring_back_the_follows(client, db, make_user, login):
    ada, bob = make_user("ada"), make_user("bob")
    follow(db, ada, bob)
    login(ada)
    client.post("/u/bob/block")
    client.post("/u/bob/unblock")
    assert not social.is_following(ada.id, bob.id) and counts("bob") == (0, 0)


@pytest.mark.parametrize("direction", ["viewer blocks", "viewer is blocked"])
def test_blocks_hide_people_from_search_suggestions_and_lists_both_ways(app, db, make_user, direction, block):
    viewer, star, mallory = make_user("viewer"), make_user("star"), make_user("mallory")
    follow(db, mallory, star)
    follow(db, star, mallory)
    block(*((viewer, mallory) if direction == "viewer blocks" else (mallory, viewer)))
    assert social.search_people(viewer, "mall") == []
    assert "mallory" not in [u.username for u, _ in social.suggestions(viewer)]
    assert social.followers_page(viewer, star)[0] == [] and social.following_page(viewer, star)[0] == []
    assert [u.username for u in social.search_people(star, "mall")] == ["mallory"]


def test_visible_to_hides_rows_of_people_in_a_block_either_way(app, db, make_user, block):
    me, blocked, blocker, other = (make_user(n) for n in ("me", "blocked", "blocker", "other"))
    block(me, blocked)
    block(blocker, me)
    block(blocked, other)  # a block between two others hides nothing from me
    seen = db.session.scalars(select(User.username).where(visible_to(me.id, User.id)).order_by(User.username))
    assert list(seen) == ["me", "other"]
    assert blocks(me.id, blocked.id) and not blocks(blocked.id, me.id)


def test_a_page_of_followers_takes_the_same_queries_however_many_rows(client, db, make_user, login):
    viewer, star = make_user("viewer"), make_user("star")
    fans = [make_user(f"fan{i:02d}") for i in range(20)]
    follow(db, fans[0], star)
    follow(db, viewer, fans[0])
    login(viewer)
    client.get("/u/star/followers")  # warm caches: templates, the logged-in user
    with counted_queries(db) as one_row:
        assert client.get("/u/star/followers").status_code == 200
    for fan in fans[1:]:
        follow(db, fan, star)
        follow(db, viewer, fan)
    with counted_queries(db) as twenty_rows:
        html = client.get("/u/star/followers").get_data(as_text=True)
    assert html.count("Unfollow Fan") == 20
    assert len(twenty_rows) == len(one_row)


def test_people_search_uses_the_lower_prefix_indexes(app, db, make_user, backend):
    viewer = make_user("viewer")
    make_user("ada", first_name="Augusta", last_name="Lovelace")
    if backend == "postgresql":
        # A tiny table would be scanned anyway; forbid that to see which indexes the query can use.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
    sql = social.search_query(viewer, "ad").compile(db.engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN" if backend == "postgresql" else "EXPLAIN QUERY PLAN"
    plan = "\n".join(str(row[-1]) for row in db.session.execute(text(f"{explain} {sql}")))
    for column in ("username", "first_name", "last_name"):
        assert f"ix_users_{column}_prefix" in plan, plan


def test_follow_lists_page_through_follows_made_in_the_same_instant(app, db, make_user):
    star, viewer = make_user("star"), make_user("viewer")
    fans = [make_user(f"fan{i:02d}") for i in range(7)]
    same_time = datetime(2026, 1, 1, 12, 0, 0)
    db.session.add_all(Follow(follower_id=f.id, followed_id=star.id, created_at=same_time) for f in fans)
    db.session.add_all(Follow(follower_id=star.id, followed_id=f.id, created_at=same_time) for f in fans)
    db.session.commit()
    for page_function in (social.followers_page, social.following_page):
        seen, cursor = [], None
        while True:
            page, cursor = page_function(viewer, star, cursor, 3)
            seen += [u.id for u in page]
            if cursor is None:
                break
        assert seen == sorted((f.id for f in fans), reverse=True)
