"""Invitation links: made by admins (or by members when the instance allows it), used once a sign-up.

A link is /join/<code>; it lets its holder register while joining is by invitation, until it expires, is
used up or is revoked. Each account created with it takes one use, counted by one guarded UPDATE so that
two sign-ups at the same moment cannot overspend it.
"""

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from socialapp.extensions import db
from socialapp.models import Invitation
from socialapp.models.base import utcnow
from socialapp.services import audit, instance, roles
from socialapp.services.errors import Forbidden, InvalidInput, NotFound

MAX_USES = 1000
MAX_DAYS = 365
MAX_COUNT = 10000
PAGE_SIZE = 100


def may_invite(user):
    """True when `user` may make invitation links: admins always, members when the admin allows it."""
    if roles.has_role(user, "admin"):
        return True
    return bool(getattr(user, "is_authenticated", False)) and instance.join_settings()["members_invite"]


def _check(uses, days):
    if not 1 <= uses <= MAX_USES:
        raise InvalidInput(f"A link can be used 1 to {MAX_USES} times.")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A link lasts 1 to {MAX_DAYS} days.")


def _new(creator, uses, days, now):
    return Invitation(
        code=secrets.token_urlsafe(16),
        created_by_id=getattr(creator, "id", None),
        created_at=now,
        expires_at=now + timedelta(days=days),
        max_uses=uses,
    )


def create(creator, uses=1, days=7):
    """Make one invitation link for `creator` and commit; the Invitation."""
    if not may_invite(creator):
        raise Forbidden("Only an admin can make invitation links here.")
    _check(uses, days)
    invitation = _new(creator, uses, days, utcnow())
    db.session.add(invitation)
    audit.record(creator, "invitation.create", f"1 link, {uses} use{'s' if uses != 1 else ''}, {days} days")
    db.session.commit()
    return invitation


def create_many(count, uses=1, days=7, creator=None, progress=None):
    """Make `count` links (from the command line, with no creator) in batches; their codes.

    `progress(n)` is called after each batch with the number just made.
    """
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"Make 1 to {MAX_COUNT} links at a time.")
    _check(uses, days)
    codes, now = [], utcnow()
    audit.record(creator, "invitation.create", f"{count} links, {uses} use{'s' if uses != 1 else ''}, {days} days")
    for start in range(0, count, PAGE_SIZE):
        batch = [_new(creator, uses, days, now) for _ in range(min(PAGE_SIZE, count - start))]
        db.session.add_all(batch)
        db.session.commit()
        codes.extend(invitation.code for invitation in batch)
        if progress:
            progress(len(batch))
    return codes


def _usable_clause(now):
    return (Invitation.revoked_at.is_(None), Invitation.expires_at > now, Invitation.uses < Invitation.max_uses)


def usable(code):
    """The invitation with `code` if it can still be used, else None."""
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.code == code, *_usable_clause(utcnow())))


def spend(code):
    """Take one use of the link `code` in the current transaction; False when it is no longer usable."""
    if not code or len(code) > 64:
        return False
    result = db.session.execute(
        update(Invitation)
        .where(Invitation.code == code, *_usable_clause(utcnow()))
        .values(uses=Invitation.uses + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def made_by(user):
    """The links `user` may see on the invitations page, newest first: all of them for admins, else their own."""
    query = select(Invitation).order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(PAGE_SIZE)
    if not roles.has_role(user, "admin"):
        query = query.where(Invitation.created_by_id == user.id)
    return db.session.scalars(query).all()


def revoke(user, invitation_id):
    """Revoke a link: admins any, members their own; commit."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not (roles.has_role(user, "admin") or invitation.created_by_id == user.id):
        raise NotFound("There is no such invitation.")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(user, "invitation.revoke", f"/join/{invitation.code[:8]}…")
        db.session.commit()
    return invitation


def status(invitation, now=None):
    """A word for the invitations page: active, used up, expired or revoked."""
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.uses >= invitation.max_uses:
        return "used up"
    if invitation.expires_at <= now:
        return "expired"
    return "active"
