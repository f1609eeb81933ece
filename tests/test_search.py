"""Search: posts by their words (ranked, highlighted, in step with edits and deletes), people, hashtags,
the header's suggestions, blocks, hostile queries and pages; on SQLite and PostgreSQL."""

import contextlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import Markup

from socialapp import templating
from socialapp.models import Post, User
from socialapp.models.base import utcnow
from socialapp.services import accounts, posts, search, search_index, social
from tests.support.htmx import HTMX
from tests.support.queries import counted_queries


@pytest.fixture
def ada(make_user):
    return make_user("ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def bob(make_user):
    return make_user("bob", first_name="Bob", last_name="Builder")


def write(user, body):
    return posts.create_post(user, body)


def found(viewer, query, **kwargs):
    """The bodies of the posts a search finds, in their order."""
    return [item.post.body for item in search.search_posts(viewer, query, **kwargs).items]


def found_everywhere(viewer, query):
    """Every post a search finds, following its cursors to the end."""
    bodies, cursor = [], None
    while True:
        page = search.search_posts(viewer, query, cursor=cursor)
        bodies += [item.post.body for item in page.items]
        if not page.next_cursor:
            return bodies
        cursor = page.next_cursor


# Finding posts.


def test_every_word_must_be_there_in_any_order_and_case(ada):
    write(ada, "Morning coffee by the river")
    write(ada, "Coffee at night")
    write(ada, "A morning run")
    assert found(ada, "COFFEE morning") == ["Morning coffee by the river"]
    assert sorted(found(ada, "coffee")) == ["Coffee at night", "Morning coffee by the river"]
    assert found(ada, "tea") == []


def test_the_last_word_also_matches_as_a_prefix_from_three_letters(ada):
    write(ada, "Mountains at dawn")
    write(ada, "Off to the mountain today")
    assert sorted(found(ada, "mount")) == ["Mountains at dawn", "Off to the mountain today"]
    assert found(ada, "dawn mou") == ["Mountains at dawn"]
    # Earlier words, and a last word under three letters, are matched whole.
    assert found(ada, "mount dawn") == []
    assert found(ada, "to") == ["Off to the mountain today"]


def test_accents_case_and_punctuation_are_ignored(ada):
    write(ada, "Un CAFÉ crème, s'il vous plaît")
    write(ada, "Mail me at ada@example.com or see example.org/coffee_time")
    assert found(ada, "cafe creme") == ["Un CAFÉ crème, s'il vous plaît"]
    assert found(ada, "Café") == ["Un CAFÉ crème, s'il vous plaît"]
    assert found(ada, "example") == ["Mail me at ada@example.com or see example.org/coffee_time"]
    assert found(ada, "coffee time") == ["Mail me at ada@example.com or see example.org/coffee_time"]


def test_hashtags_and_mentions_are_found_by_their_words(ada):
    write(ada, "Dinner with @bob #foodie")
    assert found(ada, "#foodie") == ["Dinner with @bob #foodie"]
    assert found(ada, "bob dinner") == ["Dinner with @bob #foodie"]


def test_an_edited_post_is_found_by_its_new_words_only(ada):
    post = write(ada, "Walking in the rain")
    assert found(ada, "rain") == ["Walking in the rain"]
    posts.edit_post(ada, post.id, "Walking in the sunshine")
    assert found(ada, "rain") == []
    assert found(ada, "sunshine") == ["Walking in the sunshine"]


def test_a_deleted_post_is_no_longer_found(ada):
    post = write(ada, "Goodbye world")
    write(ada, "Hello world")
    posts.delete_post(ada, post.id)
    assert found(ada, "world") == ["Hello world"]
    assert found(ada, "goodbye") == []


def test_posts_of_a_deleted_account_are_no_longer_found(ada, bob):
    write(bob, "Bob's sandcastle")
    assert found(ada, "sandcastle") == ["Bob's sandcastle"]
    accounts.delete_account(bob, "correct horse battery staple")
    assert found(ada, "sandcastle") == []


def test_likes_leave_the_index_alone(ada, bob):
    post = write(bob, "Lighthouse keeper")
    posts.like(ada, post.id)
    assert found(ada, "lighthouse") == ["Lighthouse keeper"]


def test_posts_of_people_in_a_block_are_not_found_either_way(ada, bob, make_user):
    cy = make_user("cy")
    write(ada, "Ada's secret garden")
    write(bob, "Bob's secret garden")
    write(cy, "Cy's secret garden")
    social.block(ada, bob)
    assert sorted(found(ada, "secret garden")) == ["Ada's secret garden", "Cy's secret garden"]
    assert sorted(found(bob, "secret garden")) == ["Bob's secret garden", "Cy's secret garden"]
    social.unblock(ada, bob)
    assert len(found(ada, "secret garden")) == 3


def test_better_matches_come_first_then_newer_ones(ada, db):
    base = utcnow() - timedelta(hours=1)
    bodies = [
        "A long day: a walk, some bread, the market, a train, a book and, somewhere, a kite.",
        "Kite kite kite!",
        "One kite",
        "Another kite",
    ]
    for n, body in enumerate(bodies):
        db.session.add(Post(author_id=ada.id, body=body, created_at=base + timedelta(minutes=n)))
    db.session.commit()
    assert found(ada, "kite") == ["Kite kite kite!", "Another kite", "One kite", bodies[0]]


# Pages.


def test_more_results_follow_without_repeats_within_and_across_windows(ada, db, monkeypatch):
    monkeypatch.setattr(search_index, "RANK_WINDOW", 9)
    base = utcnow() - timedelta(days=1)
    for n in range(30):
        body = f"kite {n}" + (" kite" if n % 3 == 0 else "") if n % 2 == 0 else f"other {n}"
        db.session.add(Post(author_id=ada.id, body=body, created_at=base + timedelta(minutes=n)))
    db.session.commit()
    pages = []
    cursor = None
    while True:
        page = search.search_posts(ada, "kite", cursor=cursor, limit=3)
        pages.append([item.post.body for item in page.items])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    everything = [body for page in pages for body in page]
    assert sorted(everything) == sorted(f"kite {n}" + (" kite" if n % 3 == 0 else "") for n in range(0, 30, 2))
    assert all(len(page) == 3 for page in pages[:-1])
    # Within the newest window of nine matches (28, 26 ... 12), "kite kite" ones rank first.
    assert pages[0] == ["kite 24 kite", "kite 18 kite", "kite 12 kite"]


def test_a_post_written_meanwhile_does_not_shift_the_next_page(ada, db):
    for n in range(25):
        write(ada, f"tide {n}")
    first = search.search_posts(ada, "tide")
    write(ada, "tide new")
    second = search.search_posts(ada, "tide", cursor=first.next_cursor)
    shown = [item.post.body for item in first.items + second.items]
    assert len(shown) == 25 and len(set(shown)) == 25 and "tide new" not in shown


NEEDLES = {
    "every post": lambda n: True,
    "every other post": lambda n: n % 2 == 0,
    "one in five": lambda n: n % 5 == 0,
    "rare": lambda n: n % 40 == 0,
    "common lately, rare before": lambda n: (n >= 110 and n % 2 == 0) or n % 40 == 0,
}


@pytest.mark.parametrize("needles", NEEDLES.values(), ids=NEEDLES.keys())
def test_every_match_is_found_whichever_way_the_index_is_read(ada, db, monkeypatch, needles):
    """PostgreSQL walks the newest posts or asks the GIN index depending on how often the word
    appears there; small limits make each path run. SQLite reads FTS5 either way."""
    monkeypatch.setattr(search_index, "PROBE_ROWS", 10)
    monkeypatch.setattr(search_index, "MAX_SCAN_ROWS", 40)
    monkeypatch.setattr(search_index, "RANK_WINDOW", 8)
    base = utcnow() - timedelta(days=1)
    for n in range(120):
        body = f"needle {n}" if needles(n) else f"hay {n}"
        db.session.add(Post(author_id=ada.id, body=body, created_at=base + timedelta(minutes=n)))
    db.session.commit()
    assert sorted(found_everywhere(ada, "needle")) == sorted(f"needle {n}" for n in range(120) if needles(n))


def test_a_page_of_posts_takes_a_fixed_number_of_queries(ada, bob, db, backend):
    for n in range(30):
        posts.like(ada, write(bob, f"pebble {n}").id)
    db.session.refresh(ada)
    with counted_queries(db) as statements:
        page = search.search_posts(ada, "pebble")
    assert len(page.items) == 20
    # The window, the posts with their authors, the viewer's likes, the pictures; on PostgreSQL one
    # more to learn that the probe of the newest posts saw them all.
    assert len(statements) == (4 if backend == "sqlite" else 5), statements


# Through the web.


def test_results_page_shows_posts_with_matching_words_marked(client, login, ada, bob):
    write(bob, "Fresh bread and jam")
    login(ada)
    html = client.get("/search?q=bread").get_data(as_text=True)
    assert '<div class="post-body">Fresh <mark>bread</mark> and jam</div>' in html
    assert 'aria-current="page">Posts</a>' in html
    # The query stays in the header's box.
    assert 'name="q" value="bread"' in html


def test_hostile_text_stays_escaped_when_highlighted(client, login, ada, bob):
    write(bob, '<script>alert("x")</script> & <b>bold</b> amp lt quot "script" #script')
    login(ada)
    for query in ("script", "amp", "lt quot", "bold"):
        html = client.get("/search", query_string={"q": query, "tab": "posts"}).get_data(as_text=True)
        body = re.search(r'<div class="post-body">(.*?)</div>', html, re.S).group(1)
        assert "<script>" not in body and "<b>" not in body
        assert "&lt;<mark>script</mark>&gt;" in body or query != "script"
        # Only <mark> and the hashtag link are markup; entities are never cut open.
        assert set(re.findall(r"</?(\w+)", body)) <= {"mark", "a"}
        assert "&<mark>" not in body and "&#<mark>" not in body
    assert "&amp; &lt;b&gt;<mark>bold</mark>&lt;/b&gt;" in body


def test_highlighting_leaves_links_and_entities_alone():
    terms = search.query_terms("tags amp")
    html = templating.highlight(Markup('<a href="/tags/tags" class="hashtag">#tags</a> &amp; amp'), terms)
    assert str(html) == '<a href="/tags/tags" class="hashtag">#<mark>tags</mark></a> &amp; <mark>amp</mark>'


HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "coffee*",
    '"unclosed',
    "a AND OR NOT b",
    "NEAR(a b, 3)",
    "body:coffee",
    "-coffee",
    "^coffee",
    "a & b | !c",
    "coffee:* <-> tea",
    "!!!",
    "(((",
    "\\",
    "%_%",
    "\x00",
    "\u200b",
    "🙂 coffee",
    "東京",
    "@",
    "#",
    "@@bob",
    "##tag",
    "# tag",
    "x" * 5000,
    "a " * 3000,
    "word" * 200,
    "é" * 100,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, login, ada, query):
    write(ada, 'coffee "quoted" (parens) * stars NEAR AND body:coffee')
    login(ada)
    # A NUL is refused, with its reason, before any view runs (socialapp/inputs.py); the rest are searched.
    ok = 400 if "\x00" in query else 200
    for tab in ("posts", "people", "tags"):
        response = client.get("/search", query_string={"q": query, "tab": tab})
        assert response.status_code == ok, (tab, query)
        assert client.get("/search", query_string={"q": query, "tab": tab}, headers=HTMX).status_code == ok
    assert client.get("/search/suggestions", query_string={"q": query}).status_code == ok
    assert client.get("/search", query_string={"q": query}).status_code in (ok, 302)


