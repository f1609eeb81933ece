"""Notifications: created in the same transaction as their cause, pushed to the bell after commit."""

from sqlalchemy import delete, func, select, update

from socialapp.extensions import db
from socialapp.models import Notification, User
from socialapp.models.base import utcnow
from socialapp.realtime import publish_on_commit
from socialapp.services import paging
from socialapp.services.errors import NotFound
from socialapp.services.visibility import is_blocked_between, mutes, not_muted_by, visible_to

PAGE_SIZE = 20


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
                publish_on_commit(recipient_id, "notification")
            return existing
    notification = Notification(
        recipient_id=recipient_id, actor_id=actor_id, kind=kind, subject_type=subject_type, subject_id=subject_id
    )
    db.session.add(notification)
    if push:
        publish_on_commit(recipient_id, "notification")
    return notification


def withdraw(recipient_id, actor_id, kind, subject_type=None, subject_id=None):
    """Remove the notification of an action that was undone (unfollow, unlike, deleted comment)."""
    result = db.session.execute(
        delete(Notification).where(
            Notification.recipient_id == recipient_id,
            Notification.actor_id == actor_id,
            Notification.kind == kind,
            Notification.subject_type.is_(subject_type)
            if subject_type is None
            else Notification.subject_type == subject_type,
            Notification.subject_id.is_(subject_id) if subject_id is None else Notification.subject_id == subject_id,
        )
    )
    if result.rowcount:
        publish_on_commit(recipient_id, "notification")


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


def unread_count(user_id):
    stmt = select(func.count()).where(
        Notification.recipient_id == user_id,
        Notification.read_at.is_(None),
        visible_to(user_id, Notification.actor_id),
        not_muted_by(user_id, Notification.actor_id),
    )
    return db.session.scalar(stmt)


def page(user_id, before=None, limit=PAGE_SIZE):
    """(rows of (notification, actor), next cursor): newest first, hiding actors in a block or muted."""
    stmt = (
        select(Notification, User)
        .join(User, User.id == Notification.actor_id)
        .where(
            Notification.recipient_id == user_id,
            visible_to(user_id, Notification.actor_id),
            not_muted_by(user_id, Notification.actor_id),
        )
        .order_by(Notification.id.desc())
        .limit(limit + 1)
    )
    if before:
        stmt = stmt.where(Notification.id < before)
    return paging.split(db.session.execute(stmt).all(), limit, lambda row: row[0].id)


def mark_read(user_id, notification_id):
    """Mark one of the user's notifications read; the (notification, actor) row, as `page` gives it.

    NotFound when it is not theirs, or when its actor is now in a block with them or muted (it is hidden then).
    """
    row = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.actor_id)
        .where(
            Notification.id == notification_id,
            Notification.recipient_id == user_id,
            visible_to(user_id, Notification.actor_id),
            not_muted_by(user_id, Notification.actor_id),
        )
    ).first()
    if row is None:
        raise NotFound("There is no such notification.")
    result = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if result.rowcount:
        publish_on_commit(user_id, "notification")  # the user's other tabs show the new count too
    db.session.commit()
    return row


def mark_all_read(user_id):
    """Mark every notification of the user read."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if result.rowcount:
        publish_on_commit(user_id, "notification")
    db.session.commit()
