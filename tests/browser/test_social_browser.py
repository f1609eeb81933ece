"""Following and blocking, clicked through in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def test_follow_then_unfollow_from_a_profile_without_a_reload(page, live_server):
    live_server.make_user("ada")
    live_server.make_user("bob", first_name="Bob", last_name="Builder")
    log_in(page, live_server, "ada")
    page.goto(live_server("/u/bob"))
    page.evaluate("window.__notReloaded = true")
    followers = page.get_by_role("link", name=re.compile(r"followers?$"))
    expect(followers).to_have_text("0 followers")
    page.get_by_role("button", name="Follow Bob Builder", exact=True).click()
    expect(page.get_by_role("button", name="Unfollow Bob Builder")).to_be_visible()
    expect(followers).to_have_text("1 follower")
    page.get_by_role("button", name="Unfollow Bob Builder").click()
    expect(page.get_by_role("button", name="Follow Bob Builder", exact=True)).to_be_visible()
    expect(followers).to_have_text("0 followers")
    assert page.evaluate("window.__notReloaded") is True


def test_blocked_person_vanishes_from_suggestions_and_search(page, live_server):
    live_server.make_user("ada")
    live_server.make_user("mallory", first_name="Mallory", last_name="Moe")
    log_in(page, live_server, "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    suggestions = page.get_by_role("list", name="Suggestions")
    expect(suggestions.get_by_role("link", name="Mallory Moe")).to_be_visible()

    page.get_by_role("link", name="Find people by name or username").click()
    # Results arrive as you type; Enter also searches, even before the page's scripts have loaded.
    page.get_by_label("Name or username").fill("mall")
    page.get_by_label("Name or username").press("Enter")
    results = page.get_by_role("list", name="People found")
    expect(results.get_by_role("link", name="Mallory Moe")).to_be_visible()

    results.get_by_role("link", name="Mallory Moe").click()
    page.get_by_role("link", name="Block Mallory Moe").click()
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.get_by_text("You blocked Mallory Moe.")).to_be_visible()
    expect(page.get_by_role("list", name="Blocked people").get_by_text("Mallory Moe")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_role("link", name="All suggestions").click()
    expect(page.get_by_role("heading", name="People to follow")).to_be_visible()
    expect(page.get_by_text("Mallory Moe")).to_have_count(0)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_role("link", name="Find people by name or username").click()
    page.get_by_label("Name or username").fill("mall")
    page.get_by_label("Name or username").press("Enter")
    expect(page.get_by_text("Nobody matches")).to_be_visible()
    expect(page.get_by_text("Mallory Moe")).to_have_count(0)