def test_hostile_cursors_are_ignored(client, login, ada):
    write(ada, "coffee")
    login(ada)
    for cursor in ("x", "-1.0", "9" * 40, "1.99999999", "..", "0.0", "1e9"):
        for tab in ("posts", "people", "tags"):
            response = client.get("/search", query_string={"q": "coffee", "tab": tab, "cursor": cursor})
            assert response.status_code == 200, (tab, cursor)


def test_more_results_link_brings_the_next_page(client, login, ada):
    for n in range(23):
        write(ada, f"cloud {n}")
    login(ada)
    html = client.get("/search?q=cloud&tab=posts").get_data(as_text=True)
    assert html.count('class="post"') == 20
    next_url = re.search(r'hx-get="([^"]+)" hx-target="#more-posts-found">More results', html).group(1)
    more = client.get(next_url.replace("&amp;", "&"), headers=HTMX).get_data(as_text=True)
    assert more.count('class="post"') == 3 and "More results" not in more
    assert "<html" not in more


def test_people_tab_uses_people_search_and_hides_blocks(client, login, ada, make_user):
    make_user("adam", first_name="Adam", last_name="Smith")
    make_user("adele", first_name="Adele", last_name="Adkins")
    blocker = make_user("adrian", first_name="Adrian", last_name="Mole")
    social.block(blocker, ada)
    login(ada)
    html = client.get("/search?q=ad&tab=people").get_data(as_text=True)
    assert "Adam Smith" in html and "Adele Adkins" in html
    assert "Adrian" not in html
    assert 'aria-label="People found"' in html


