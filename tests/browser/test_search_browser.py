"""Search from the header in Chromium: suggestions while typing, the results page and its tabs."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def write_posts(live_server, username, bodies):
    from socialapp.services import accounts, posts

    with live_server.app.app_context():
        author = accounts.find_by_username(username)
        for body in bodies:
            posts.create_post(author, body)


def test_type_see_suggestions_open_results_and_switch_tabs(page, live_server):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    live_server.make_user("kitesurfer", first_name="Kit", last_name="Surfer")
    write_posts(live_server, "kitesurfer", ["Kite flying on the <b>beach</b> #kites", "Dinner at home"])
    log_in(page, live_server, "ada")

    box = page.get_by_label("Search people, posts and hashtags")
    box.fill("kite")
    suggested_people = page.get_by_role("list", name="Suggested people")
    expect(suggested_people.get_by_role("link", name="Kit Surfer @kitesurfer")).to_be_visible()
    expect(
        page.get_by_role("list", name="Suggested hashtags").get_by_role("link", name=re.compile("#kites"))
    ).to_be_visible()

    page.get_by_role("link", name="All results for “kite”").click()
    expect(page.get_by_role("heading", name="Results for “kite”")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Kinds of results")
    expect(tabs.get_by_role("link", name="Posts")).to_have_attribute("aria-current", "page")
    found = page.get_by_role("region", name="Posts found").get_by_role("article")
    expect(found).to_have_count(1)
    expect(found.locator("mark")).to_have_text(["Kite", "kites"])
    expect(found).to_contain_text("Kite flying on the <b>beach</b>")  # shown as typed, not as markup
    expect(box).to_have_value("kite")

    tabs.get_by_role("link", name="People").click()
    expect(tabs.get_by_role("link", name="People")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("list", name="People found").get_by_role("link", name="Kit Surfer")).to_be_visible()

    tabs.get_by_role("link", name="Hashtags").click()
    expect(tabs.get_by_role("link", name="Hashtags")).to_have_attribute("aria-current", "page")
    hashtags = page.get_by_role("list", name="Hashtags found")
    expect(hashtags.get_by_role("listitem")).to_have_text(["#kites 1 post"])
    hashtags.get_by_role("link", name="#kites").click()
    expect(page.get_by_role("heading", name="#kites")).to_be_visible()


def test_enter_searches_and_more_results_load_in_place(page, live_server):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    write_posts(live_server, "ada", [f"Harbour walk number {n}" for n in range(25)])
    log_in(page, live_server, "ada")

    box = page.get_by_label("Search people, posts and hashtags")
    box.fill("harbour")
    box.press("Enter")
    expect(page.get_by_role("heading", name="Results for “harbour”")).to_be_visible()
    found = page.get_by_role("region", name="Posts found").get_by_role("article")
    expect(found).to_have_count(20)
    page.evaluate("window.__marker = 'not reloaded'")
    page.get_by_role("link", name="More results").click()
    expect(found).to_have_count(25)
    expect(page.get_by_role("link", name="More results")).to_have_count(0)
    assert page.evaluate("window.__marker") == "not reloaded"

    # "#tag" goes straight to the hashtag's page.
    box = page.get_by_label("Search people, posts and hashtags")
    box.fill("#Harbour")
    box.press("Enter")
    expect(page.get_by_role("heading", name="#harbour")).to_be_visible()
