"""The one place that decides who can see whom.

A block, in either direction, hides two people from each other everywhere: every query that lists
users or their content filters through these helpers, and every page or action about one person
asks `visible_user`. Whatever a block hides is answered exactly as for someone who does not exist
(404, nothing listed, nothing relayed), so a block cannot be told apart from a deleted account.

A suspended person (services/moderation.py) is hidden from everyone the same way, until unsuspended.

A mute (services/mutes.py) is lighter and one-way: `not_muted_by` keeps the muted person's posts,
comments and notifications out of the muter's lists, and nothing else changes for either of them.
"""

import functools

from sqlalchemy import Integer, and_, bindparam, exists, or_, select, union
from sqlalchemy.orm import aliased

from socialapp.extensions import db
from socialapp.models import Block, Mute, User
from socialapp.services.accounts import find_by_username
from socialapp.services.errors import NotFound

NO_SUCH_PERSON = "There is no such person."
# Its own alias, so that the check also works inside queries over users themselves.
_Suspended = aliased(User)


def hidden_user_ids(viewer_id):
    """A SELECT of the ids of users hidden from `viewer_id`: in a block with them, either way, or suspended."""
    return union(
        select(Block.blocked_id).where(Block.blocker_id == viewer_id),
        select(Block.blocker_id).where(Block.blocked_id == viewer_id),
        select(User.id).where(User.suspended_at.is_not(None)),
    )


def _block_between(a_id, b_id):
    """EXISTS: either of the two blocks the other. Either side may be a column or a parameter."""
    return exists().where(
        or_(
            and_(Block.blocker_id == a_id, Block.blocked_id == b_id),
            and_(Block.blocker_id == b_id, Block.blocked_id == a_id),
        )
    )


def _suspended(*user_ids):
    """EXISTS: any of `user_ids` (columns or parameters) is suspended."""
    return exists().where(
        or_(*(_Suspended.id == user_id for user_id in user_ids)), _Suspended.suspended_at.is_not(None)
    )


def visible_to(viewer_id, user_id_column):
    """A WHERE clause keeping rows whose `user_id_column` is not in a block with the viewer, nor suspended."""
    return and_(~_block_between(viewer_id, user_id_column), ~_suspended(user_id_column))


def not_muted_by(viewer_id, user_id_column):
    """A WHERE clause keeping rows whose `user_id_column` the viewer has not muted.

    Either side may be a column: `not_muted_by(Follow.follower_id, author_id)` keeps the followers who
    have not muted that author. One probe of the mutes' primary key per row.
    """
    return ~exists().where(Mute.muter_id == viewer_id, Mute.muted_id == user_id_column)


def hidden_between(a_id, b_id):
    """A condition for a query: either of the two blocks the other, or either is suspended. Either side may be
    a column or a parameter."""
    return or_(_block_between(a_id, b_id), _suspended(a_id, b_id))


@functools.cache
def _blocked_between_stmt():
    # Built once, with parameters: every page and action about one person asks it, and building it cost
    # more than the query itself.
    return select(hidden_between(bindparam("a_id", type_=Integer), bindparam("b_id", type_=Integer)))


def is_blocked_between(a_id, b_id):
    """True when either user blocks the other, or either is suspended: the two are hidden from each other.
    Every single post, comment or person looked up by id asks this, so a suspension hides them as a block."""
    if a_id == b_id:
        return False
    return bool(db.session.scalar(_blocked_between_stmt(), {"a_id": a_id, "b_id": b_id}))


def may_interact(viewer_id, user, hidden=None):
    """The rule every area follows: the viewer may see and reach `user` when they exist, have confirmed
    their email address, are not suspended, and no block stands between the two, either way. `hidden`:
    `hidden_between` the two, when the caller asked it with a query of its own."""
    if user is None or not user.is_verified or user.is_suspended:
        return False
    return not (is_blocked_between(viewer_id, user.id) if hidden is None else hidden)


def visible_user(viewer_id, user, hidden=None):
    """`user` if the viewer may see and reach them (`may_interact`), else NotFound, as for no one."""
    if not may_interact(viewer_id, user, hidden):
        raise NotFound(NO_SUCH_PERSON)
    return user


def visible_user_named(viewer_id, username):
    """The user named `username` (any case) if the viewer may see and reach them, else NotFound."""
    return visible_user(viewer_id, find_by_username(username))


def blocks(blocker_id, blocked_id):
    """True when `blocker_id` blocks `blocked_id` (one direction only: for the blocker's own settings)."""
    return db.session.get(Block, (blocker_id, blocked_id)) is not None


def mutes(muter_id, muted_id):
    """True when `muter_id` has muted `muted_id`."""
    return db.session.get(Mute, (muter_id, muted_id)) is not None