def test_people_tab_pages_through_everyone(client, login, ada, make_user):
    for n in range(22):
        make_user(f"zed{n:02}")
    login(ada)
    html = client.get("/search?q=zed&tab=people").get_data(as_text=True)
    assert html.count('class="person row"') == 20
    next_url = re.search(r'href="([^"]+)" hx-get="[^"]+" hx-target="#more-people"', html).group(1)
    more = client.get(next_url.replace("&amp;", "&"), headers=HTMX).get_data(as_text=True)
    assert more.count('class="person row"') == 2


def test_hashtags_tab_lists_tags_by_prefix_with_post_counts(client, login, ada, bob):
    write(ada, "#travel #food")
    write(bob, "#travel again")
    write(bob, "#train")
    write(bob, "#coffee")
    login(ada)
    html = client.get("/search?q=%23tra&tab=tags").get_data(as_text=True)
    assert re.search(r"#travel</a> <span class=\"muted\">2 posts</span>", html)
    assert re.search(r"#train</a> <span class=\"muted\">1 post</span>", html)
    assert html.index("#travel") < html.index("#train")
    assert "#coffee" not in html and "#food" not in html
    assert search.search_hashtags(ada, "%").tags == []


def test_hash_or_at_queries_go_straight_to_the_tag_or_person(client, login, ada, bob, make_user):
    login(ada)
    assert client.get("/search?q=%23Coffee").headers["Location"] == "/tags/coffee"
    assert client.get("/search?q=@Bob").headers["Location"] == "/u/bob"
    # Nobody by that name: the People tab, searching for it.
    html = client.get("/search?q=@bobby").get_data(as_text=True)
    assert 'aria-current="page">People</a>' in html
    # Someone who blocks the viewer is not found, and not jumped to.
    mallory = make_user("mallory")
    social.block(mallory, ada)
    response = client.get("/search?q=@mallory")
    assert response.status_code == 200 and "Mallory" not in response.get_data(as_text=True)
    # An explicit tab is a search, not a jump.
    assert client.get("/search?q=%23coffee&tab=posts").status_code == 200


