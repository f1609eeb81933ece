"""The bell counts live; its menu lists the latest and marks them read."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def test_the_bell_counts_a_new_follower_without_a_reload_and_its_menu_marks_read(live_server, page, open_browser):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    log_in(page, live_server, "ada")
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    page.evaluate("window.__notReloaded = true")

    other = open_browser("bob")
    other.goto(live_server("/u/ada"))
    other.get_by_role("button", name="Follow Ada Lovelace", exact=True).click()
    expect(other.get_by_role("button", name="Unfollow Ada Lovelace")).to_be_visible()

    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    page.get_by_role("button", name="Notifications, 1 unread").click()
    menu = page.get_by_role("list", name="Latest notifications")
    expect(menu.get_by_role("link", name="Bob Builder started following you")).to_be_visible()
    menu.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True

    page.get_by_role("link", name="See all notifications").click()
    expect(page.get_by_role("link", name="Bob Builder started following you")).to_be_visible()
    other.context.close()
