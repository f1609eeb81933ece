"""Video meetings: a room with an unguessable id, who has been in it, and who is in it now."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from socialapp.extensions import db
from socialapp.models.base import utcnow


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    host_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Kept with the participant rows in one transaction; a conditional UPDATE on it is what makes the
    # maximum hold when several people join at the same moment, on any database.
    participant_count: Mapped[int] = mapped_column(Integer, default=0)


class MeetingMember(db.Model):
    """Someone who created or joined a meeting: what "my recent meetings" lists."""

    __tablename__ = "meeting_members"

    meeting_id: Mapped[int] = mapped_column(Integer, ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_joined_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_meeting_members_user_recent", "user_id", "last_joined_at"),)


class MeetingParticipant(db.Model):
    """One tab in a meeting, from joining to leaving. Active while `left_at` is empty."""

    __tablename__ = "meeting_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(Integer, ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    socket_id: Mapped[str] = mapped_column(String(64), index=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Refreshed by the page's heartbeat: a tab whose worker died stops refreshing and is swept out.
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(DateTime)
    camera_on: Mapped[bool] = mapped_column(Boolean, default=True)
    mic_on: Mapped[bool] = mapped_column(Boolean, default=True)
    screen_on: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_meeting_participants_meeting_left", "meeting_id", "left_at"),)