def test_suggestions_offer_people_and_hashtags_and_all_results(client, login, ada, bob):
    write(bob, "#bobsleigh race")
    login(ada)
    html = client.get("/search/suggestions?q=bob", headers=HTMX).get_data(as_text=True)
    assert 'id="search-suggestions"' in html
    assert "Bob Builder" in html and "#bobsleigh" in html
    assert "All results for “bob”" in html
    only_tags = client.get("/search/suggestions?q=%23bob", headers=HTMX).get_data(as_text=True)
    assert "#bobsleigh" in only_tags and "Bob Builder" not in only_tags
    only_people = client.get("/search/suggestions?q=@bob", headers=HTMX).get_data(as_text=True)
    assert "Bob Builder" in only_people and "#bobsleigh" not in only_people
    empty = client.get("/search/suggestions?q=", headers=HTMX).get_data(as_text=True)
    assert re.fullmatch(r'\s*<div id="search-suggestions"[^>]*></div>\s*', empty)


def test_every_page_has_the_search_box(client, login, ada):
    login(ada)
    html = client.get("/").get_data(as_text=True)
    assert '<label for="site-search-q"' in html and 'action="/search"' in html
    assert 'hx-get="/search/suggestions"' in html and "delay:300ms" in html


def test_empty_query_shows_how_to_search(client, login, ada):
    login(ada)
    assert "Search for people by name" in client.get("/search").get_data(as_text=True)
    assert "Search for people by name" in client.get("/search?q=%20%20").get_data(as_text=True)


