"""Logins kept on the server: a cookie is honoured only while its row exists, so logging out ends it everywhere
the cookie was copied to, and a password change or reset ends every other one."""

import functools
from datetime import timedelta

from flask import current_app
from sqlalchemy import Integer, String, bindparam, delete, select

from socialapp.extensions import db
from socialapp.models import User, UserSession
from socialapp.models.base import utcnow


def _oldest_valid():
    # No login lasts longer than the remember-me cookie, kept or not.
    return utcnow() - timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])


def start_session(user):
    """Record a new login of `user` (and forget their expired ones); `user.get_id()` then names it."""
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.created_at < _oldest_valid())
    )
    login = UserSession(user_id=user.id)
    db.session.add(login)
    db.session.commit()
    user.session_key = login.key
    return user


@functools.cache
def _login_stmt():
    # Built once, with parameters: every request loads its user with it.
    return (
        select(User, UserSession.created_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.key == bindparam("key", type_=String), User.id == bindparam("user_id", type_=Integer))
    )


def user_for_session(session_id):
    """The verified, unsuspended user of a live login named by `session_id` ("<user id>:<key>"), or None."""
    user_id, _, key = (session_id or "").partition(":")
    if not user_id.isdigit() or not key:
        return None
    row = db.session.execute(_login_stmt(), {"key": key, "user_id": int(user_id)}).first()
    if row is None or row.created_at < _oldest_valid() or not row.User.is_verified or row.User.is_suspended:
        return None
    row.User.session_key = key
    return row.User


def end_session(user):
    """Log out the login `user` was loaded through: its cookies, wherever they are, stop working."""
    if user.session_key:
        db.session.execute(delete(UserSession).where(UserSession.key == user.session_key))
        db.session.commit()
        user.session_key = None


def end_other_sessions(user):
    """Log out every login of `user` but the current one (no commit: part of the caller's change)."""
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.key != (user.session_key or ""))
    )


def end_all_sessions(user_id):
    """Log out every login of `user_id` (no commit: part of the caller's change, a suspension say)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))
