"""axe-core over every page a person can land on, logged out and in, light and dark, phone and desktop.

axe is a test asset (tests/assets): it is injected here and never served by the app. Any critical or
serious violation fails the test; the message lists each rule with its impact, page and targets.
"""

from collections import Counter
from pathlib import Path

import pytest

from tests.support.browser import session_cookie
from tests.support.landing import GUEST_PAGES, member_pages

pytestmark = pytest.mark.browser

AXE = next((Path(__file__).parent.parent / "assets").glob("axe-core-*/axe.min.js"))
THEMES = ("light", "dark")
WIDTHS = (390, 1280)
FAILING = {"critical", "serious"}
RUN_AXE = """() => axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(" "))})))"""


def seed(live_server):
    """Two friends (Ada an admin) with a post, a comment, a conversation, a meeting, a notification and a
    blocked person; the logged-in pages to visit and a reset link."""
    from socialapp.extensions import db
    from socialapp.services import accounts, chat, comments, meetings, moderation, posts, social, tokens

    ada_id, _, _ = live_server.make_user("ada", first_name="Ada", last_name="Lovelace", role="admin")
    live_server.make_user("bob", first_name="Bob", last_name="Babbage")
    live_server.make_user("carl", first_name="Carl", last_name="Gauss")
    live_server.make_user("dora", first_name="Dora", last_name="Dee")
    with live_server.app.app_context():
        ada, bob, carl = (accounts.find_by_username(name) for name in ("ada", "bob", "carl"))
        social.follow(bob, ada)
        social.follow(ada, bob)
        social.block(ada, carl)
        post = posts.create_post(ada, "Hello #harbour, @bob")
        comments.add_comment(bob, post.id, "Nice one")
        comment_id = comments.add_comment(ada, post.id, "Thanks").id
        chat.send_message(ada, bob, "Hi Bob")
        chat.send_message(bob, ada, "Hi Ada")
        room = meetings.create_meeting(ada.id, "Weekly catch-up").room_id
        reset = tokens.make_token("reset", {"uid": bob.id, "fp": tokens.fingerprint(bob.password_hash)})
        db.session.commit()
        post_id = post.id
        report_id = moderation.report(bob, "post", post_id, "spam", "A note").id
        bob_id = bob.id
    logged_in = member_pages(post_id, post_id, comment_id, room, "bob", "dora", "harbour", bob_id, report_id)
    return ada_id, logged_in, f"/password/reset/{reset}"


def audit(new_context, live_server, paths, cookies=()):
    """{(impact, rule id): [(theme, width, path, help, targets)...]} over every theme, width and path."""
    found = {}
    for theme in THEMES:
        for width in WIDTHS:
            context = new_context(viewport={"width": width, "height": 844}, bypass_csp=True)
            host = live_server.url.split("//")[1].split(":")[0]
            context.add_cookies([{"name": "theme", "value": theme, "domain": host, "path": "/"}, *cookies])
            page = context.new_page()
            page.set_default_timeout(10_000)
            for path in paths:
                page.goto(live_server(path))
                page.wait_for_load_state("load")
                page.add_script_tag(path=str(AXE))
                for v in page.evaluate(RUN_AXE):
                    found.setdefault((v["impact"], v["id"]), []).append((theme, width, path, v["help"], v["targets"]))
            context.close()
    return found


def report(found):
    counts = Counter()
    lines = []
    for (impact, rule), where in sorted(found.items()):
        counts[impact] += len(where)
        lines.append(f"{impact} {rule}: {where[0][3]} ({len(where)} pages)")
        shown = set()
        for theme, width, path, _, targets in where:
            if (path, tuple(targets)) not in shown:  # the same nodes at another width or theme are left out
                shown.add((path, tuple(targets)))
                lines.append(f"    {theme} {width}px {path}: {', '.join(targets)}")
    summary = ", ".join(f"{counts[i]} {i}" for i in ("critical", "serious", "moderate", "minor"))
    print("axe summary (violations x pages):", summary)
    print("\n".join(lines))
    return summary, lines


def check(found):
    summary, lines = report(found)
    failing = {key: where for key, where in found.items() if key[0] in FAILING}
    assert not failing, f"axe: {summary}\n" + "\n".join(
        line for line in lines if line.split()[0] in FAILING or line.startswith("    ")
    )


def test_logged_out_pages_have_no_serious_accessibility_violations(new_context, live_server):
    _, _, reset_path = seed(live_server)
    check(audit(new_context, live_server, [*GUEST_PAGES, reset_path]))


def test_check_email_page_has_no_serious_accessibility_violations(new_context, live_server):
    context = new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(live_server("/register"))
    page.get_by_label("First name").fill("Eve")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Username").fill("eve_example")
    page.get_by_label("Email").fill("eve@example.com")
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_label("Confirm password").fill("correct horse battery staple")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE)
    check({(v["impact"], v["id"]): [("auto", 390, "check email", v["help"], v["targets"])] for v in violations})


def test_logged_in_pages_have_no_serious_accessibility_violations(new_context, live_server):
    ada_id, paths, _ = seed(live_server)
    host = live_server.url.split("//")[1].split(":")[0]
    value = session_cookie(live_server.app, ada_id).split("=", 1)[1]
    cookie = {"name": "session", "value": value, "domain": host, "path": "/"}
    check(audit(new_context, live_server, paths, [cookie]))
