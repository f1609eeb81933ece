"""Grouped notifications in Chromium, on a phone and a desktop: likes on one post arrive live as one item,
opening it marks it read and leads to the post, and "Mark all as read" clears the bell."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility_browser import AXE, FAILING, RUN_AXE
from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def as_user(live_server, username, action):
    from socialapp.services import accounts

    with live_server.app.app_context():
        return action(accounts.find_by_username(username))


def follow(live_server, follower, followed):
    from socialapp.services import accounts, social

    with live_server.app.app_context():
        social.follow(accounts.find_by_username(follower), accounts.find_by_username(followed))


def like_in_browser(open_browser, live_server, username, post_id):
    other = open_browser(username)
    other.goto(live_server(f"/p/{post_id}"))
    other.get_by_role("button", name="Like", exact=True).click()
    expect(other.get_by_role("button", name="Unlike", exact=True)).to_be_visible()
    other.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_two_likes_arrive_as_one_item_that_opening_marks_read(open_page, open_browser, live_server, width):
    from socialapp.services import posts

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    live_server.make_user("cy", first_name="Cy", last_name="Young")
    live_server.make_user("dee", first_name="Dee", last_name="Dee")
    post_id = as_user(live_server, "ada", lambda ada: posts.create_post(ada, "First words of a long day").id)
    page = open_page(viewport={"width": width, "height": 844}, bypass_csp=True)  # to inject axe
    log_in(page, live_server, "ada")
    page.goto(live_server("/notifications"))
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    page.evaluate("window.__notReloaded = true")
    listed = page.get_by_role("list", name="Notifications")

    like_in_browser(open_browser, live_server, "bob", post_id)
    expect(listed.get_by_role("link", name=re.compile(r"Bob Builder liked your post .First words"))).to_be_visible()
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()

    like_in_browser(open_browser, live_server, "cy", post_id)
    item = listed.get_by_role("link", name=re.compile(r"Cy Young and 1 other liked your post .First words of a long"))
    expect(item).to_be_visible()
    expect(listed.get_by_role("listitem")).to_have_count(1)  # the group's row was replaced, not added to
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    item.click()
    expect(page).to_have_url(live_server(f"/p/{post_id}"))
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()

    follow(live_server, "dee", "ada")
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
    page.get_by_role("button", name="Notifications, 1 unread").click()
    menu = page.get_by_role("list", name="Latest notifications")
    expect(menu.get_by_role("link", name=re.compile("Dee Dee started following you"))).to_be_visible()
    expect(menu.get_by_role("link", name=re.compile("Cy Young and 1 other liked your post"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    page.add_script_tag(path=str(AXE))
    serious = [v for v in page.evaluate(RUN_AXE) if v["impact"] in FAILING]
    assert serious == [], serious
    menu.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    expect(menu.get_by_role("button", name="Mark all as read")).to_be_focused()  # the menu was swapped
    expect(menu.get_by_role("link", name=re.compile("^Unread"))).to_have_count(0)
