"""Who may join, clicked through in Chromium: an admin sets the mode, visitors are turned away or let in."""

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in

pytestmark = pytest.mark.browser
PASSWORD = "violet tractor sings 42"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def live_overrides(smtp_server):
    host, port, _ = smtp_server
    return {"MAIL_SERVER": host, "MAIL_PORT": port}


def fill_sign_up(page, username, email):
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def choose_join_mode(page, live_server, mode_label, domains=None):
    page.goto(live_server("/settings"))
    page.get_by_role("link", name="Instance settings").click()
    page.get_by_label(mode_label).check()
    if domains is not None:
        page.get_by_role("textbox", name="Email domains").fill(domains)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Who may join is saved.")).to_be_visible()


def test_admin_makes_joining_by_invitation_and_only_a_link_holder_signs_up(open_page, live_server):
    live_server.make_user("boss", role="admin")
    admin = open_page("admin", viewport=DESKTOP)
    log_in(admin, live_server, "boss")
    choose_join_mode(admin, live_server, "By invitation: only people with an invitation link")
    admin.screenshot(path="/tmp/privacy_shots/instance-1280.png", full_page=True)

    stranger = open_page("stranger", viewport=PHONE)
    stranger.goto(live_server("/"))
    stranger.get_by_role("link", name="Sign up").click()
    expect(stranger.get_by_text("Joining is by invitation: ask a member for a link.").first).to_be_visible()
    fill_sign_up(stranger, "stranger", "stranger@example.com")
    expect(stranger.get_by_role("heading", name="Check your email")).to_have_count(0)
    expect(stranger.get_by_label("Username")).to_have_value("stranger")
    stranger.screenshot(path="/tmp/privacy_shots/register-refused-390.png", full_page=True)

    admin.get_by_role("link", name="Invitation links").click()
    admin.get_by_label("Number of uses").fill("1")
    admin.get_by_role("button", name="Make invitation link").click()
    link = admin.get_by_label("Invitation link").input_value()
    admin.screenshot(path="/tmp/privacy_shots/invitations-1280.png", full_page=True)

    guest = open_page("guest", viewport=PHONE)
    guest.goto(link)
    expect(guest.get_by_text("You have an invitation: create your account below.")).to_be_visible()
    fill_sign_up(guest, "grace", "grace@example.com")
    expect(guest.get_by_role("heading", name="Check your email")).to_be_visible()

    admin.reload()
    expect(admin.get_by_role("cell", name="used up")).to_be_visible()


def test_a_domain_list_turns_away_other_addresses(open_page, live_server):
    live_server.make_user("boss", role="admin")
    admin = open_page("admin", viewport=PHONE)
    log_in(admin, live_server, "boss")
    choose_join_mode(admin, live_server, "Email domains: only addresses at the listed domains", "team.example")
    admin.screenshot(path="/tmp/privacy_shots/instance-390.png", full_page=True)

    visitor = open_page("visitor", viewport=DESKTOP)
    visitor.goto(live_server("/register"))
    expect(visitor.get_by_role("status").filter(has_text="Only addresses at team.example can join.")).to_be_visible()
    fill_sign_up(visitor, "grace", "grace@elsewhere.net")
    email = visitor.get_by_label("Email")
    expect(email).to_have_value("grace@elsewhere.net")
    expect(email).to_have_attribute("aria-invalid", "true")
    visitor.get_by_label("Email").fill("grace@Team.Example")
    visitor.get_by_label("Password", exact=True).fill(PASSWORD)
    visitor.get_by_label("Confirm password").fill(PASSWORD)
    visitor.get_by_role("button", name="Create account").click()
    expect(visitor.get_by_role("heading", name="Check your email")).to_be_visible()
