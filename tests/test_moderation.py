"""Moderation rules, called directly: who may suspend whom, what reporting accepts, what a suspension does,
how a report is resolved and who hears of it, and the audit log of every action."""

import pytest
from sqlalchemy import select

from socialapp.extensions import db
from socialapp.models import AuditEntry, Message, Notification, Post, Report, UserSession
from socialapp.services import accounts, chat, comments, feed, instance, invitations, moderation, posts, roles
from socialapp.services.errors import Forbidden, InvalidInput, NotFound
from socialapp.services.sessions import start_session, user_for_session
from tests.support.factories import PASSWORD, make_user


@pytest.fixture
def people(app):
    """A member (bob, who writes), a reporter (cy), a moderator (mo) and an admin (ada)."""
    return {
        "bob": make_user("bob"),
        "cy": make_user("cy"),
        "mo": make_user("mo", role="moderator"),
        "ada": make_user("ada", role="admin"),
    }


def audit_actions():
    return [
        (e.actor_name, e.action, e.target_name) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


# ---- Who may suspend whom ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "person", "allowed"),
    [
        ("mo", "bob", True),
        ("ada", "bob", True),
        ("ada", "mo", True),
        ("mo", "ada", False),  # moderators may not suspend admins
        ("mo", "mo", False),  # nobody suspends themselves
        ("ada", "ada", False),
        ("cy", "bob", False),  # members may not suspend anyone
    ],
)
def test_who_may_suspend_whom(people, actor, person, allowed):
    assert moderation.may_suspend(people[actor], people[person]) is allowed
    if allowed:
        moderation.suspend(people[actor], people[person], "Spam, again")
        assert people[person].is_suspended
    else:
        with pytest.raises(Forbidden):
            moderation.suspend(people[actor], people[person], "Spam, again")
        db.session.refresh(people[person])
        assert not people[person].is_suspended


def test_a_suspension_needs_a_reason(people):
    with pytest.raises(InvalidInput, match="reason"):
        moderation.suspend(people["mo"], people["bob"], "   ")
    with pytest.raises(InvalidInput, match="under 500"):
        moderation.suspend(people["mo"], people["bob"], "x" * 501)
    assert not people["bob"].is_suspended


def test_a_suspension_ends_every_login_and_login_is_refused_with_the_reason(people):
    bob = people["bob"]
    first, second = start_session(bob).get_id(), start_session(bob).get_id()
    moderation.suspend(people["mo"], bob, "Harassment of cy")
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == bob.id)) is None
    assert user_for_session(first) is None and user_for_session(second) is None
    with pytest.raises(accounts.Suspended, match="Harassment of cy"):
        accounts.authenticate("bob", PASSWORD)
    # Someone who does not know the password learns nothing of the suspension.
    assert accounts.authenticate("bob", "wrong password entirely") is None


def test_unsuspending_lets_the_person_log_in_and_shows_their_content_again(people):
    bob, cy = people["bob"], people["cy"]
    post = posts.create_post(bob, "Back soon")
    moderation.suspend(people["mo"], bob, "Cooling off")
    with pytest.raises(NotFound):
        posts.visible_post(cy.id, post.id)
    moderation.unsuspend(people["mo"], bob, "Talked it over")
    assert accounts.authenticate("bob", PASSWORD).id == bob.id
    assert posts.visible_post(cy.id, post.id) == post
    with pytest.raises(InvalidInput, match="not suspended"):
        moderation.unsuspend(people["mo"], bob, "Again")


def test_a_suspended_persons_content_is_hidden_everywhere(people):
    from socialapp.services import social
    from socialapp.services.visibility import visible_user_named

    bob, cy = people["bob"], people["cy"]
    social.follow(cy, bob)
    post = posts.create_post(bob, "Visible until suspended")
    mine = posts.create_post(cy, "Cy's own post")
    comment = comments.add_comment(bob, mine.id, "A comment by bob")
    assert post.id in [view.post.id for view in feed.home_feed(cy).items]
    assert [user.username for user in social.search_people(cy, "bob")] == ["bob"]
    assert [thread.comment.id for thread in comments.threads_page(cy, mine)[0]] == [comment.id]
    moderation.suspend(people["mo"], bob, "Spam")
    assert post.id not in [view.post.id for view in feed.home_feed(cy).items]
    assert social.search_people(cy, "bob") == []
    assert comments.threads_page(cy, mine)[0] == []  # bob's comment under cy's own post is hidden too
    with pytest.raises(NotFound):
        posts.visible_post(cy.id, post.id)
    with pytest.raises(NotFound):
        comments.visible_comment(cy.id, comment.id)
    with pytest.raises(NotFound):
        visible_user_named(cy.id, "bob")
    with pytest.raises(NotFound):
        chat.send_message(cy, bob, "Are you there?")


def test_a_suspension_publishes_that_the_persons_pages_must_close(app, people, monkeypatch):
    sent = []
    hub = app.extensions["realtime"]
    monkeypatch.setattr(hub, "publish", lambda channel, event: sent.append((channel, event)))
    moderation.suspend(people["mo"], people["bob"], "Spam")
    assert (f"user:{people['bob'].id}", {"kind": "account_ended"}) in sent


