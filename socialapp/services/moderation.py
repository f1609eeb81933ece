"""Moderation: people report posts, comments, profiles and chat messages; moderators resolve the reports and
suspend people; admins also delete accounts. Every action is written to the audit log (services/audit.py).

A suspended person cannot log in, every login they had ends, their open pages are closed at once on every
worker (the "account_ended" event, blueprints/moderation/live.py), and everything they wrote is hidden from
everyone as a block hides it (services/visibility.py), until a moderator unsuspends them.
"""

from sqlalchemy import func, or_, select

from socialapp.extensions import db
from socialapp.models import Comment, Message, Post, Report, User
from socialapp.models.base import utcnow
from socialapp.realtime import publish_on_commit
from socialapp.services import accounts, audit, chat, comments, notifications, paging, posts, roles, sessions, text
from socialapp.services.errors import Forbidden, InvalidInput, NotFound
from socialapp.services.text import starts_with
from socialapp.services.visibility import visible_user

SUBJECT_TYPES = ("post", "comment", "user", "message")
SUBJECT_NAMES = {"post": "post", "comment": "comment", "user": "profile", "message": "message"}
REASONS = {
    "spam": "Spam or scam",
    "harassment": "Harassment or hate",
    "illegal": "Illegal content",
    "other": "Something else",
}
DISMISSED, REMOVED, SUSPENDED = "dismissed", "removed", "suspended"
OUTCOMES = (DISMISSED, REMOVED, SUSPENDED)
NOTE_LIMIT = 1000
REASON_LIMIT = 500
NOTE_TOO_LONG = "Keep the note under {limit:,} characters (it has {length:,})."
NO_REASON = "Give a reason: the person and the other moderators will read it."
REASON_TOO_LONG = "Keep the reason under {limit} characters (it has {length})."
EXCERPT_LIMIT = 500
QUEUE_SIZE = 50
PEOPLE_PAGE_SIZE = 30
ACCOUNT_ENDED = "account_ended"
NO_SUCH_THING = "There is nothing here to report. It may have been removed."


# ---- Reporting -----------------------------------------------------------------------------------------


def _message_for(reporter, message_id):
    """A chat message the reporter received (in their conversation, not erased), else NotFound."""
    message = db.session.get(Message, message_id)
    if message is None or message.deleted_at is not None:
        raise NotFound(NO_SUCH_THING)
    if chat.partner_in(reporter.id, message.conversation_id) is None and message.sender_id != reporter.id:
        raise NotFound(NO_SUCH_THING)
    return message


def reportable(reporter, subject_type, subject_id):
    """(subject, author) when `reporter` may report the thing: they can see it (else NotFound, as for
    nothing at all) and it is not their own (Forbidden)."""
    if subject_type == "post":
        subject = posts.visible_post(reporter.id, subject_id)
        author_id = subject.author_id
    elif subject_type == "comment":
        subject, _ = comments.visible_comment(reporter.id, subject_id)
        author_id = subject.author_id
    elif subject_type == "user":
        subject = visible_user(reporter.id, db.session.get(User, subject_id))
        author_id = subject.id
    elif subject_type == "message":
        subject = _message_for(reporter, subject_id)
        author_id = subject.sender_id
    else:
        raise NotFound(NO_SUCH_THING)
    if author_id == reporter.id:
        raise Forbidden(f"You cannot report your own {SUBJECT_NAMES[subject_type]}.")
    return subject, visible_user(reporter.id, db.session.get(User, author_id))


def _excerpt(subject_type, subject):
    if subject_type == "user":
        said = f"{subject.full_name} (@{subject.username}): {subject.bio}".strip()
    else:
        said = subject.body or ""
    return said[:EXCERPT_LIMIT]


def report(reporter, subject_type, subject_id, reason, note=""):
    """Report a post, comment, profile or message for moderators to look at, and commit; the Report.

    Reporting the same thing again while the first report is open changes that report (one person, one
    report): the reason and note given last are kept."""
    subject, author = reportable(reporter, subject_type, subject_id)
    if reason not in REASONS:
        raise InvalidInput("Choose why you report this.")
    note = text.clean_text(note, NOTE_LIMIT, InvalidInput, "", NOTE_TOO_LONG, allow_empty=True)
    existing = db.session.scalar(
        select(Report).where(
            Report.reporter_id == reporter.id,
            Report.subject_type == subject_type,
            Report.subject_id == subject_id,
            Report.outcome.is_(None),
        )
    )
    if existing is None:
        existing = Report(reporter_id=reporter.id, subject_type=subject_type, subject_id=subject_id)
        db.session.add(existing)
    existing.author_id, existing.reason, existing.note = author.id, reason, note
    existing.excerpt = _excerpt(subject_type, subject)
    db.session.commit()
    return existing


