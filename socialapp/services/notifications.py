"""Notifications: created in the same transaction as their cause, pushed to the bell after commit."""

import functools

from sqlalchemy import Integer, bindparam, delete, exists, select, update

from socialapp.extensions import db
from socialapp.models import Mute, Notification, User
from socialapp.models.base import utcnow
from socialapp.realtime import publish_on_commit

# Reading them, grouped: services/notification_groups.py.
from socialapp.services.notification_groups import (  # noqa: F401
    GROUPING,
    carried_group,
    carry,
    find,
    key_of,
    mark_all_read,
    open_group,
    page,
    unread_count,
)
from socialapp.services.visibility import is_blocked_between, mutes


def notify(recipient_id, actor_id, kind, subject_type=None, subject_id=None):
    """Record that `actor_id` did `kind` to `recipient_id`, in the caller's transaction (not committed).

    Nothing for one's own actions or between people in a block. One from someone the recipient muted is
    kept (it shows again on unmute) but not pushed: their bell does not move. Messages: `notify_of_message`.
    """
    if recipient_id == actor_id or is_blocked_between(recipient_id, actor_id):
        return
    if kind == "message":
        notify_of_message(recipient_id, db.session.get(User, actor_id), subject_id)
        return
    push = not mutes(recipient_id, actor_id)
    notification = Notification(
        recipient_id=recipient_id, actor_id=actor_id, kind=kind, subject_type=subject_type, subject_id=subject_id
    )
    db.session.add(notification)
    if kind not in GROUPING:
        db.session.flush()  # a group of one is named by the notification's id
    if push:
        _announce(recipient_id, kind, subject_type, subject_id, notification.id, fresh=True)


def message_notice(recipient_id, sender_id, conversation_id):
    """What notifying of a message asks, as two columns for a SELECT, so that the send can ask them with its
    own query: whether the recipient muted the sender, and the conversation's unread notification (its id,
    or None) that the message folds into. Each side may be a column or a parameter."""
    muted = exists().where(Mute.muter_id == recipient_id, Mute.muted_id == sender_id)
    unread = select(Notification.id).where(
        Notification.recipient_id == recipient_id,
        Notification.actor_id == sender_id,
        Notification.kind == "message",
        Notification.subject_type == "conversation",
        Notification.subject_id == conversation_id,
        Notification.read_at.is_(None),
    )
    return muted, unread.limit(1).scalar_subquery()


@functools.cache
def _message_notice_stmt():
    # Built once, with parameters.
    names = ("recipient_id", "sender_id", "conversation_id")
    return select(*message_notice(*(bindparam(name, type_=Integer) for name in names)))


@functools.cache
def _refold_stmt():
    table = Notification.__table__
    return update(table).where(table.c.id == bindparam("notification_id")).values(created_at=bindparam("now"))


def notify_of_message(recipient_id, sender, conversation_id, notice=None):
    """`notify` for a message from `sender` (a User) in their conversation with `recipient_id`, whom the send
    already found outside any block: `notice` is what `message_notice` asks, when the send asked it
    (else one query asks it here), and then one write.

    The unread message notifications of one conversation are one, which moves to the top: so its group
    has one actor, and the bell's event carries the group's row (`carry`).
    """
    if notice is None:
        params = {"recipient_id": recipient_id, "sender_id": sender.id, "conversation_id": conversation_id}
        notice = db.session.execute(_message_notice_stmt(), params).one()
    muted, unread_id = notice
    now = utcnow()
    if unread_id:
        db.session.execute(_refold_stmt(), {"notification_id": unread_id, "now": now})
    else:
        fields = {"kind": "message", "subject_type": "conversation", "subject_id": conversation_id}
        db.session.add(Notification(recipient_id=recipient_id, actor_id=sender.id, created_at=now, **fields))
    if not muted:
        key = key_of("message", "conversation", conversation_id)
        publish_on_commit(recipient_id, "notification", group=key, fresh=True, carried=carry(now, sender))


def _announce(recipient_id, kind, subject_type, subject_id, notification_id, fresh=False):
    """Ring the recipient's bell when the transaction commits, naming the group that changed so that their
    open lists redraw its row (moved to the top when `fresh`, a new notification in it)."""
    key = key_of(kind, subject_type, subject_id, notification_id)
    if key is None:
        publish_on_commit(recipient_id, "notification")
    elif fresh:
        publish_on_commit(recipient_id, "notification", group=key, fresh=True)
    else:
        publish_on_commit(recipient_id, "notification", group=key)


def withdraw(recipient_id, actor_id, kind, subject_type=None, subject_id=None):
    """Remove the notification of an action that was undone (unfollow, unlike, deleted comment)."""
    removed = db.session.execute(
        delete(Notification)
        .where(
            Notification.recipient_id == recipient_id,
            Notification.actor_id == actor_id,
            Notification.kind == kind,
            Notification.subject_type.is_(subject_type)
            if subject_type is None
            else Notification.subject_type == subject_type,
            Notification.subject_id.is_(subject_id) if subject_id is None else Notification.subject_id == subject_id,
        )
        .returning(Notification.id)
    ).all()
    for (notification_id,) in removed:
        _announce(recipient_id, kind, subject_type, subject_id, notification_id)


def withdraw_about(subject_type, subject_ids):
    """Remove every notification about these subjects (a list of ids or a SELECT of them), which are
    going away: a deleted post or comment leaves nothing behind in anyone's notifications."""
    recipients = db.session.scalars(
        delete(Notification)
        .where(Notification.subject_type == subject_type, Notification.subject_id.in_(subject_ids))
        .returning(Notification.recipient_id)
    ).all()
    for recipient_id in set(recipients):
        publish_on_commit(recipient_id, "notification")