# ---- Reporting --------------------------------------------------------------------------------------------


def test_a_report_is_stored_with_what_the_content_said(people):
    post = posts.create_post(people["bob"], "Buy cheap watches")
    found = moderation.report(people["cy"], "post", post.id, "spam", "  Third time today ")
    assert (found.reporter_id, found.author_id, found.reason, found.note) == (
        people["cy"].id,
        people["bob"].id,
        "spam",
        "Third time today",
    )
    assert found.excerpt == "Buy cheap watches" and found.outcome is None


def test_reporting_the_same_thing_twice_is_one_report(people):
    post = posts.create_post(people["bob"], "Buy cheap watches")
    moderation.report(people["cy"], "post", post.id, "spam")
    moderation.report(people["cy"], "post", post.id, "other", "Actually a scam")
    reports = db.session.scalars(select(Report)).all()
    assert len(reports) == 1 and reports[0].reason == "other" and reports[0].note == "Actually a scam"


def test_one_cannot_report_ones_own_content(people):
    bob = people["bob"]
    post = posts.create_post(bob, "Mine")
    comment = comments.add_comment(bob, post.id, "Mine too")
    message = chat.send_message(bob, people["cy"], "Hi")
    for subject_type, subject_id in (
        ("post", post.id),
        ("comment", comment.id),
        ("user", bob.id),
        ("message", message.id),
    ):
        with pytest.raises(Forbidden, match="your own"):
            moderation.report(bob, subject_type, subject_id, "spam")
    assert db.session.scalar(select(Report)) is None


def test_what_the_reporter_cannot_see_is_not_found(people, block):
    bob, cy = people["bob"], people["cy"]
    post = posts.create_post(bob, "Hello")
    message = chat.send_message(bob, people["mo"], "Between bob and mo")
    with pytest.raises(NotFound):
        moderation.report(cy, "message", message.id, "spam")  # someone else's conversation
    with pytest.raises(NotFound):
        moderation.report(cy, "post", 999999, "spam")
    with pytest.raises(NotFound):
        moderation.report(cy, "song", post.id, "spam")
    block(bob, cy)
    with pytest.raises(NotFound):
        moderation.report(cy, "post", post.id, "spam")


def test_a_report_needs_a_known_reason_and_a_short_note(people):
    post = posts.create_post(people["bob"], "Hello")
    with pytest.raises(InvalidInput):
        moderation.report(people["cy"], "post", post.id, "boring")
    with pytest.raises(InvalidInput, match="1,000"):
        moderation.report(people["cy"], "post", post.id, "spam", "x" * 1001)


def test_a_reported_message_is_shown_alone(people):
    bob, cy = people["bob"], people["cy"]
    chat.send_message(bob, cy, "An earlier, private message")
    message = chat.send_message(bob, cy, "The nasty one")
    chat.send_message(cy, bob, "Cy's answer")
    found = moderation.report(cy, "message", message.id, "harassment")
    seen = moderation.reported_content(found)
    assert seen["message"].id == message.id
    assert set(seen) == {"author", "reporter", "message", "others"}  # nothing else of the conversation


def test_a_reported_comment_is_shown_with_its_post(people):
    post = posts.create_post(people["cy"], "Cy's post")
    comment = comments.add_comment(people["bob"], post.id, "Rude comment")
    seen = moderation.reported_content(moderation.report(people["cy"], "comment", comment.id, "harassment"))
    assert (seen["comment"].id, seen["post"].id, seen["post_author"].id) == (comment.id, post.id, people["cy"].id)


# ---- Resolving --------------------------------------------------------------------------------------------


def report_notifications(user):
    return db.session.scalars(
        select(Notification).where(Notification.recipient_id == user.id, Notification.kind.like("report%"))
    ).all()


def test_removing_a_reported_post_deletes_it_resolves_every_report_of_it_and_tells_each_reporter(people):
    bob, cy, ada = people["bob"], people["cy"], people["ada"]
    post = posts.create_post(bob, "Spam spam spam")
    first = moderation.report(cy, "post", post.id, "spam")
    moderation.report(ada, "post", post.id, "spam")
    moderation.resolve(people["mo"], first.id, "removed", "Obvious spam")
    assert db.session.get(Post, post.id) is None
    assert {r.outcome for r in db.session.scalars(select(Report))} == {"removed"}
    for reporter in (cy, ada):
        (note,) = report_notifications(reporter)
        assert (note.kind, note.actor_id, note.subject_type) == ("report_removed", people["mo"].id, "report")
    assert ("mo", "report.remove", "@bob's post") in audit_actions()


