"""The post card and the profile's tabs in Chromium, on a phone and on a desktop: liking fills the heart and counts
on one line, copying a link, the More actions menu, deleting after a question, and switching tabs."""

import io
import itertools

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.pictures import picture_bytes

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def as_user(live_server, username, action):
    from socialapp.services import accounts

    with live_server.app.app_context():
        return action(accounts.find_by_username(username))


@pytest.fixture
def world(live_server):
    """Ada follows Bob; Bob has a post with words and one with a picture; Ada has a post of her own and likes
    Bob's post with words. Returns the posts' ids."""
    from werkzeug.datastructures import FileStorage

    from socialapp.services import accounts, posts, social

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    with live_server.app.app_context():
        ada, bob = accounts.find_by_username("ada"), accounts.find_by_username("bob")
        social.follow(ada, bob)
        words = posts.create_post(bob, "Bob's words")
        upload = FileStorage(io.BytesIO(picture_bytes(size=(600, 400))), "p.png")
        picture = posts.create_post(bob, "Bob's picture", [upload])
        mine = posts.create_post(ada, "Ada's own")
        posts.like(ada, words.id)
        return {"words": words.id, "picture": picture.id, "mine": mine.id}


def open_as_ada(open_page, live_server, size, **options):
    page = open_page(viewport=SIZES[size], **options)
    log_in(page, live_server, "ada")
    page.goto(live_server("/"))
    page.evaluate("window.__notReloaded = true")
    return page


def on_one_line(a, b):
    """Whether two boxes sit side by side on one line: their vertical middles meet and b starts after a."""
    first, second = a.bounding_box(), b.bounding_box()
    middle = lambda box: box["y"] + box["height"] / 2  # noqa: E731
    return abs(middle(first) - middle(second)) < 2 and second["x"] >= first["x"] + first["width"] - 1


@pytest.mark.parametrize("size", SIZES)
def test_like_fills_the_heart_and_counts_beside_it_on_one_line(open_page, live_server, world, size):
    page = open_as_ada(open_page, live_server, size)
    post = page.get_by_role("article").filter(has_text="Bob's picture")
    like = post.get_by_role("button", name="Like", exact=True)
    count = post.get_by_role("link", name="0 likes")
    expect(like).to_have_attribute("aria-pressed", "false")
    assert like.locator("svg").evaluate("svg => getComputedStyle(svg).fill") == "none"
    assert on_one_line(like, count)
    for box in (like.bounding_box(), count.bounding_box()):
        assert box["width"] >= 44 and box["height"] >= 44

    like.click()
    unlike = post.get_by_role("button", name="Unlike", exact=True)
    expect(unlike).to_have_attribute("aria-pressed", "true")
    count = post.get_by_role("link", name="1 like", exact=True)
    expect(count).to_be_visible()
    assert unlike.locator("svg").evaluate("svg => getComputedStyle(svg).fill") != "none"
    assert on_one_line(unlike, count)
    # The whole row is one line: like, its count, comments, copy link and the menu.
    row = [
        unlike,
        count,
        post.get_by_role("link", name="0 comments"),
        post.get_by_role("link", name="Copy link"),
        post.get_by_role("button", name="More actions"),
    ]
    for a, b in itertools.pairwise(row):
        assert on_one_line(a, b), (a, b)
    assert page.evaluate("window.__notReloaded") is True


