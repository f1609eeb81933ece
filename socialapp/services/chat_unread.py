"""Chat: how many messages each person has not read, per conversation and in all (the badge), and what a
pushed message's recipient is told of them."""

import functools

from sqlalchemy import Integer, and_, bindparam, case, func, select

from socialapp.extensions import db
from socialapp.models.chat import ConversationMember, Message
from socialapp.services.visibility import visible_to


def _unread_by(member):
    """The messages `member` (a ConversationMember, or the class for a join) has not read: the other's,
    after the member's read position, not deleted."""
    return and_(
        Message.conversation_id == member.conversation_id,
        Message.id > member.last_read_message_id,
        Message.sender_id == member.other_user_id,
        Message.deleted_at.is_(None),
    )


def _unread_stmt(user_id, *columns):
    """`columns` over the messages from others that `user_id` has not read, in conversations with people
    outside any block with them."""
    return (
        select(*columns)
        .select_from(ConversationMember)
        .join(Message, _unread_by(ConversationMember))
        .where(ConversationMember.user_id == user_id, visible_to(user_id, ConversationMember.other_user_id))
    )


def unread_counts_stmt(user_id):
    """(conversation id, unread messages) of each of the user's conversations with unread messages."""
    return _unread_stmt(user_id, ConversationMember.conversation_id, func.count(Message.id).label("unread")).group_by(
        ConversationMember.conversation_id
    )


@functools.cache
def _unread_total_stmt():
    # Built once, with the user as a parameter: building it cost more than the count itself.
    return _unread_stmt(bindparam("user_id", type_=Integer), func.count(Message.id))


def unread_total(user_id):
    """How many messages from others `user_id` has not read, over all conversations: the chat badge.
    Every page shows it, so it is one plain count, not a sum over the per-conversation counts."""
    return db.session.scalar(_unread_total_stmt(), {"user_id": user_id}) or 0


def unread_in(member):
    """Unread messages for one member of one conversation."""
    return db.session.scalar(select(func.count(Message.id)).where(_unread_by(member))) or 0


@functools.cache
def _arrival_counts_stmt():
    # Built once, with parameters: every message's push to its recipient asks it, and building it cost more
    # than the query.
    user_id, sender_id, conversation_id = (
        bindparam(name, type_=Integer) for name in ("user_id", "sender_id", "conversation_id")
    )
    here = func.count(case((ConversationMember.conversation_id == conversation_id, Message.id)))
    counts = _unread_stmt(user_id, here.label("here"), func.count(Message.id).label("total")).subquery()
    visible = case((visible_to(user_id, sender_id), 1), else_=0)
    return select(visible, counts.c.here, counts.c.total)


def arrival_counts(user_id, sender_id, conversation_id):
    """For pushing a new message to its recipient, in one query: (unread messages in that conversation,
    unread messages in all), or None when a block (or a suspension) now stands between the two."""
    params = {"user_id": user_id, "sender_id": sender_id, "conversation_id": conversation_id}
    shown, here, everywhere = db.session.execute(_arrival_counts_stmt(), params).one()
    return (here, everywhere) if shown else None
