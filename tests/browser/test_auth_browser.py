"""Signing up, confirming the email address and logging in, clicked through in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.support.mail import links_in
from tests.support.pictures import picture_bytes

pytestmark = pytest.mark.browser
PASSWORD = "violet tractor sings 42"


@pytest.fixture
def live_overrides(smtp_server):
    host, port, _ = smtp_server
    return {"MAIL_SERVER": host, "MAIL_PORT": port}


def sign_up(page, live_server, username="ada", email="ada@example.com"):
    page.goto(live_server("/"))
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()


def test_sign_up_confirm_by_mail_set_up_profile_with_a_picture(page, live_server, smtp_server, tmp_path):
    _, _, inbox = smtp_server
    sign_up(page, live_server)
    link = links_in(inbox.wait_for("ada@example.com"))[0]
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/welcome$"))
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Set up your profile")).to_be_visible()
    picture = tmp_path / "me.png"
    picture.write_bytes(picture_bytes("PNG", size=(500, 400), color=(20, 120, 200)))
    page.get_by_label("Profile picture").set_input_files(str(picture))
    page.get_by_label("Bio").fill("Writes the first programs")
    page.get_by_label("Country").select_option(label="United Kingdom")
    page.get_by_role("button", name="Save profile").click()
    expect(page).to_have_url(re.compile(r"/u/ada$"))
    expect(page.get_by_text("Writes the first programs")).to_be_visible()
    avatar = page.get_by_role("article").get_by_role("img", name="Ada Lovelace")
    expect(avatar).to_be_visible()
    assert avatar.evaluate("img => img.tagName === 'IMG' && img.complete && img.naturalWidth === 256")


def test_a_bad_picture_keeps_the_rest_of_the_profile_form(page, live_server, tmp_path):
    live_server.make_user("bob")
    log_in(page, live_server, "bob")
    page.goto(live_server("/settings/profile"))
    bad = tmp_path / "notes.jpg"
    bad.write_text("just text")
    page.get_by_label("Bio").fill("Typed before the upload failed")
    page.get_by_label("Profile picture").set_input_files(str(bad))
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("That file is not a picture we can read.")).to_be_visible()
    expect(page.get_by_label("Bio")).to_have_value("Typed before the upload failed")


def test_an_unverified_user_cannot_log_in(page, live_server, smtp_server):
    _, _, inbox = smtp_server
    sign_up(page, live_server)
    page.goto(live_server("/login"))
    page.get_by_label("Username or email").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Confirm your email address before logging in.")).to_be_visible()
    page.get_by_role("link", name="Send the confirmation link again").click()
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    inbox.wait_for("ada@example.com")
    assert sum("ada@example.com" in m["To"] for m in inbox.messages) == 2


def test_log_in_and_out(page, live_server):
    live_server.make_user("bob")
    log_in(page, live_server, "bob")
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_sign_up_shows_every_mistake_after_one_submit_and_keeps_what_was_typed(open_page, live_server, width):
    live_server.make_user("ada")
    page = open_page(viewport={"width": width, "height": 844})
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(live_server("/register"))
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email").fill("ada@nowhere")
    page.get_by_label("Password", exact=True).fill("password1")
    page.get_by_label("Confirm password").fill("password1")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_text("That username is taken. Choose another.")).to_be_visible()
    expect(page.get_by_text(re.compile("Enter a valid email address"))).to_be_visible()
    expect(page.get_by_text(re.compile("This password is too easy to guess"))).to_be_visible()
    assert len(posts) == 1
    for label in ("Username", "Email"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("First name")).not_to_have_attribute("aria-invalid", re.compile(".*"))
    expect(page.get_by_label("Username")).to_have_value("ada")
    expect(page.get_by_label("Email")).to_have_value("ada@nowhere")
    expect(page.get_by_label("Last name")).to_have_value("Lovelace")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")


@pytest.mark.parametrize("width", [390, 1280])
def test_account_settings_forms_show_every_mistake_after_one_submit(open_page, live_server, width):
    live_server.make_user("ada", first_name="Ada", last_name="Lovelace")
    page = open_page(viewport={"width": width, "height": 844})
    log_in(page, live_server, "ada")
    page.goto(live_server("/settings"))

    email = page.locator("form", has=page.get_by_role("button", name="Change email"))
    email.get_by_label("New email").fill("ada at home")
    email.get_by_label("Password").fill("not my password")
    email.get_by_role("button", name="Change email").click()
    email = page.locator("form", has=page.get_by_role("button", name="Change email"))
    expect(email.get_by_text(re.compile("Enter a valid email address"))).to_be_visible()
    expect(email.get_by_text("Your password is not right.")).to_be_visible()
    expect(email.get_by_label("New email")).to_have_value("ada at home")
    expect(email.get_by_label("New email")).to_have_attribute("aria-invalid", "true")
    expect(email.get_by_label("Password")).to_have_attribute("aria-invalid", "true")

    delete = page.locator("form", has=page.get_by_role("button", name="Delete my account"))
    delete.get_by_label("Password").fill("not my password")
    delete.get_by_role("button", name="Delete my account").click()
    delete = page.locator("form", has=page.get_by_role("button", name="Delete my account"))
    expect(delete.get_by_text("Your password is not right.")).to_be_visible()
    expect(delete.get_by_text("Tick the box to confirm.")).to_be_visible()
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
