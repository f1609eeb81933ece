"""What moderators and each person use to keep the instance pleasant: reports, the audit log, and mutes."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from socialapp.extensions import db
from socialapp.models.base import utcnow


class Mute(db.Model):
    """`muter_id` no longer sees `muted_id`'s posts, comments and notifications; the muted person is not told."""

    __tablename__ = "mutes"

    muter_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    muted_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_mutes_muted", "muted_id", "muter_id"),)


class Report(db.Model):
    """A person's report of a post, comment, profile or chat message, waiting for a moderator or resolved."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reporter_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # "post", "comment", "user" or "message", and that thing's id (no foreign key: the content may be removed).
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    # Whose content it is, kept so the report still names them once the content is gone.
    author_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    # What the content said when reported, so a moderator sees it even if it is edited or deleted later.
    excerpt: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # None while open; then "dismissed", "removed" or "suspended".
    outcome: Mapped[str | None] = mapped_column(String(20))
    resolved_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        # The queue: open reports, oldest first.
        Index("ix_reports_open", "outcome", "id"),
        Index("ix_reports_subject", "subject_type", "subject_id"),
    )


class AuditEntry(db.Model):
    """One moderation or settings action: who did what to whom, when and why."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Kept as text so the log still reads after an account is deleted.
    actor_name: Mapped[str] = mapped_column(String(30), default="")
    action: Mapped[str] = mapped_column(String(40))
    target_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
