"""One-on-one chat: a conversation per pair of users, its two members, and its messages."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from socialapp.extensions import db
from socialapp.models.base import utcnow


class Conversation(db.Model):
    """The one conversation between two users, stored with the lower id first so the pair is unique."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_low_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    user_high_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_low_id", "user_high_id", name="uq_conversations_pair"),
        CheckConstraint("user_low_id < user_high_id", name="ordered_pair"),
        Index("ix_conversations_user_high", "user_high_id"),
    )


class ConversationMember(db.Model):
    """One side of a conversation: what this member has read, and where it sits in their list."""

    __tablename__ = "conversation_members"

    conversation_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    other_user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    # Message ids only grow, so "read up to this id" says everything about what is unread.
    last_read_message_id: Mapped[int] = mapped_column(Integer, default=0)
    # Copied from the conversation's newest message so a member's list sorts on one index.
    last_message_id: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_conversation_members_user_recent", "user_id", "last_message_id"),
        Index("ix_conversation_members_other", "other_user_id"),
    )


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        # History, "after the last id I have" and unread counts all walk a conversation by id.
        Index("ix_messages_conversation_id", "conversation_id", "id"),
        Index("ix_messages_sender", "sender_id"),
    )

    @property
    def is_deleted(self):
        return self.deleted_at is not None
