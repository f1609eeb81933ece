"""The one place that decides who can see whom.

A block, in either direction, hides two people from each other everywhere: every query that lists
users or their content filters through these helpers.
"""

from sqlalchemy import and_, exists, or_, select, union

from socialapp.extensions import db
from socialapp.models import Block


def hidden_user_ids(viewer_id):
    """A SELECT of the ids of users in a block with `viewer_id`, either way."""
    return union(
        select(Block.blocked_id).where(Block.blocker_id == viewer_id),
        select(Block.blocker_id).where(Block.blocked_id == viewer_id),
    )


def visible_to(viewer_id, user_id_column):
    """A WHERE clause keeping rows whose `user_id_column` is not in a block with the viewer."""
    return ~exists().where(
        or_(
            and_(Block.blocker_id == viewer_id, Block.blocked_id == user_id_column),
            and_(Block.blocked_id == viewer_id, Block.blocker_id == user_id_column),
        )
    )


def is_blocked_between(a_id, b_id):
    """True when either user blocks the other."""
    if a_id == b_id:
        return False
    stmt = select(
        exists().where(
            or_(
                and_(Block.blocker_id == a_id, Block.blocked_id == b_id),
                and_(Block.blocker_id == b_id, Block.blocked_id == a_id),
            )
        )
    )
    return bool(db.session.scalar(stmt))


def blocks(blocker_id, blocked_id):
    """True when `blocker_id` blocks `blocked_id` (one direction only: for the blocker's own settings)."""
    return db.session.get(Block, (blocker_id, blocked_id)) is not None