# ---- The queue and one report in context --------------------------------------------------------------


def open_count():
    """How many reports wait for a moderator."""
    return db.session.scalar(select(func.count()).where(Report.outcome.is_(None)))


def queue(after=None, limit=QUEUE_SIZE):
    """(rows of (report, author), next cursor): open reports, oldest first."""
    stmt = (
        select(Report, User)
        .join(User, User.id == Report.author_id)
        .where(Report.outcome.is_(None))
        .order_by(Report.id)
        .limit(limit + 1)
    )
    if after:
        stmt = stmt.where(Report.id > after)
    return paging.split(db.session.execute(stmt).all(), limit, lambda row: row[0].id)


def get_report(moderator, report_id):
    """The report `report_id`, for a moderator; NotFound when there is none."""
    roles.require_role(moderator, "moderator")
    found = db.session.get(Report, report_id)
    if found is None:
        raise NotFound("There is no such report.")
    return found


def reported_content(found):
    """What a moderator sees of a report's subject, as a dict: the author and, while it exists, the post;
    the comment with its post; the profile; or the message alone, never the rest of its conversation."""
    seen = {"author": db.session.get(User, found.author_id), "reporter": db.session.get(User, found.reporter_id)}
    if found.subject_type == "post":
        seen["post"] = db.session.get(Post, found.subject_id)
    elif found.subject_type == "comment":
        comment = db.session.get(Comment, found.subject_id)
        if comment is not None and comment.deleted_at is None:
            seen["comment"] = comment
            seen["post"] = db.session.get(Post, comment.post_id)
            seen["post_author"] = db.session.get(User, seen["post"].author_id)
    elif found.subject_type == "message":
        message = db.session.get(Message, found.subject_id)
        seen["message"] = message if message is not None and message.deleted_at is None else None
    seen["others"] = db.session.scalar(
        select(func.count()).where(
            Report.subject_type == found.subject_type,
            Report.subject_id == found.subject_id,
            Report.outcome.is_(None),
            Report.id != found.id,
        )
    )
    return seen


def subject_label(found, author):
    """How a report's subject is named: "@bob's post", "@bob's profile"."""
    return f"@{author.username}'s {SUBJECT_NAMES.get(found.subject_type, 'content')}"


def _remove_subject(found):
    """Delete the reported content; False when it was already gone."""
    if found.subject_type == "post":
        post = db.session.get(Post, found.subject_id)
        if post is not None:
            posts.remove_post(post)
            return True
    elif found.subject_type == "comment":
        comment = db.session.get(Comment, found.subject_id)
        if comment is not None and comment.deleted_at is None:
            comments.remove_comment(comment, db.session.get(Post, comment.post_id))
            return True
    elif found.subject_type == "message":
        message = db.session.get(Message, found.subject_id)
        if message is not None and message.deleted_at is None:
            chat.erase_message(message)
            return True
    else:
        raise InvalidInput("A profile cannot be removed: dismiss the report, or suspend the person.")
    return False


def resolve(moderator, report_id, outcome, reason=""):
    """Resolve a report and every other open report about the same thing, and commit: dismiss it, remove
    the content, or suspend its author. Each reporter is notified of the outcome."""
    found = get_report(moderator, report_id)
    if found.outcome is not None:
        raise InvalidInput("This report is already resolved.")
    if outcome not in OUTCOMES:
        raise InvalidInput("Choose what to do about the report.")
    reason = _checked_reason(reason, required=outcome == SUSPENDED)
    author = db.session.get(User, found.author_id)
    label = subject_label(found, author)
    if outcome == SUSPENDED:
        suspend(moderator, author, reason or REASONS.get(found.reason, ""), commit=False)
    elif outcome == REMOVED:
        _remove_subject(found)  # commits the removal; the resolution follows
    action = {DISMISSED: "report.dismiss", REMOVED: "report.remove", SUSPENDED: "report.suspend"}[outcome]
    audit.record(moderator, action, label, reason or REASONS.get(found.reason, ""))
    siblings = db.session.scalars(
        select(Report).where(
            Report.subject_type == found.subject_type,
            Report.subject_id == found.subject_id,
            Report.outcome.is_(None),
        )
    ).all()
    now = utcnow()
    for each in {found, *siblings}:
        each.outcome, each.resolved_by_id, each.resolved_at = outcome, moderator.id, now
        notifications.notify(each.reporter_id, moderator.id, f"report_{outcome}", "report", each.id)
    db.session.commit()
    return found


# ---- Suspension and deletion --------------------------------------------------------------------------


def _checked_reason(reason, required=True):
    return text.clean_text(reason, REASON_LIMIT, InvalidInput, NO_REASON, REASON_TOO_LONG, allow_empty=not required)


