"""Editing a profile in a real browser: picture upload, errors that keep what was typed, clearing."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.pictures import picture_bytes

pytestmark = pytest.mark.browser


def open_edit_page(page):
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_role("heading", name="Edit profile")).to_be_visible()


def test_edit_profile_with_a_picture_and_see_it_on_the_profile(page, live_server, tmp_path):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    log_in(page, live_server, "ada")
    open_edit_page(page)
    picture = tmp_path / "me.png"
    picture.write_bytes(picture_bytes("PNG", size=(640, 480), color=(30, 140, 90)))
    page.get_by_label("Bio").fill("Wrote the first program")
    page.get_by_label("Country").select_option(label="United Kingdom")
    page.get_by_label("Profile picture").set_input_files(str(picture))
    page.get_by_role("button", name="Save profile").click()

    expect(page).to_have_url(re.compile(r"/u/ada$"))
    card = page.get_by_role("article")
    expect(card.get_by_text("Wrote the first program")).to_be_visible()
    expect(card.get_by_text("United Kingdom")).to_be_visible()
    avatar = card.get_by_role("img", name="Ada Lovelace")
    expect(avatar).to_be_visible()
    assert avatar.evaluate("img => img.tagName === 'IMG' && img.complete && img.naturalWidth === 256")


def test_a_bad_upload_keeps_the_typed_bio_and_shows_the_error(page, live_server, tmp_path):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    log_in(page, live_server, "ada")
    page.goto(live_server("/settings/profile"))
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is only text")
    page.get_by_label("Bio").fill("Typed before choosing the file")
    page.get_by_label("Address").fill("St James's Square")
    page.get_by_label("Profile picture").set_input_files(str(fake))
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_text("That file is not a picture we can read.")).to_be_visible()
    expect(page.get_by_label("Profile picture")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Bio")).to_have_value("Typed before choosing the file")
    expect(page.get_by_label("Address")).to_have_value("St James's Square")


def test_emptying_the_bio_and_removing_the_picture(page, live_server, tmp_path):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace", bio="An old line about me")
    log_in(page, live_server, "ada")
    page.goto(live_server("/settings/profile"))
    picture = tmp_path / "me.gif"
    picture.write_bytes(picture_bytes("GIF"))
    page.get_by_label("Profile picture").set_input_files(str(picture))
    page.get_by_label("Bio").fill("")
    page.get_by_role("button", name="Save profile").click()
    expect(page).to_have_url(re.compile(r"/u/ada$"))
    expect(page.get_by_text("An old line about me")).to_have_count(0)

    page.goto(live_server("/settings/profile"))
    page.get_by_role("button", name="Remove picture").click()
    expect(page.get_by_text("Your picture is removed.")).to_be_visible()
    page.goto(live_server("/u/ada"))
    initials = page.get_by_role("article").get_by_role("img", name="Ada Lovelace")
    expect(initials).to_have_text("AL")


# The highest value each upload progress bar reached, and its accessible name, as seen by the page.
WATCH_PROGRESS = """() => {
  window.__progress = [];
  new MutationObserver((records) => {
    for (const record of records) {
      const bar = record.target.closest?.("progress") || [...record.addedNodes].find((n) => n.tagName === "PROGRESS");
      if (!bar) continue;
      if (!window.__progress.includes(bar)) window.__progress.push(bar);
      bar.__highest = Math.max(bar.__highest || 0, bar.value);
    }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["value"] });
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_a_picture_going_up_shows_its_progress_then_the_profile(open_page, live_server, width):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    page = open_page(viewport={"width": width, "height": 844})
    log_in(page, live_server, "ada")
    page.goto(live_server("/settings/profile"))
    page.evaluate(WATCH_PROGRESS)
    page.get_by_label("Bio").fill("Sent with a progress bar")
    big = picture_bytes("PNG", size=(1600, 1200))
    page.get_by_label("Profile picture").set_input_files({"name": "me.png", "mimeType": "image/png", "buffer": big})

    held = []
    page.route(
        "**/settings/profile", lambda route: held.append(route) if route.request.method == "POST" else route.fallback()
    )
    page.get_by_role("button", name="Save profile").click()
    bar = page.get_by_role("progressbar", name="Uploading")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("max", "100")
    expect(page.get_by_role("button", name="Save profile")).to_have_attribute("aria-busy", "true")
    page.wait_for_timeout(200)
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/settings/profile")

    expect(page).to_have_url(re.compile(r"/u/ada$"))
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_role("article").get_by_text("Sent with a progress bar")).to_be_visible()
    expect(page.get_by_role("article").get_by_role("img", name="Ada Lovelace")).to_be_visible()


def test_a_refused_form_with_a_picture_counted_its_upload_to_the_end_and_shows_every_error(page, live_server):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    log_in(page, live_server, "ada")
    page.goto(live_server("/settings/profile"))
    page.evaluate(WATCH_PROGRESS)
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("First name").fill("")
    page.get_by_label("Website").fill("not a link")
    picture = picture_bytes("PNG", size=(1600, 1200))
    page.get_by_label("Profile picture").set_input_files({"name": "me.png", "mimeType": "image/png", "buffer": picture})
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_label("Website")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("First name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("First name")).to_be_focused()  # the first field in error
    expect(page.get_by_label("Website")).to_have_value("not a link")
    expect(page.get_by_role("progressbar")).to_have_count(0)
    seen = page.evaluate("window.__progress.map((bar) => [bar.getAttribute('aria-label'), bar.max, bar.__highest])")
    assert seen == [["Uploading", 100, 100]]
    assert page.evaluate("window.__notReloaded") is True
