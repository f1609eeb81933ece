"""The layout at phone, tablet and desktop widths, in both themes: nothing scrolls sideways on any page a person
can open, the tab bar and the navigation column show where they should, the account menu stays on screen, and
what a thumb aims at on a phone is at least 44 px each way."""

import pytest
from playwright.sync_api import expect

from tests.conftest import app_config, empty_database
from tests.support.browser import LiveServer, session_cookie
from tests.support.landing import GUEST_PAGES, member_pages

pytestmark = pytest.mark.browser

WIDTHS = (360, 390, 768, 1280)
THEMES = ("light", "dark")
TABS = ("Home", "Search", "Chat", "Meetings")


def seed(app):
    """Ada (an admin) and Bob, who follow each other, with a long post, comments, a chat and a meeting; Cy, a
    suggestion; and a link to reset Bob's password."""
    from socialapp.extensions import db
    from socialapp.services import chat, comments, meetings, moderation, posts, social, tokens
    from tests.support.factories import make_user

    with app.app_context():
        ada = make_user("ada", first_name="Ada", last_name="Lovelace-Byron-Kingsworth", role="admin")
        bob = make_user("bob", first_name="Bob", last_name="Builder")
        make_user("cy", first_name="Cy", last_name="Twombly")
        social.follow(ada, bob)
        social.follow(bob, ada)
        long_word = "supercalifragilistic" * 6
        post = posts.create_post(bob, f"A long word #layout {long_word} and a link https://example.com/{long_word}")
        posts.create_post(ada, "Hello from the layout test")
        comment = comments.add_comment(ada, post.id, f"A comment with {long_word}")
        own = posts.create_post(ada, f"Mine to edit {long_word}")
        chat.send_message(bob, ada, f"Hi Ada! {long_word}")
        chat.send_message(ada, bob, "Hi Bob")
        room_id = meetings.create_meeting(ada.id, "A standup with a rather long title for a small screen").room_id
        reset = tokens.make_token("reset", {"uid": bob.id, "fp": tokens.fingerprint(bob.password_hash)})
        db.session.commit()
        report = moderation.report(ada, "post", post.id, "spam", f"Looks like spam {long_word}")
        ids = {"post": post.id, "own": own.id, "comment": comment.id, "room": room_id, "reset": reset}
        return ada.id, {**ids, "bob": bob.id, "report": report.id}


@pytest.fixture(scope="module")
def world(browser_database_url, tmp_path_factory):
    """One server and one seeded world for the whole module; each test only reads it."""
    from socialapp import create_app
    from socialapp.extensions import db

    app = create_app(app_config(browser_database_url, tmp_path_factory.mktemp("layout")))
    server = LiveServer(app)
    server.start()
    ada_id, ids = seed(app)
    pages = member_pages(
        ids["post"], ids["own"], ids["comment"], ids["room"], "bob", "cy", "layout", ids["bob"], ids["report"]
    )
    guest_pages = [*GUEST_PAGES, f"/password/reset/{ids['reset']}"]
    yield {
        "server": server,
        "cookie": session_cookie(app, ada_id),
        "pages": pages,
        "guest_pages": guest_pages,
        "ids": ids,
    }
    server.stop()
    with app.app_context():
        db.session.remove()
        empty_database(db)
        db.engine.dispose()


def open_context(browser, world, width, theme, logged_in=True):
    server = world["server"]
    # The theme cookie picks the theme; the system's colour scheme says the same, as a phone set to dark would.
    context = browser.new_context(viewport={"width": width, "height": 844 if width < 768 else 900}, color_scheme=theme)
    cookies = [{"name": "theme", "value": theme, "url": server()}]
    if logged_in:
        name, value = world["cookie"].split("=", 1)
        cookies.append({"name": name, "value": value, "url": server()})
    context.add_cookies(cookies)
    context.set_default_timeout(10_000)
    return context


def sideways_overflow(page):
    """How many px the page is wider than the window, and the widest offender, to say why."""
    return page.evaluate(
        """() => {
            const extra = document.documentElement.scrollWidth - window.innerWidth;
            if (extra <= 0) return null;
            const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1);
            const e = wide[wide.length - 1];
            return `${extra}px too wide; e.g. <${e.tagName.toLowerCase()} class="${e.className}">`;
        }"""
    )


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(browser, world, width, theme):
    problems = []
    for logged_in, paths in ((True, world["pages"]), (False, world["guest_pages"])):
        context = open_context(browser, world, width, theme, logged_in)
        page = context.new_page()
        for path in paths:
            response = page.goto(world["server"](path))
            assert response.status < 500, (path, response.status)
            assert page.evaluate("document.documentElement.dataset.theme") == theme
            overflow = sideways_overflow(page)
            if overflow:
                problems.append(f"{path} ({'logged in' if logged_in else 'guest'}): {overflow}")
        context.close()
    assert not problems, f"at {width} px, {theme}:\n" + "\n".join(problems)


