"""Feedback on every action, in Chromium: a request in flight shows it, a failed one says so and can be retried,
focus follows each swap, and live counts are announced."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.pictures import picture_bytes

pytestmark = pytest.mark.browser


def as_user(live_server, username, action):
    from socialapp.services import accounts

    with live_server.app.app_context():
        return action(accounts.find_by_username(username))


def bob_posts_and_ada_follows(live_server):
    from socialapp.services import accounts, posts, social

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    post_id = as_user(live_server, "bob", lambda bob: posts.create_post(bob, "Bob's news").id)
    as_user(live_server, "ada", lambda ada: social.follow(ada, accounts.find_by_username("bob")))
    return post_id


def bob_follows_ada(live_server):
    from socialapp.services import accounts, social

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    as_user(live_server, "bob", lambda bob: social.follow(bob, accounts.find_by_username("ada")))


# Each action: how to set it up, the URL its request goes to, how a person starts it (returning the control
# that must show it is busy), what must still be true after a failure, and what shows it was done.
def like_setup(server):
    bob_posts_and_ada_follows(server)
    return "/"


def like_start(page):
    button = page.get_by_role("article", name="Bob Builder").get_by_role("button", name="Like", exact=True)
    button.click()
    return button


def like_unchanged(page):
    post = page.get_by_role("article", name="Bob Builder")
    expect(post.get_by_role("button", name="Like", exact=True)).to_have_attribute("aria-pressed", "false")
    expect(post.get_by_role("link", name="0 likes")).to_be_visible()


def like_done(page):
    post = page.get_by_role("article", name="Bob Builder")
    expect(post.get_by_role("button", name="Unlike", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(post.get_by_role("link", name="1 like", exact=True)).to_be_visible()


def follow_setup(server):
    server.make_user("ada", first_name="Ada", last_name="Lovelace")
    server.make_user("bob", first_name="Bob", last_name="Builder")
    return "/u/bob"


def follow_start(page):
    button = page.get_by_role("button", name="Follow Bob Builder", exact=True)
    button.click()
    return button


def follow_unchanged(page):
    expect(page.get_by_role("button", name="Follow Bob Builder", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Unfollow Bob Builder")).to_have_count(0)


def follow_done(page):
    expect(page.get_by_role("button", name="Unfollow Bob Builder")).to_be_visible()


def comment_setup(server):
    return f"/p/{bob_posts_and_ada_follows(server)}"


def comment_start(page):
    page.get_by_label("Write a comment").fill("Nice one")
    button = page.get_by_role("button", name="Comment", exact=True)
    button.click()
    return button


def comment_unchanged(page):
    expect(page.get_by_label("Write a comment")).to_have_value("Nice one")
    expect(page.get_by_role("article", name=re.compile("Ada Lovelace"))).to_have_count(0)


def comment_done(page):
    expect(page.get_by_role("article", name=re.compile("Ada Lovelace")).get_by_text("Nice one")).to_be_visible()
    expect(page.get_by_label("Write a comment")).to_have_value("")


def post_setup(server):
    server.make_user("ada", first_name="Ada", last_name="Lovelace")
    return "/"


def post_start(page):
    page.get_by_label("New post").fill("Two photos")
    page.get_by_label("Pictures").set_input_files(
        [{"name": f"p{i}.png", "mimeType": "image/png", "buffer": picture_bytes(size=(900, 600))} for i in (1, 2)]
    )
    button = page.get_by_role("button", name="Post", exact=True)
    button.click()
    # Pictures going up show their progress.
    expect(page.locator("#post-form progress")).to_be_visible()
    return button


def post_unchanged(page):
    expect(page.get_by_label("New post")).to_have_value("Two photos")
    expect(page.locator("#post-form progress")).to_have_count(0)
    expect(page.get_by_role("article", name="Ada Lovelace")).to_have_count(0)


def post_done(page):
    expect(page.get_by_role("article", name="Ada Lovelace").get_by_text("Two photos")).to_be_visible()


def chat_setup(server):
    server.make_user("ada", first_name="Ada", last_name="Lovelace")
    server.make_user("bob", first_name="Bob", last_name="Builder")
    return "/chat/bob"


def chat_start(page):
    page.get_by_role("textbox", name="Message").fill("Hello Bob")
    button = page.get_by_role("button", name="Send", exact=True)
    button.click()
    return button


def chat_unchanged(page):
    expect(page.get_by_role("textbox", name="Message")).to_have_value("Hello Bob")
    expect(page.get_by_role("log").get_by_text("Hello Bob")).to_have_count(0)


def chat_done(page):
    expect(page.get_by_role("log").get_by_text("Hello Bob")).to_be_visible()
    expect(page.get_by_role("textbox", name="Message")).to_have_value("")


def read_setup(server):
    bob_follows_ada(server)
    return "/notifications"


def read_start(page):
    button = page.get_by_role("button", name="Mark all as read")
    button.click()
    return button


def read_unchanged(page):
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
    expect(page.get_by_role("link", name="Unread: Bob Builder started following you")).to_be_visible()


def read_done(page):
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Bob Builder started following you"))).to_be_visible()


ACTIONS = {
    "like": (like_setup, "**/p/*/like", like_start, like_unchanged, like_done),
    "follow": (follow_setup, "**/u/bob/follow", follow_start, follow_unchanged, follow_done),
    "comment": (comment_setup, "**/p/*/comments", comment_start, comment_unchanged, comment_done),
    "post": (post_setup, "**/posts", post_start, post_unchanged, post_done),
    "chat send": (chat_setup, "**/chat/bob/messages", chat_start, chat_unchanged, chat_done),
    "mark all as read": (read_setup, "**/notifications/read-all", read_start, read_unchanged, read_done),
}


def fail(route, how):
    if how == "abort":
        route.abort("internetdisconnected")
    else:
        route.fulfill(
            status=how, content_type="text/html", body=f"<html><body><h1>{how} from a proxy</h1></body></html>"
        )


def expect_busy(control):
    expect(control).to_be_disabled()
    expect(control).to_have_attribute("aria-busy", "true")
    spinner = control.evaluate("button => getComputedStyle(button, '::before').backgroundImage")
    assert spinner.startswith("url("), spinner


# Times, in the page's clock, of the first click and of the first control marked busy after it.
WATCH_BUSY = """() => {
  window.__clickAt = window.__busyAt = null;
  document.addEventListener("click", () => { window.__clickAt ??= performance.now(); }, true);
  new MutationObserver(() => {
    if (window.__clickAt !== null && document.querySelector("[aria-busy='true']")) window.__busyAt ??= performance.now();
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["aria-busy"] });
}"""
SHOWN_WITHIN = 100  # ms from the click to the busy control


def expect_busy_at_once(page, control):
    expect_busy(control)
    shown = page.evaluate("window.__busyAt - window.__clickAt")
    assert 0 <= shown <= SHOWN_WITHIN, f"the control showed it was busy {shown:.0f} ms after the click"


# Every action with every way its request can go: held back and then answered (a slow server), or held
# back and then cut off, or answered 500 by the app's server or 502 by a proxy in front of it.
HOWS = ("delay", "abort", 500, 502)


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_shows_it_is_in_flight_and_a_failure_offers_a_retry(open_page, live_server, action, how):
    setup, url, start, unchanged, done = ACTIONS[action]
    path = setup(live_server)
    width = 390 if (list(ACTIONS).index(action) + HOWS.index(how)) % 2 == 0 else 1280
    page = open_page(viewport={"width": width, "height": 844})
    log_in(page, live_server, "ada")
    page.goto(live_server(path))
    page.evaluate("window.__notReloaded = true")
    page.evaluate(WATCH_BUSY)

    held = []
    page.route(url, lambda route: held.append(route) if route.request.method == "POST" else route.fallback())
    control = start(page)
    expect_busy_at_once(page, control)
    page.wait_for_timeout(300)  # still in flight, and still showing it
    expect_busy(control)
    assert len(held) == 1
    toast = page.locator("#toasts .toast")

    if how == "delay":
        held[0].continue_()
        done(page)
        expect(toast).to_have_count(0)
        expect(page.locator("[aria-busy='true']")).to_have_count(0)  # the control, or its replacement
        assert page.evaluate("window.__notReloaded") is True
        return

    fail(held[0], how)
    expect(toast).to_have_count(1)
    expect(toast).to_have_attribute("role", "alert")
    expect(toast).to_contain_text("Not done.")
    expect(toast).to_contain_text("could not be reached" if how == "abort" else f"answered {how}")
    expect(control).to_be_enabled()
    expect(control).not_to_have_attribute("aria-busy", "true")
    unchanged(page)

    page.unroute(url)
    toast.get_by_role("button", name="Retry").click()
    expect(toast).to_have_count(0)
    done(page)
    assert page.evaluate("window.__notReloaded") is True


def test_the_apps_own_error_is_its_own_toast_not_a_second_one(open_page, live_server):
    """A 404 from the app comes as its toast (HX-Retarget: #toasts), so no "Not done." toast is added."""
    bob_posts_and_ada_follows(live_server)
    page = open_page()
    log_in(page, live_server, "ada")
    page.goto(live_server("/"))
    page.route("**/p/*/like", lambda route: route.continue_(url=live_server("/p/999999/like")))
    page.get_by_role("button", name="Like", exact=True).click()
    expect(page.locator("#toasts .toast")).to_have_count(1)
    expect(page.locator("#toasts .toast")).not_to_contain_text("Not done.")
    like_unchanged(page)


def test_a_request_that_times_out_says_so(open_page, live_server):
    bob_posts_and_ada_follows(live_server)
    page = open_page()
    log_in(page, live_server, "ada")
    page.goto(live_server("/"))
    page.evaluate("htmx.config.defaultTimeout = 500")
    held = []
    page.route("**/p/*/like", lambda route: held.append(route))
    button = like_start(page)
    expect(page.locator("#toasts .toast")).to_contain_text("took too long")
    expect(button).to_be_enabled()
    like_unchanged(page)
    page.unroute_all(behavior="ignoreErrors")


def focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement; return e === document.body || !e ? 'body' :"
        " (e.getAttribute('aria-label') || e.labels?.[0]?.textContent.trim() || e.textContent.trim().slice(0, 60)) }"
    )