def check_may_suspend(actor, person):
    """Raise Forbidden unless `actor` may suspend or unsuspend `person`: moderators and admins may, but not
    themselves, and moderators not admins."""
    roles.require_role(actor, "moderator")
    if actor.id == person.id:
        raise Forbidden("You cannot suspend or unsuspend yourself.")
    if person.role == "admin" and not roles.has_role(actor, "admin"):
        raise Forbidden("Only an admin can suspend or unsuspend an admin.")


def may_suspend(actor, person):
    """True when `actor` may suspend `person` (see check_may_suspend)."""
    try:
        check_may_suspend(actor, person)
    except Forbidden:
        return False
    return True


def suspend(actor, person, reason, commit=True):
    """Suspend `person` with a reason: their logins end, their open pages close on every worker, and all
    they wrote is hidden. Noted in the audit log."""
    check_may_suspend(actor, person)
    reason = _checked_reason(reason)
    if person.is_suspended:
        raise InvalidInput(f"@{person.username} is already suspended.")
    person.suspended_at, person.suspended_reason = utcnow(), reason
    sessions.end_all_sessions(person.id)
    audit.record(actor, "suspend", f"@{person.username}", reason)
    publish_on_commit(person.id, ACCOUNT_ENDED)
    if commit:
        db.session.commit()
    return person


def unsuspend(actor, person, reason):
    """Lift `person`'s suspension: they may log in again and what they wrote shows again. Audited."""
    check_may_suspend(actor, person)
    reason = _checked_reason(reason)
    if not person.is_suspended:
        raise InvalidInput(f"@{person.username} is not suspended.")
    person.suspended_at, person.suspended_reason = None, ""
    audit.record(actor, "unsuspend", f"@{person.username}", reason)
    db.session.commit()
    return person


def delete_person(admin, person, reason):
    """Delete `person`'s account with everything they wrote (admins only, never their own): their pages
    close, and the audit log keeps who it was and why."""
    roles.require_role(admin, "admin")
    if admin.id == person.id:
        raise Forbidden("Delete your own account from your settings.")
    reason = _checked_reason(reason)
    audit.record(admin, "delete", f"@{person.username} ({person.full_name})", reason)
    publish_on_commit(person.id, ACCOUNT_ENDED)
    accounts.remove_account(person)


# ---- People -------------------------------------------------------------------------------------------


def find_person(moderator, user_id):
    """Anyone, suspended or not, for a moderator's page about them; NotFound when there is no such account."""
    roles.require_role(moderator, "moderator")
    person = db.session.get(User, user_id)
    if person is None:
        raise NotFound("There is no such person.")
    return person


def people(moderator, query="", after=None, limit=PEOPLE_PAGE_SIZE):
    """(people, next cursor): accounts whose username, name or address starts with `query` (everyone when
    empty), suspended ones too, in order of username."""
    roles.require_role(moderator, "moderator")
    stmt = select(User).order_by(func.lower(User.username), User.id).limit(limit + 1)
    query = (query or "").strip().lstrip("@").lower()
    if query:
        stmt = stmt.where(
            or_(
                starts_with(User.username, query),
                starts_with(User.first_name, query),
                starts_with(User.last_name, query),
                starts_with(User.email, query),
            )
        )
    if after:
        stmt = stmt.where(func.lower(User.username) > after.lower())
    return paging.split(db.session.scalars(stmt).all(), limit, lambda user: user.username)


def summary(person):
    """What a moderator's page about `person` counts: posts, comments, followers, following, reports."""
    count = db.session.scalar
    return {
        "posts": count(select(func.count()).where(Post.author_id == person.id)),
        "comments": count(select(func.count()).where(Comment.author_id == person.id, Comment.deleted_at.is_(None))),
        "followers": person.followers_count,
        "following": person.following_count,
        "reports": count(select(func.count()).where(Report.author_id == person.id)),
    }


def open_reports_about(person):
    """The open reports about `person`'s content, oldest first."""
    return db.session.scalars(
        select(Report).where(Report.author_id == person.id, Report.outcome.is_(None)).order_by(Report.id)
    ).all()


OUTCOME_WORDS = {
    DISMISSED: "it breaks no rule, so it stays",
    REMOVED: "the {what} was removed",
    SUSPENDED: "the author is suspended",
}


def own_report(reporter, report_id):
    """(report, author, what it became) for the person who made the report; NotFound for anyone else."""
    found = db.session.get(Report, report_id)
    if found is None or found.reporter_id != reporter.id:
        raise NotFound("There is no such report.")
    author = db.session.get(User, found.author_id)
    outcome = OUTCOME_WORDS.get(found.outcome, "")
    return found, author, outcome.format(what=SUBJECT_NAMES.get(found.subject_type, "content"))