def test_phone_has_a_tab_bar_and_an_account_menu_on_screen(browser, world):
    context = open_context(browser, world, 390, "light")
    page = context.new_page()
    page.goto(world["server"]("/"))
    tabs = page.get_by_role("navigation", name="Main")
    expect(tabs).to_be_visible()
    assert tabs.bounding_box()["y"] + tabs.bounding_box()["height"] == pytest.approx(844, abs=1)
    for name in TABS:
        link = tabs.get_by_role("link", name=name)
        expect(link).to_be_visible()
        assert link.bounding_box()["height"] >= 44
        assert link.bounding_box()["width"] >= 44
    bell = tabs.get_by_role("button", name="Notifications")
    expect(bell).to_be_visible()
    assert bell.bounding_box()["height"] >= 44

    menu = page.get_by_role("button", name="Account menu")
    box = menu.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    avatar = menu.locator(".avatar").bounding_box()
    assert avatar["width"] == pytest.approx(avatar["height"], abs=0.5)
    menu.click()
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_visible()
    expect(log_out).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("link", name="Account settings")).to_be_in_viewport(ratio=1)

    tabs.get_by_role("link", name="Chat").click()
    expect(page).to_have_url(world["server"]("/chat/"))
    expect(tabs.get_by_role("link", name="Chat")).to_have_attribute("aria-current", "page")
    context.close()


def test_desktop_has_a_navigation_column_and_no_tab_bar(browser, world):
    context = open_context(browser, world, 1280, "dark")
    page = context.new_page()
    page.goto(world["server"]("/"))
    nav = page.get_by_role("navigation", name="Main")
    main = page.locator("main")
    expect(nav).to_be_visible()
    # A column on the left, beside the main column, rather than a bar across the bottom.
    assert nav.bounding_box()["x"] + nav.bounding_box()["width"] <= main.bounding_box()["x"]
    # Its entries are stacked, not spread across a bar at the bottom.
    home, search = (nav.get_by_role("link", name=name).bounding_box() for name in ("Home", "Search"))
    assert search["y"] > home["y"] and search["x"] == home["x"]
    assert nav.bounding_box()["y"] < 200
    for name in TABS:
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(nav.get_by_text("Search", exact=True)).to_be_visible()
    # The side column suggests people beside the feed.
    aside = page.get_by_role("complementary", name="Who to follow")
    expect(aside.get_by_role("link", name="Cy Twombly")).to_be_visible()
    assert aside.bounding_box()["x"] > main.bounding_box()["x"] + 300
    context.close()


def test_search_is_the_one_place_to_find_people(browser, world):
    context = open_context(browser, world, 390, "light")
    page = context.new_page()
    page.goto(world["server"]("/"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="People")).to_have_count(0)
    expect(nav.get_by_role("link", name="Find people")).to_have_count(0)
    nav.get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", name="Suggested for you")).to_be_visible()
    expect(page.get_by_role("list", name="Suggestions").get_by_role("link", name="Cy Twombly")).to_be_visible()
    page.get_by_role("link", name="All suggestions").click()
    expect(page.get_by_role("heading", name="People to follow")).to_be_visible()
    context.close()


# Every link and button a thumb aims at on a phone: the header, the tab bar and each post's action row.
TOUCH_AREAS = ".site-header, nav.app-nav, .post-actions"
SMALL_TARGETS = """(areas) => [...document.querySelectorAll(areas)].flatMap(area =>
  [...area.querySelectorAll("a[href], button, summary, input:not([type=hidden])")].filter(e => e.checkVisibility())
    .map(e => [e, e.getBoundingClientRect()]).filter(([e, box]) => box.width < 44 || box.height < 44)
    .map(([e, box]) => `${area.className.split(" ")[0]}: <${e.tagName.toLowerCase()}> ` +
      `"${(e.getAttribute("aria-label") || e.textContent || e.name).trim().replace(/\\s+/g, " ")}" ` +
      `${Math.round(box.width)}x${Math.round(box.height)}`))"""


@pytest.mark.parametrize("logged_in", [True, False], ids=["logged in", "guest"])
def test_phone_touch_targets_are_at_least_44_px(browser, world, logged_in):
    context = open_context(browser, world, 390, "light", logged_in)
    page = context.new_page()
    small = []
    paths = ["/", f"/p/{world['ids']['post']}", "/u/ada", "/search?q=layout&tab=posts"] if logged_in else ["/login"]
    for path in paths:
        page.goto(world["server"](path))
        if logged_in:
            expect(page.locator(".post-actions").first).to_be_visible()
        small += [f"{path} {target}" for target in page.evaluate(SMALL_TARGETS, TOUCH_AREAS)]
    context.close()
    assert not small, "smaller than 44x44 px at 390 px wide:\n" + "\n".join(small)
