"""Notifications: created in the same transaction as their cause, pushed to the bell after commit."""

from sqlalchemy import delete, select

from socialapp.extensions import db
from socialapp.models import Notification
from socialapp.models.base import utcnow
from socialapp.realtime import publish_on_commit

# Reading them, grouped: services/notification_groups.py.
from socialapp.services.notification_groups import (  # noqa: F401
    GROUPING,
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

    Nothing for one's own actions or between people in a block. Unread message notifications from the
    same conversation are folded into one. One from someone the recipient muted is kept (it shows again
    on unmute) but not pushed: their bell does not move.
    """
    if recipient_id == actor_id or is_blocked_between(recipient_id, actor_id):
        return None
    push = not mutes(recipient_id, actor_id)
    if kind == "message":
        existing = db.session.scalar(
            select(Notification).where(
                Notification.recipient_id == recipient_id,
                Notification.actor_id == actor_id,
                Notification.kind == kind,
                Notification.subject_type == subject_type,
                Notification.subject_id == subject_id,
                Notification.read_at.is_(None),
            )
        )
        if existing:
            existing.created_at = utcnow()
            if push:
                _announce(recipient_id, existing.kind, subject_type, subject_id, existing.id, fresh=True)
            return existing
    notification = Notification(
        recipient_id=recipient_id, actor_id=actor_id, kind=kind, subject_type=subject_type, subject_id=subject_id
    )
    db.session.add(notification)
    if kind not in GROUPING:
        db.session.flush()  # a group of one is named by the notification's id
    if push:
        _announce(recipient_id, kind, subject_type, subject_id, notification.id, fresh=True)
    return notification


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
