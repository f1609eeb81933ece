"""Accounts and profiles."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from socialapp.extensions import db
from socialapp.models.base import utcnow

SOCIAL_LINKS = (
    ("website", "Website"),
    ("github", "GitHub"),
    ("linkedin", "LinkedIn"),
    ("x", "X"),
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("youtube", "YouTube"),
)


def new_session_key():
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # "member", "moderator" or "admin" (services/roles.py); the first account on an instance is admin.
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    # The IANA zone times are shown in (socialapp/localtime.py): the browser's at sign-up and login, or chosen.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Set by a moderator (services/moderation.py): a suspended person cannot log in and their content is hidden.
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime)
    suspended_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    bio: Mapped[str] = mapped_column(String(160), default="")
    about: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    avatar_key: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str] = mapped_column(String(300), default="")
    github: Mapped[str] = mapped_column(String(300), default="")
    linkedin: Mapped[str] = mapped_column(String(300), default="")
    x: Mapped[str] = mapped_column(String(300), default="")
    facebook: Mapped[str] = mapped_column(String(300), default="")
    instagram: Mapped[str] = mapped_column(String(300), default="")
    youtube: Mapped[str] = mapped_column(String(300), default="")

    # Shown on every profile, so kept in the row and updated with each follow.
    followers_count: Mapped[int] = mapped_column(Integer, default=0)
    following_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("uq_users_username_lower", func.lower(username), unique=True),
        # The few suspended people, which every list leaves out (services/visibility.py).
        Index("ix_users_suspended_at", "suspended_at"),
        Index(
            "ix_users_username_prefix",
            func.lower(username),
            postgresql_ops={"lower(username)": "text_pattern_ops"},
        ),
        Index(
            "ix_users_first_name_prefix",
            func.lower(first_name),
            postgresql_ops={"lower(first_name)": "text_pattern_ops"},
        ),
        Index(
            "ix_users_last_name_prefix",
            func.lower(last_name),
            postgresql_ops={"lower(last_name)": "text_pattern_ops"},
        ),
    )

    # The login (UserSession.key) this object was loaded or logged in through; not a column.
    session_key = None

    @property
    def is_verified(self):
        return self.email_verified_at is not None

    @property
    def is_suspended(self):
        return self.suspended_at is not None

    @property
    def is_moderator(self):
        """A moderator or an admin: may act on reports and suspend people."""
        return self.role in ("moderator", "admin")

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self):
        return ((self.first_name[:1] + self.last_name[:1]) or self.username[:1]).upper()

    def social_links(self):
        """(label, url) for each social profile the user has filled in."""
        return [(label, getattr(self, key)) for key, label in SOCIAL_LINKS if getattr(self, key)]

    def get_id(self):
        """What Flask-Login keeps in the session and remember-me cookies: the user and one login of theirs."""
        if not self.session_key:
            raise RuntimeError("Start a session (services.sessions.start_session) before logging the user in.")
        return f"{self.id}:{self.session_key}"

    def __repr__(self):
        return f"<User {self.username}>"


class UserSession(db.Model):
    """One login: a browser's session and remember-me cookies name it, so deleting the row logs that browser out
    however the cookies were kept (logout, password change, reset)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_key)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
