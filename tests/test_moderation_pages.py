"""The moderation pages through HTTP: every admin route checked for every role, the report page, the login
refused to a suspended person, the queue, a person's page, the audit log, and the reporter's notification."""

import re

import pytest
from sqlalchemy import select

from socialapp.models import AuditEntry, Post, Report
from socialapp.services import chat, comments, invitations, moderation, posts
from tests.support.factories import PASSWORD, make_user
from tests.support.limits import rate_limited

# ---- Authorization: every /admin route and every moderation action, for every role ------------------------

# Routes of the moderation blueprint that are for everyone logged in (the report page and one's own report).
FOR_MEMBERS = {"moderation.report", "moderation.send_report", "moderation.my_report"}


def guarded_routes(app):
    """(method, endpoint, rule, role needed) for every /admin route and every route of the moderation
    blueprint, built from the URL map, so that a route added later is checked too."""
    found = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/admin") or rule.endpoint.startswith("moderation.")):
            continue
        if rule.endpoint in FOR_MEMBERS:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            view = app.view_functions[rule.endpoint]
            needed = "admin" if _admin_only(rule) else "moderator"
            found.append((method, rule.endpoint, rule.rule, needed, view))
    return found


def _admin_only(rule):
    # The instance's pages (settings and, unless the admin lets members invite, invitation links), roles
    # and deletion are for admins alone; members who may invite are checked in test_join_modes.py.
    return rule.endpoint.startswith("instance.") or rule.endpoint in {"moderation.set_role", "moderation.delete"}


def fill(rule, ids):
    return re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule)


@pytest.fixture
def world(app):
    bob = make_user("bob")
    cy = make_user("cy")
    post = posts.create_post(bob, "Buy cheap watches")
    report = moderation.report(cy, "post", post.id, "spam")
    (code,) = invitations.create_many(1)
    ids = {"report_id": report.id, "user_id": bob.id, "invitation_id": invitations.usable(code).id}
    return {"bob": bob, "cy": cy, "post": post, "ids": ids}


def test_the_url_map_has_the_moderation_routes(app):
    endpoints = {endpoint for _, endpoint, _, _, _ in guarded_routes(app)}
    assert {"moderation.reports", "moderation.suspend", "moderation.resolve", "moderation.audit_log"} <= endpoints
    assert {"instance.settings", "instance.invitation_list", "moderation.delete", "moderation.set_role"} <= endpoints


@pytest.mark.parametrize("role", [None, "member", "moderator", "admin"])
def test_every_admin_and_moderation_route_checks_the_role(app, client, login, world, role):
    if role:
        login(make_user(f"as_{role}", role=role))
    wrong = []
    for method, endpoint, rule, needed, _ in guarded_routes(app):
        # A POST without its fields is refused by the form (422) once the role is right: never acted on,
        # but for revoking a link, which needs no field (a redirect once revoked).
        response = client.open(fill(rule, world["ids"]), method=method, data={})
        status = response.status_code
        if role is None:
            ok = status == 302 and "/login" in response.headers["Location"]
        elif role == "member" or (role == "moderator" and needed == "admin"):
            ok = status == 403
        else:
            ok = status in (200, 422) or (endpoint == "instance.revoke_invitation" and status == 302)
        if not ok:
            wrong.append(f"{role} {method} {rule}: {status}")
    assert not wrong, "\n".join(wrong)
    assert client.get("/admin/reports").status_code == {None: 302, "member": 403}.get(role, 200)


# ---- Reporting ----------------------------------------------------------------------------------------------


def test_reporting_a_post_thanks_the_reporter_and_reaches_the_queue(client, login, world):
    login(world["cy"])
    page = client.get(f"/report/post/{world['post'].id}")
    assert page.status_code == 200
    assert "Report Bob Tester's post" in page.text and "Buy cheap watches" in page.text
    sent = client.post(f"/report/post/{world['post'].id}", data={"reason": "illegal", "note": "Counterfeit"})
    assert sent.status_code == 201
    assert "Thank you for your report" in sent.text and "moderators will look" in sent.text
    reports = client.application.extensions["sqlalchemy"].session.scalars(select(Report)).all()
    assert len(reports) == 1 and (reports[0].reason, reports[0].note) == ("illegal", "Counterfeit")


