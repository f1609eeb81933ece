"""Mute: one person stops seeing another's posts, comments and notifications, and the muted person is not told.

A mute is one-way and quiet, unlike a block: the muted person still sees the muter, may follow them,
comment on their posts and message them, and the muter may still open the muted person's profile (their
posts show there, with a note) and chat with them. Every list that shows someone's content to the muter
filters with `visibility.not_muted_by`: the home feed, tag pages, post search, comments and replies, and
notifications (the list, the unread count and the pushes to the bell).
"""

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from socialapp.extensions import db
from socialapp.models import Mute, User
from socialapp.services import paging
from socialapp.services.errors import NotFound, ServiceError
from socialapp.services.visibility import NO_SUCH_PERSON, mutes, visible_to, visible_user

PAGE_SIZE = 20


def _check_other(user, other, action):
    if other is None:
        raise NotFound(NO_SUCH_PERSON)
    if other.id == user.id:
        raise ServiceError(f"You cannot {action} yourself.")
    visible_user(user.id, other)


def is_muted(muter_id, muted_id):
    """True when `muter_id` has muted `muted_id`."""
    return mutes(muter_id, muted_id)


def mute(user, other):
    """`user` mutes `other`: their posts, comments and notifications no longer reach `user`.

    Nothing is sent to `other`, and nothing they can see changes. Muting twice is harmless. NotFound for
    someone missing or in a block with `user`, as everywhere; ServiceError for oneself.
    """
    _check_other(user, other, "mute")
    if not mutes(user.id, other.id):
        try:
            with db.session.begin_nested():
                db.session.add(Mute(muter_id=user.id, muted_id=other.id))
        except IntegrityError:
            pass  # a second click won the race; the mute stands all the same
    db.session.commit()


def unmute(user, other):
    """`user` unmutes `other`: their posts, comments and notifications, earlier ones too, show again."""
    _check_other(user, other, "unmute")
    db.session.execute(delete(Mute).where(Mute.muter_id == user.id, Mute.muted_id == other.id))
    db.session.commit()


def muted_page(user, cursor=None, limit=PAGE_SIZE):
    """(users, next_cursor): whom `user` has muted, most recent first, leaving out anyone now in a block
    with them (a block hides more than a mute, and the blocked list shows whom they block)."""
    stmt = (
        select(User, Mute.created_at)
        .join(Mute, Mute.muted_id == User.id)
        .where(Mute.muter_id == user.id, visible_to(user.id, User.id))
    )
    return paging.people_newest_first(stmt, Mute.created_at, Mute.muted_id, cursor, limit)