def test_dismissing_keeps_the_content_and_tells_the_reporter(people):
    post = posts.create_post(people["bob"], "Fine, really")
    found = moderation.report(people["cy"], "post", post.id, "other")
    moderation.resolve(people["mo"], found.id, "dismissed")
    assert db.session.get(Post, post.id) is not None
    assert [n.kind for n in report_notifications(people["cy"])] == ["report_dismissed"]
    with pytest.raises(InvalidInput, match="already resolved"):
        moderation.resolve(people["mo"], found.id, "removed")


def test_suspending_from_a_report_hides_the_author_and_erases_nothing(people):
    message = chat.send_message(people["bob"], people["cy"], "Threat")
    found = moderation.report(people["cy"], "message", message.id, "harassment")
    with pytest.raises(InvalidInput, match="reason"):
        moderation.resolve(people["mo"], found.id, "suspended", "")
    moderation.resolve(people["mo"], found.id, "suspended", "Threats in chat")
    db.session.refresh(people["bob"])
    assert people["bob"].is_suspended and people["bob"].suspended_reason == "Threats in chat"
    assert db.session.get(Message, message.id).body == "Threat"
    assert [n.kind for n in report_notifications(people["cy"])] == ["report_suspended"]
    assert [a[1] for a in audit_actions()] == ["suspend", "report.suspend"]


def test_removing_a_message_erases_it_and_a_profile_cannot_be_removed(people):
    message = chat.send_message(people["bob"], people["cy"], "Threat")
    found = moderation.report(people["cy"], "message", message.id, "harassment")
    moderation.resolve(people["mo"], found.id, "removed")
    assert db.session.get(Message, message.id).deleted_at is not None
    profile = moderation.report(people["cy"], "user", people["bob"].id, "other")
    with pytest.raises(InvalidInput, match="profile cannot be removed"):
        moderation.resolve(people["mo"], profile.id, "removed")


def test_members_cannot_see_or_resolve_reports(people):
    post = posts.create_post(people["bob"], "Hello")
    found = moderation.report(people["cy"], "post", post.id, "spam")
    with pytest.raises(Forbidden):
        moderation.resolve(people["cy"], found.id, "dismissed")
    with pytest.raises(Forbidden):
        moderation.get_report(people["bob"], found.id)


def test_the_reporter_alone_sees_their_report_and_its_outcome(people):
    post = posts.create_post(people["bob"], "Hello")
    found = moderation.report(people["cy"], "post", post.id, "spam")
    moderation.resolve(people["mo"], found.id, "removed")
    _, author, outcome = moderation.own_report(people["cy"], found.id)
    assert (author.username, outcome) == ("bob", "the post was removed")
    with pytest.raises(NotFound):
        moderation.own_report(people["ada"], found.id)


# ---- Deleting and the audit log ---------------------------------------------------------------------------


def test_an_admin_deletes_a_person_with_their_content_and_the_log_keeps_who_it_was(people):
    bob = people["bob"]
    post_id = posts.create_post(bob, "Soon gone").id
    with pytest.raises(Forbidden):
        moderation.delete_person(people["mo"], bob, "Spam account")
    with pytest.raises(Forbidden):
        moderation.delete_person(people["ada"], people["ada"], "Bye")
    moderation.delete_person(people["ada"], bob, "Spam account")
    assert accounts.find_by_username("bob") is None and db.session.get(Post, post_id) is None
    (entry,) = db.session.scalars(select(AuditEntry)).all()
    assert (entry.actor_name, entry.action, entry.reason) == ("ada", "delete", "Spam account")
    assert entry.target_name.startswith("@bob")


def test_role_changes_settings_and_invitations_are_audited(people, app):
    ada = people["ada"]
    roles.set_role(people["bob"], "moderator", actor=ada)
    with pytest.raises(Forbidden, match="your own role"):
        roles.set_role(ada, "member", actor=ada)
    with pytest.raises(Forbidden):
        roles.set_role(people["cy"], "admin", actor=people["mo"])
    app.test_cli_runner().invoke(args=["set-role", "cy", "moderator"])
    instance.update_join_settings(ada, instance.INVITATION, "", True)
    link = invitations.create(ada, 3, 7)
    invitations.revoke(ada, link.id)
    assert [(a, action) for a, action, _ in audit_actions()] == [
        ("ada", "role"),
        ("command line", "role"),
        ("ada", "instance.settings"),
        ("ada", "invitation.create"),
        ("ada", "invitation.revoke"),
    ]
    assert db.session.scalars(select(AuditEntry.reason)).first().startswith("member to moderator")


def test_a_suspended_person_is_never_suggested(people):
    from socialapp.services import social

    bob, cy, mo = people["bob"], people["cy"], people["mo"]
    social.follow(cy, mo)
    social.follow(mo, bob)  # bob is a friend of a friend of cy's: her first suggestion
    assert social.suggestions(cy)[0][0].username == "bob"
    assert "bob" in [user.username for user, _ in social.suggestions_box(cy)]
    moderation.suspend(people["ada"], bob, "Spam")
    assert "bob" not in [user.username for user, _ in social.suggestions(cy)]
    assert "bob" not in [user.username for user, _ in social.suggestions_box(cy)]  # the box's cached ranking too