def test_a_report_without_a_reason_comes_back_with_the_note_kept(client, login, world):
    login(world["cy"])
    response = client.post(f"/report/post/{world['post'].id}", data={"note": "Kept as typed"})
    assert response.status_code == 422
    assert "Choose why you report this." in response.text and "Kept as typed" in response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/report/post/999999", 404), ("/report/song/1", 404), ("/report/user/{cy}", 403), ("/report/post/{post}", 200)],
)
def test_the_report_page_answers_unknown_and_own_content(client, login, world, path, status):
    login(world["cy"])
    response = client.get(path.format(cy=world["cy"].id, post=world["post"].id))
    assert response.status_code == status
    if status == 403:
        assert "You cannot report your own profile." in response.text


def test_content_hidden_by_a_block_cannot_be_reported(client, login, world, block):
    block(world["bob"], world["cy"])
    login(world["cy"])
    assert client.get(f"/report/post/{world['post'].id}").status_code == 404
    assert client.post(f"/report/post/{world['post'].id}", data={"reason": "spam"}).status_code == 404


def test_the_report_page_needs_a_login(client, world):
    response = client.get(f"/report/post/{world['post'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_a_report_without_its_csrf_token_is_refused(client, login, world):
    login(world["cy"])
    response = client.post(f"/report/post/{world['post'].id}", data={"reason": "spam"})
    assert response.status_code == 400 and "Your form expired" in response.text


@rate_limited
def test_reports_are_rate_limited(limited, client, login, world):
    login(world["cy"])
    statuses = [client.post(f"/report/post/{world['post'].id}", data={"reason": "spam"}).status_code for _ in range(21)]
    assert statuses[:20] == [201] * 20 and statuses[20] == 429


def test_comments_profiles_and_messages_have_a_report_link(client, login, world):
    bob, cy = world["bob"], world["cy"]
    comment = comments.add_comment(bob, world["post"].id, "A comment by bob")
    message = chat.send_message(bob, cy, "Hello cy")
    login(cy)
    assert f'href="/report/comment/{comment.id}"' in client.get(f"/p/{world['post'].id}").text
    assert f'href="/report/user/{bob.id}"' in client.get("/u/bob").text
    assert f'href="/report/message/{message.id}"' in client.get("/chat/bob").text
    # Nobody is offered to report their own.
    assert 'href="/report/user/' not in client.get("/u/cy").text


# ---- Suspension through the pages ------------------------------------------------------------------------


def test_a_suspended_person_is_told_on_the_login_page(client, world):
    moderation.suspend(make_user("mo", role="moderator"), world["bob"], "Selling fakes")
    response = client.post("/login", data={"login": "bob", "password": PASSWORD})
    assert response.status_code == 403
    assert "This account is suspended by the moderators. Reason: Selling fakes" in response.text
    assert 'value="bob"' in response.text  # what was typed stays


def test_a_moderator_suspends_from_a_persons_page_and_the_persons_login_ends(app, client, login, world):
    bob_browser = login(world["bob"], on=app.test_client())
    assert bob_browser.get("/").status_code == 200
    mo = make_user("mo", role="moderator")
    login(mo)
    page = client.get(f"/admin/people/{world['bob'].id}")
    assert "Suspend @bob" in page.text and "1 open" in page.text
    refused = client.post(f"/admin/people/{world['bob'].id}/suspend", data={"reason": ""})
    assert refused.status_code == 422 and "Give a reason" in refused.text
    done = client.post(f"/admin/people/{world['bob'].id}/suspend", data={"reason": "Selling fakes"})
    assert done.status_code == 302
    assert "Selling fakes" in client.get(f"/admin/people/{world['bob'].id}").text
    assert bob_browser.get("/settings").status_code == 302  # his login ended
    assert client.get("/u/bob").status_code == 404  # hidden from everyone, moderators' other pages too
    assert client.get(f"/p/{world['post'].id}").status_code == 404


def test_a_moderator_cannot_suspend_an_admin_from_the_page(client, login, world):
    ada = make_user("ada", role="admin")
    login(make_user("mo", role="moderator"))
    assert "Suspend @ada" not in client.get(f"/admin/people/{ada.id}").text
    assert client.post(f"/admin/people/{ada.id}/suspend", data={"reason": "Why not"}).status_code == 403


# ---- The queue, a report in context, and the outcome ---------------------------------------------------


def test_a_moderator_removes_a_reported_post_and_the_reporter_reads_the_outcome(client, login, world, db):
    post_id = world["post"].id
    login(make_user("mo", role="moderator"))
    queue = client.get("/admin/reports")
    assert "@bob's post" in queue.text and "Spam or scam" in queue.text
    report_id = world["ids"]["report_id"]
    review = client.get(f"/admin/reports/{report_id}")
    assert "Buy cheap watches" in review.text and "Remove the content" in review.text
    assert client.post(f"/admin/reports/{report_id}", data={}).status_code == 422
    unexplained = client.post(f"/admin/reports/{report_id}", data={"outcome": "suspended", "reason": " "})
    assert unexplained.status_code == 422 and "Give a reason" in unexplained.text
    done = client.post(f"/admin/reports/{report_id}", data={"outcome": "removed", "reason": "Spam"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/reports")
    assert db.session.get(Post, post_id) is None
    assert "No open reports" in client.get("/admin/reports").text
    audit = client.get("/admin/audit").text
    assert "removed, after a report," in audit and "@bob&#39;s post" in audit

    login(world["cy"])
    notes = client.get("/notifications").text
    assert "reviewed your report: the content was removed" in notes
    (opening,) = re.findall(r'href="(/notifications/open/report_removed-[0-9]+)"', notes)
    assert client.get(opening).location == f"/reports/{report_id}"
    mine = client.get(f"/reports/{report_id}").text
    assert "Your report of @bob&#39;s post was reviewed: the post was removed." in mine


def test_a_reported_message_is_shown_without_its_conversation(client, login, world):
    bob, cy = world["bob"], world["cy"]
    chat.send_message(cy, bob, "Cy's private words")
    message = chat.send_message(bob, cy, "The nasty one")
    found = moderation.report(cy, "message", message.id, "harassment")
    login(make_user("mo", role="moderator"))
    page = client.get(f"/admin/reports/{found.id}").text
    assert "The nasty one" in page and "Cy's private words" not in page


def test_a_deleted_report_subject_shows_what_it_said(client, login, world):
    posts.delete_post(world["bob"], world["post"].id)
    login(make_user("mo", role="moderator"))
    page = client.get(f"/admin/reports/{world['ids']['report_id']}").text
    assert "This was removed or erased" in page and "Buy cheap watches" in page


# ---- People, roles, deletion and the audit log -------------------------------------------------------


def test_people_search_finds_suspended_people_too(client, login, world):
    moderation.suspend(make_user("mo", role="moderator"), world["bob"], "Spam")
    login(make_user("ada", role="admin"))
    found = client.get("/admin/people?q=bo").text
    assert "@bob" in found and "suspended" in found and "@cy" not in found
    assert "Nobody matches" in client.get("/admin/people?q=zzz").text


def test_an_admin_changes_a_role_and_deletes_an_account_from_the_page(client, login, world, db):
    login(make_user("ada", role="admin"))
    bob_id = world["bob"].id
    assert client.post(f"/admin/people/{bob_id}/role", data={"role": "owner"}).status_code == 422
    assert client.post(f"/admin/people/{bob_id}/role", data={"role": "moderator"}).status_code == 302
    kept = client.post(f"/admin/people/{bob_id}/delete", data={"reason": "Spam account"})
    assert kept.status_code == 422 and "Tick the box" in kept.text and "Spam account" in kept.text
    gone = client.post(f"/admin/people/{bob_id}/delete", data={"reason": "Spam account", "confirm": "y"})
    assert gone.status_code == 302
    assert client.get(f"/admin/people/{bob_id}").status_code == 404
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["role", "delete"]  # after the invitation link the world was made with
    audit = client.get("/admin/audit").text
    assert "changed the role of" in audit and "deleted the account of" in audit and "Spam account" in audit


def test_the_navigation_links_moderators_to_moderation(client, login, world):
    login(world["cy"])
    assert 'href="/admin"' not in client.get("/").text
    login(make_user("mo", role="moderator"))
    assert 'href="/admin"' in client.get("/").text
    index = client.get("/admin").text
    assert "1 open" in index and "Instance settings" not in index


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_a_refused_suspension_shows_why_beside_what_was_typed(client, login, world):
    mo = make_user("mo", role="moderator")
    login(mo)
    page = client.get(f"/admin/people/{world['bob'].id}").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    moderation.suspend(make_user("ada", role="admin"), world["bob"], "Already done")  # meanwhile, elsewhere
    response = client.post(
        f"/admin/people/{world['bob'].id}/suspend", data={"csrf_token": token, "reason": "Spam in comments"}
    )
    assert response.status_code == 422 and "@bob is already suspended." in response.text
    assert "Already done" in response.text  # the page shows him as he now is
