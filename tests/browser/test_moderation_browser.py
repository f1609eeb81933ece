"""Moderation clicked through in Chromium, on a phone and on a desktop: a member reports a post, a moderator
removes it from the queue and suspends its author, whose open page is closed at once and sent to log in, who
can no longer log in, and the audit log shows both actions."""

import os

import pytest
from playwright.sync_api import expect

from tests.support.factories import PASSWORD
from tests.support.sockets import wait_until

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
SHOTS = "/tmp/moderation_shots"


def shot(page, name, size):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}-{SIZES[size]['width']}.png", full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_a_report_leads_to_removal_and_suspension_and_the_authors_page_closes(live_server, open_browser, size):
    from socialapp.services import accounts, posts

    viewport = SIZES[size]
    bob_id, _, _ = live_server.make_user("bob", first_name="Bob", last_name="Spammer")
    live_server.make_user("cy", first_name="Cy", last_name="Reporter")
    live_server.make_user("mo", first_name="Mo", last_name="Derator", role="moderator")
    with live_server.app.app_context():
        post_id = posts.create_post(accounts.find_by_username("bob"), "Cheap watches at example.com").id

    # Bob has a page open; its socket is up.
    bob = open_browser("bob", viewport=viewport)
    bob.goto(live_server("/settings"))
    hub = live_server.app.extensions["realtime"]
    wait_until(lambda: hub.open_sockets(bob_id) >= 1, "Bob's socket")

    # Cy reports the post.
    cy = open_browser("cy", viewport=viewport)
    cy.goto(live_server(f"/report/post/{post_id}"))
    expect(cy.get_by_role("heading", name="Report Bob Spammer's post")).to_be_visible()
    cy.get_by_role("button", name="Send report").click()
    expect(cy.get_by_text("Choose why you report this.")).to_be_visible()
    cy.get_by_label("Spam or scam").check()
    cy.get_by_label("Anything moderators should know (optional)").fill("Posted ten times today")
    shot(cy, "report", size)
    cy.get_by_role("button", name="Send report").click()
    expect(cy.get_by_role("heading", name="Thank you for your report")).to_be_visible()

    # Mo finds it through the navigation, sees the post and removes it.
    mo = open_browser("mo", viewport=viewport)
    mo.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation").click()
    shot(mo, "moderation", size)
    mo.get_by_role("link", name="Reports").click()
    shot(mo, "reports", size)
    mo.get_by_role("link", name="@bob's post").click()
    expect(mo.get_by_role("article", name="Reported post")).to_contain_text("Cheap watches at example.com")
    expect(mo.get_by_text("Posted ten times today")).to_be_visible()
    shot(mo, "report-review", size)
    mo.get_by_label("Remove the content").check()
    mo.get_by_role("button", name="Resolve report").click()
    expect(mo.get_by_text("Report resolved: remove the content.")).to_be_visible()
    expect(mo.get_by_text("No open reports.")).to_be_visible()

    # Then suspends the author from their page in People.
    mo.goto(live_server("/admin"))
    mo.get_by_role("link", name="People").click()
    mo.get_by_label("Username, name or email").fill("bo")
    mo.get_by_role("button", name="Search").click()
    mo.get_by_role("link", name="Bob Spammer").click()
    shot(mo, "person", size)
    mo.get_by_label("Reason for suspending").fill("Spam, again and again")
    mo.get_by_role("button", name="Suspend @bob").click()
    expect(mo.get_by_text("@bob is suspended.")).to_be_visible()
    expect(mo.get_by_role("heading", name="Lift the suspension")).to_be_visible()

    # Bob's open page lost its socket at once and was sent to log in; logging in is refused, with the reason.
    bob.wait_for_url("**/login**")
    bob.get_by_label("Username or email").fill("bob")
    bob.get_by_label("Password").fill(PASSWORD)
    bob.get_by_role("button", name="Log in").click()
    expect(bob.get_by_role("alert")).to_contain_text(
        "This account is suspended by the moderators. Reason: Spam, again and again"
    )
    shot(bob, "login-suspended", size)

    # The audit log shows both actions, and Cy hears the outcome.
    mo.goto(live_server("/admin"))
    mo.get_by_role("link", name="Audit log").click()
    entries = mo.get_by_role("list", name="Audit log entries").get_by_role("listitem")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("mo suspended @bob")
    expect(entries.nth(1)).to_contain_text("mo removed, after a report, @bob's post")
    shot(mo, "audit", size)

    cy.goto(live_server("/notifications"))
    cy.get_by_role("link", name="Mo Derator reviewed your report: the content was removed").click()
    expect(cy.get_by_text("Your report of @bob's post was reviewed: the post was removed.")).to_be_visible()