def test_search_needs_a_logged_in_person(client):
    for path in ("/search?q=coffee", "/search/suggestions?q=coffee"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# The index beyond the app: migrations and backups.


@contextlib.contextmanager
def database_at(backend, tmp_path, revision):
    """An app on a new database of `backend` migrated up to `revision`."""
    from flask_migrate import upgrade

    from socialapp import create_app
    from socialapp.extensions import db
    from tests.conftest import app_config, new_postgres_database

    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = "sqlite:///" + str(tmp_path / "migrated.sqlite3")
        else:
            url = stack.enter_context(new_postgres_database("socialapp_search_migration"))
        other = create_app(app_config(url, tmp_path))
        with other.app_context():
            upgrade(revision=revision)
            try:
                yield other
            finally:
                db.session.remove()
                db.engine.dispose()


def user_as_stored_before_0007(username):
    """A user written as the schema before 0007 stored one: each row carried a session token, which the
    model no longer has, so the row is written with Core and read back through the model, leaving out the
    columns later migrations added (role, 0008; suspension, 0011)."""
    from socialapp.extensions import db

    stored = {column["name"] for column in sa.inspect(db.session.connection()).get_columns("users")}
    later = [c for c in User.__table__.columns if c.name not in stored]
    values = {
        c.name: c.default.arg
        for c in User.__table__.columns
        if c.name in stored and c.default is not None and c.default.is_scalar
    }
    now = utcnow()
    values |= {
        "username": username,
        "email": f"{username}@example.com",
        "password_hash": "!",
        "first_name": username.capitalize(),
        "last_name": "Tester",
        "created_at": now,
        "email_verified_at": now,
        "session_token": "0" * 16,
    }
    db.session.execute(sa.table("users", *map(sa.column, values)).insert().values(values))
    db.session.commit()
    later_attributes = [getattr(User, c.key) for c in later]
    deferred = [sa.orm.defer(attribute) for attribute in later_attributes]
    return db.session.scalar(sa.select(User).options(*deferred).filter_by(username=username))


def test_the_migration_indexes_posts_written_before_it_and_can_be_undone(backend, tmp_path):
    from flask_migrate import downgrade, upgrade

    from socialapp.extensions import db

    with database_at(backend, tmp_path, "0005"):
        old = user_as_stored_before_0007("old")
        posts.create_post(old, "Written before search existed")
        # PostgreSQL: the migration must not wait on what this session read after its commit.
        db.session.commit()
        upgrade()
        assert found(old, "existed") == ["Written before search existed"]
        db.session.commit()
        downgrade(revision="0005")
        upgrade()
        posts.create_post(old, "Written after search came back")
        assert sorted(found(old, "written")) == ["Written after search came back", "Written before search existed"]


def test_a_restored_backup_keeps_finding_posts(app, backend, ada, tmp_path):
    from socialapp.extensions import db
    from tests.test_backup import empty_instance

    write(ada, "Backed up with care")
    archive = str(tmp_path / "backup.tar.gz")
    assert app.test_cli_runner().invoke(args=["backup", archive]).exit_code == 0
    with empty_instance(backend, tmp_path) as other, other.app_context():
        try:
            result = other.test_cli_runner().invoke(args=["restore", archive])
            assert result.exit_code == 0, result.output
            restored = accounts.find_by_username("ada")
            assert found(restored, "care") == ["Backed up with care"]
            posts.edit_post(restored, posts.own_post(restored, 1).id, "Restored and edited")
            assert found(restored, "care") == []
            assert found(restored, "edited") == ["Restored and edited"]
        finally:
            db.session.remove()
            from tests.conftest import empty_database

            empty_database(db)
            db.engine.dispose()
