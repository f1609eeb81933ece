"""The audit log: every moderation and settings action, with who did it, to whom, when and why.

`record` adds an entry in the caller's transaction, so the entry and the action it describes are kept or
dropped together. Names are stored as text, so the log still reads after an account is deleted. It
imports no other service, so that every service (accounts, instance, invitations, roles) may use it.
"""

from sqlalchemy import select

from socialapp.extensions import db
from socialapp.models import AuditEntry
from socialapp.services import paging

PAGE_SIZE = 50
COMMAND_LINE = "command line"
# What each action is called on the audit log page.
ACTIONS = {
    "suspend": "suspended",
    "unsuspend": "unsuspended",
    "delete": "deleted the account of",
    "role": "changed the role of",
    "report.dismiss": "dismissed a report about",
    "report.remove": "removed, after a report,",
    "report.suspend": "suspended, after a report,",
    "instance.settings": "changed who may join:",
    "invitation.create": "made invitation links:",
    "invitation.revoke": "revoked an invitation link:",
}


def record(actor, action, target_name="", reason=""):
    """Add an audit entry for `action` by `actor` (a user, or None for the command line), not committed."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=actor.username if actor is not None else COMMAND_LINE,
        action=action,
        target_name=(target_name or "")[:200],
        reason=reason or "",
    )
    db.session.add(entry)
    return entry


def entries(before=None, limit=PAGE_SIZE):
    """(entries, next cursor): the audit log, newest first, a keyset page at a time."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if before:
        stmt = stmt.where(AuditEntry.id < before)
    return paging.split(db.session.scalars(stmt).all(), limit, lambda entry: entry.id)


def describe(entry):
    """What an entry says after its actor's name."""
    return ACTIONS.get(entry.action, entry.action)
