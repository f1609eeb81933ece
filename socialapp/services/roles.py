"""Who runs the instance: every account is a member, a moderator or an admin.

Moderators act on reports and suspend people; admins also change roles and the instance's settings. The
first account created on an instance is its admin (accounts.register), and `flask set-role` changes roles.
"""

from sqlalchemy import select

from socialapp.extensions import db
from socialapp.models import User
from socialapp.services import audit
from socialapp.services.errors import Forbidden, InvalidInput

ROLES = ("member", "moderator", "admin")
# What each role may do includes what the roles before it may.
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def has_role(user, role):
    """True when `user` (who may be anonymous) holds `role` or one above it."""
    return bool(getattr(user, "is_authenticated", False)) and _RANK.get(user.role, 0) >= _RANK[role]


def require_role(user, role):
    """Raise Forbidden unless `user` holds `role` or one above it."""
    if not has_role(user, role):
        raise Forbidden(
            "Only a moderator or an admin can do that." if role == "moderator" else "Only an admin can do that."
        )


def is_first_account(user):
    """True when no account but `user` (just added, flushed) exists: that account becomes the admin."""
    return db.session.scalar(select(User.id).where(User.id != user.id).limit(1)) is None


def set_role(user, role, actor=None, reason=""):
    """Give `user` the role `role`, note it in the audit log and commit. `actor` is the admin who changed it
    on the web (never their own role, so an instance cannot lose its last admin by a slip), or None for
    `flask set-role`."""
    if role not in ROLES:
        raise InvalidInput(f"A role is one of {', '.join(ROLES)}.")
    if actor is not None:
        require_role(actor, "admin")
        if actor.id == user.id:
            raise Forbidden("You cannot change your own role. Ask another admin.")
    if user.role != role:
        audit.record(actor, "role", f"@{user.username}", f"{user.role} to {role}. {reason}".strip())
    user.role = role
    db.session.commit()