def tab_to(page, name, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if re.fullmatch(name, focused(page) or ""):
            return
    raise AssertionError(f"Tab never reached {name!r}")


@pytest.mark.parametrize("width", [390, 1280])
def test_keyboard_only_like_follow_comment_and_chat_keep_focus_off_the_body(open_page, live_server, width):
    post_id = bob_posts_and_ada_follows(live_server)
    page = open_page(viewport={"width": width, "height": 844})
    log_in(page, live_server, "ada")

    page.goto(live_server("/"))
    tab_to(page, "Like")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Unlike", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Unlike", exact=True)).to_be_focused()

    page.goto(live_server("/u/bob"))
    tab_to(page, "Unfollow Bob Builder")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Follow Bob Builder", exact=True)).to_be_focused()

    page.goto(live_server(f"/p/{post_id}"))
    tab_to(page, "Write a comment")
    page.keyboard.type("Typed by keyboard")
    page.keyboard.press("Tab")
    assert focused(page) == "Comment"
    page.keyboard.press("Enter")
    new_comment = page.get_by_role("article", name=re.compile("Ada Lovelace"))
    expect(new_comment).to_be_focused()
    expect(new_comment).to_contain_text("Typed by keyboard")

    page.goto(live_server("/chat/bob"))
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    page.keyboard.type("Hi from the keys")
    page.keyboard.press("Enter")
    expect(page.get_by_role("log").get_by_text("Hi from the keys")).to_be_visible()
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    assert focused(page) != "body"


def test_a_live_count_change_is_announced(open_page, open_browser, live_server):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    page = open_page()
    log_in(page, live_server, "ada")
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    region = page.locator("#live-counts")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_text("")

    other = open_browser("bob")
    other.goto(live_server("/u/ada"))
    other.get_by_role("button", name="Follow Ada Lovelace", exact=True).click()
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
    expect(region).to_have_text("1 unread notification")

    other.goto(live_server("/chat/ada"))
    other.get_by_role("textbox", name="Message").fill("Hello Ada")
    other.get_by_role("textbox", name="Message").press("Enter")
    expect(region).to_contain_text("1 unread chat message")
    other.context.close()