@pytest.mark.parametrize("size", SIZES)
def test_copy_link_copies_the_posts_address_and_says_so(open_page, live_server, world, size):
    page = open_as_ada(open_page, live_server, size)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server())
    post = page.get_by_role("article").filter(has_text="Bob's words")
    post.get_by_role("link", name="Copy link").click()
    expect(page.locator("#toasts").get_by_role("status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == live_server(f"/p/{world['words']}")
    assert page.url == live_server("/")  # copied, not followed


def test_without_javascript_copy_link_is_a_link_to_the_post(open_page, live_server, world):
    page = open_page(java_script_enabled=False)
    log_in(page, live_server, "ada")
    page.goto(live_server("/"))
    post = page.get_by_role("article").filter(has_text="Bob's words")
    post.get_by_role("link", name="Copy link").click()
    expect(page).to_have_url(live_server(f"/p/{world['words']}"))


@pytest.mark.parametrize("size", SIZES)
def test_more_menu_has_edit_and_delete_on_own_posts_and_report_on_others(open_page, live_server, world, size):
    page = open_as_ada(open_page, live_server, size)
    mine = page.get_by_role("article").filter(has_text="Ada's own")
    more = mine.get_by_role("button", name="More actions")
    expect(mine.get_by_role("link", name="Edit post")).to_be_hidden()
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(mine.get_by_role("link", name="Edit post")).to_be_visible()
    delete = mine.get_by_role("button", name="Delete post")
    expect(delete).to_be_visible()
    box = delete.bounding_box()  # the menu opens on the screen, not off its side
    assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"], box
    expect(mine.get_by_role("link", name="Report post")).to_have_count(0)
    colour = delete.evaluate("button => getComputedStyle(button).color")
    red, green, blue = (int(n) for n in colour[colour.index("(") + 1 : -1].split(",")[:3])
    assert red > 150 and red > 2 * green and red > 2 * blue, colour  # destructive: red

    # Escape closes it and puts the focus back on its button.
    mine.get_by_role("link", name="Edit post").focus()
    page.keyboard.press("Escape")
    expect(delete).to_be_hidden()
    expect(more).to_be_focused()
    expect(more).to_have_attribute("aria-expanded", "false")

    # The keyboard opens it and goes through it; tabbing out of it closes it.
    page.keyboard.press("Enter")
    expect(delete).to_be_visible()
    page.keyboard.press("Tab")
    expect(mine.get_by_role("link", name="Edit post")).to_be_focused()
    page.keyboard.press("Tab")
    expect(delete).to_be_focused()
    page.keyboard.press("Tab")
    expect(delete).to_be_hidden()

    # A click anywhere outside closes it.
    more.click()
    expect(delete).to_be_visible()
    page.mouse.click(5, 300)
    expect(delete).to_be_hidden()

    theirs = page.get_by_role("article").filter(has_text="Bob's words")
    theirs.get_by_role("button", name="More actions").click()
    report = theirs.get_by_role("link", name="Report post")
    expect(report).to_be_visible()
    expect(report).to_have_attribute("href", f"/report/post/{world['words']}")
    expect(theirs.get_by_role("link", name="Edit post")).to_have_count(0)
    expect(theirs.get_by_role("button", name="Delete post")).to_have_count(0)
    # Opening one menu from the keyboard closes another.
    mine.get_by_role("button", name="More actions").focus()
    page.keyboard.press("Enter")
    expect(mine.get_by_role("link", name="Edit post")).to_be_visible()
    expect(report).to_be_hidden()


@pytest.mark.parametrize("size", SIZES)
def test_delete_asks_first(open_page, live_server, world, size):
    page = open_as_ada(open_page, live_server, size)
    mine = page.get_by_role("article").filter(has_text="Ada's own")
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    mine.get_by_role("button", name="More actions").click()
    mine.get_by_role("button", name="Delete post").click()
    expect(mine).to_be_visible()
    assert asked == ["Delete this post? This cannot be undone."]

    page.once("dialog", lambda dialog: answer(dialog, True))
    mine.get_by_role("button", name="Delete post").click()
    expect(page.get_by_text("Post deleted.")).to_be_visible()
    expect(page.get_by_role("article").filter(has_text="Ada's own")).to_have_count(0)
    assert len(asked) == 2 and page.evaluate("window.__notReloaded") is True


def test_without_javascript_delete_asks_on_a_page_of_its_own(open_page, live_server, world):
    page = open_page(java_script_enabled=False)
    log_in(page, live_server, "ada")
    page.goto(live_server("/"))
    mine = page.get_by_role("article").filter(has_text="Ada's own")
    mine.get_by_role("button", name="More actions").click()
    mine.get_by_role("button", name="Delete post").click()
    expect(page.get_by_role("heading", name="Delete this post?")).to_be_visible()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.get_by_text("Your post is deleted.")).to_be_visible()
    expect(page.get_by_text("Ada's own")).to_have_count(0)


@pytest.mark.parametrize("size", SIZES)
def test_comment_count_leads_to_the_comment_box(open_page, live_server, world, size):
    page = open_as_ada(open_page, live_server, size)
    page.get_by_role("article").filter(has_text="Bob's words").get_by_role("link", name="0 comments").click()
    expect(page).to_have_url(live_server(f"/p/{world['words']}#comments"))
    page.get_by_role("article").get_by_role("link", name="0 comments").click()
    expect(page.get_by_label("Write a comment")).to_be_focused()


@pytest.mark.parametrize("size", SIZES)
def test_profile_tabs_switch_and_show_the_right_posts_with_the_post_count(open_page, live_server, world, size):
    page = open_page(viewport=SIZES[size])
    log_in(page, live_server, "ada")
    page.goto(live_server("/u/bob"))
    expect(page.get_by_text("2 posts", exact=True)).to_be_visible()
    tabs = page.get_by_role("navigation", name="Bob Builder's posts")
    expect(tabs.get_by_role("link", name="Posts")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("region", name="Posts").get_by_role("article")).to_have_count(2)

    tabs.get_by_role("link", name="Media").click()
    expect(page).to_have_url(live_server("/u/bob/media"))
    expect(tabs.get_by_role("link", name="Media")).to_have_attribute("aria-current", "page")
    expect(tabs.get_by_role("link", name="Posts")).not_to_have_attribute("aria-current", "page")
    posts = page.get_by_role("region", name="Media").get_by_role("article")
    expect(posts).to_have_count(1)
    expect(posts.first).to_contain_text("Bob's picture")
    expect(posts.first.get_by_role("img", name="Picture 1 of 1, not described")).to_be_visible()

    tabs.get_by_role("link", name="Likes").click()
    expect(page).to_have_url(live_server("/u/bob/likes"))
    expect(page.get_by_text("No liked posts yet.")).to_be_visible()

    page.goto(live_server("/u/ada/likes"))
    expect(page.get_by_text("1 post", exact=True)).to_be_visible()
    tabs = page.get_by_role("navigation", name="Ada Lovelace's posts")
    expect(tabs.get_by_role("link", name="Likes")).to_have_attribute("aria-current", "page")
    posts = page.get_by_role("region", name="Likes").get_by_role("article")
    expect(posts).to_have_count(1)
    expect(posts.first).to_contain_text("Bob's words")
    expect(posts.first.get_by_role("button", name="Unlike", exact=True)).to_have_attribute("aria-pressed", "true")
    for name in ("Posts", "Media", "Likes"):
        box = tabs.get_by_role("link", name=name).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44


def test_a_likes_tab_loads_more_as_it_is_scrolled(open_page, live_server, world):
    from socialapp.services import feed, posts

    for n in range(feed.PAGE_SIZE + 2):
        post_id = as_user(live_server, "bob", lambda bob, n=n: posts.create_post(bob, f"Numbered {n}").id)
        as_user(live_server, "ada", lambda ada, post_id=post_id: posts.like(ada, post_id))
    page = open_page(viewport=SIZES["phone"])
    log_in(page, live_server, "ada")
    page.goto(live_server("/u/ada/likes"))
    articles = page.get_by_role("region", name="Likes").get_by_role("article")
    expect(articles).to_have_count(feed.PAGE_SIZE)
    page.get_by_role("link", name="Older posts").scroll_into_view_if_needed()
    expect(articles).to_have_count(feed.PAGE_SIZE + 3)
    expect(articles.last).to_contain_text("Bob's words")  # the oldest like comes last
