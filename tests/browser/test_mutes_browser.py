"""Mute, clicked through in Chromium: the muter stops seeing the muted person, a third person does not, and
the settings list undoes it."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_posts_browser import as_user, assert_not_reloaded, mark_page

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_mute_hides_posts_and_notifications_from_the_muter_only_and_settings_undo_it(live_server, open_browser, size):
    from socialapp.services import accounts, posts, social

    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    live_server.make_user("cy", first_name="Cy", last_name="Twombly")
    for name in ("ada", "cy"):
        as_user(live_server, name, lambda user: social.follow(user, accounts.find_by_username("bob")))
    as_user(live_server, "bob", lambda bob: posts.create_post(bob, "Loud opinions about bread"))
    ada_post = as_user(live_server, "ada", lambda ada: posts.create_post(ada, "Ada's quiet morning").id)
    cy_post = as_user(live_server, "cy", lambda cy: posts.create_post(cy, "Cy's sketch").id)

    ada = open_browser("ada", viewport=SIZES[size])
    cy = open_browser("cy", viewport=SIZES[size])
    for page in (ada, cy):
        expect(page.get_by_text("Loud opinions about bread")).to_be_visible()

    # Ada mutes Bob from his profile, without a reload; his posts still show there, with a note.
    ada.goto(live_server("/u/bob"))
    mark_page(ada)
    ada.get_by_role("button", name="Mute Bob Builder", exact=True).click()
    expect(ada.get_by_role("status").filter(has_text="You muted @bob.")).to_be_visible()
    expect(ada.get_by_role("button", name="Unmute Bob Builder")).to_be_focused()
    expect(ada.get_by_role("button", name="Unfollow Bob Builder")).to_be_visible()
    expect(ada.get_by_text("Loud opinions about bread")).to_be_visible()
    assert_not_reloaded(ada)

    # Home: gone for Ada, still there for Cy.
    ada.goto(live_server("/"))
    expect(ada.get_by_text("Ada's quiet morning")).to_be_visible()
    expect(ada.get_by_text("Loud opinions about bread")).to_have_count(0)
    cy.goto(live_server("/"))
    expect(cy.get_by_text("Loud opinions about bread")).to_be_visible()

    # Bob likes both their posts: Cy's bell counts it live; Ada's stays at zero, then and after a reload.
    for post_id in (ada_post, cy_post):
        as_user(live_server, "bob", lambda bob, post_id=post_id: posts.like(bob, post_id))
    expect(cy.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
    expect(ada.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    ada.reload()
    expect(ada.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()

    # The settings list undoes the mute in place.
    ada.get_by_role("button", name="Account menu").click()
    ada.get_by_role("link", name="Muted and blocked people").click()
    expect(ada.get_by_role("heading", name="Muted and blocked people", level=1)).to_be_visible()
    muted = ada.get_by_role("list", name="Muted people")
    expect(muted.get_by_role("link", name="Bob Builder")).to_be_visible()
    mark_page(ada)
    muted.get_by_role("button", name="Unmute Bob Builder").click()
    expect(muted.get_by_role("status")).to_have_text("Unmuted.")
    expect(muted.get_by_role("button", name="Mute Bob Builder", exact=True)).to_be_visible()
    assert_not_reloaded(ada)

    ada.goto(live_server("/"))
    expect(ada.get_by_text("Loud opinions about bread")).to_be_visible()
    expect(ada.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
