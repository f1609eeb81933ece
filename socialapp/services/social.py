"""The social graph: follow, unfollow, block, lists of followers, suggestions and people search.

A person in a block with the viewer, in either direction, is answered as missing (404), never as
forbidden (403): the one blocked cannot tell a block from a deleted account.
"""

import functools
import time
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Integer, bindparam, delete, exists, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from socialapp.extensions import db
from socialapp.models import Block, Follow, Mute, User
from socialapp.services import notifications, paging
from socialapp.services.errors import NotFound, ServiceError
from socialapp.services.text import starts_with
from socialapp.services.visibility import NO_SUCH_PERSON, blocks, hidden_user_ids, visible_to, visible_user
from socialapp.signals import account_deleting

PAGE_SIZE = 20


def _check_other(user, other, action):
    if other is None:
        raise NotFound(NO_SUCH_PERSON)
    if other.id == user.id:
        raise ServiceError(f"You cannot {action} yourself.")


def is_following(follower_id, followed_id):
    """True when `follower_id` follows `followed_id`."""
    return db.session.get(Follow, (follower_id, followed_id)) is not None


def _change_counts(follower_id, followed_id, step):
    db.session.execute(update(User).where(User.id == follower_id).values(following_count=User.following_count + step))
    db.session.execute(update(User).where(User.id == followed_id).values(followers_count=User.followers_count + step))


def follow(user, other):
    """`user` follows `other`. Following twice is harmless. Refused (404) across a block."""
    _check_other(user, other, "follow")
    visible_user(user.id, other)
    if is_following(user.id, other.id):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Follow(follower_id=user.id, followed_id=other.id))
    except IntegrityError:
        # A second click won the race: that request counted the follow.
        return False
    _change_counts(user.id, other.id, +1)
    notifications.notify(other.id, user.id, "follow")
    db.session.commit()
    return True


def _remove_follow(follower_id, followed_id):
    removed = db.session.execute(
        delete(Follow).where(Follow.follower_id == follower_id, Follow.followed_id == followed_id)
    ).rowcount
    if removed:
        _change_counts(follower_id, followed_id, -1)
    return bool(removed)


def unfollow(user, other):
    """`user` stops following `other`. Unfollowing someone not followed is harmless."""
    _check_other(user, other, "unfollow")
    removed = _remove_follow(user.id, other.id)
    notifications.withdraw(other.id, user.id, "follow")
    db.session.commit()
    return removed


def check_may_block(user, other, action="block"):
    """Refuse (404) to block or unblock someone who blocks `user`, unless `user` blocks them too.

    The one blocked must not learn that the blocker exists, even from the block page.
    """
    _check_other(user, other, action)
    if not blocks(user.id, other.id):
        visible_user(user.id, other)


def block(user, other):
    """`user` blocks `other`: follows both ways end, and each is hidden from the other everywhere."""
    check_may_block(user, other)
    if not blocks(user.id, other.id):
        try:
            with db.session.begin_nested():
                db.session.add(Block(blocker_id=user.id, blocked_id=other.id))
        except IntegrityError:
            pass  # blocked by a concurrent request; the follows are removed below all the same
    _remove_follow(user.id, other.id)
    _remove_follow(other.id, user.id)
    db.session.commit()


def unblock(user, other):
    """`user` stops blocking `other`; the follows the block ended do not come back."""
    check_may_block(user, other, "unblock")
    db.session.execute(delete(Block).where(Block.blocker_id == user.id, Block.blocked_id == other.id))
    db.session.commit()


def blocked_page(user, cursor=None, limit=PAGE_SIZE):
    """(users, next_cursor): whom `user` blocks, most recent first."""
    stmt = select(User, Block.created_at).join(Block, Block.blocked_id == User.id).where(Block.blocker_id == user.id)
    return paging.people_newest_first(stmt, Block.created_at, Block.blocked_id, cursor, limit)


class Relation(NamedTuple):
    """What a profile's buttons show: whether the viewer follows the person, and whether they muted them."""

    following: bool
    muted: bool


def relation(viewer_id, user_id):
    """The viewer's Relation to `user_id`, in one query."""
    follows = exists().where(Follow.follower_id == viewer_id, Follow.followed_id == user_id)
    muted = exists().where(Mute.muter_id == viewer_id, Mute.muted_id == user_id)
    row = db.session.execute(select(follows, muted)).one()
    return Relation(bool(row[0]), bool(row[1]))


def following_ids(viewer_id, user_ids):
    """Which of `user_ids` the viewer follows, in one query."""
    if not user_ids:
        return set()
    stmt = select(Follow.followed_id).where(Follow.follower_id == viewer_id, Follow.followed_id.in_(user_ids))
    return set(db.session.scalars(stmt))


def _follow_list(viewer, user, direction, cursor, limit):
    if direction == "followers":
        other_col, own_col = Follow.follower_id, Follow.followed_id
    else:
        other_col, own_col = Follow.followed_id, Follow.follower_id
    stmt = (
        select(User, Follow.created_at)
        .join(Follow, other_col == User.id)
        .where(own_col == user.id, visible_to(viewer.id, User.id))
    )
    # The cursor is the follow's time and the other person's id.
    return paging.people_newest_first(stmt, Follow.created_at, other_col, cursor, limit)


def followers_page(viewer, user, cursor=None, limit=PAGE_SIZE):
    """(users, next_cursor): people following `user`, newest follow first, hiding blocks with the viewer."""
    return _follow_list(viewer, user, "followers", cursor, limit)


def following_page(viewer, user, cursor=None, limit=PAGE_SIZE):
    """(users, next_cursor): people `user` follows, newest first, hiding blocks with the viewer."""
    return _follow_list(viewer, user, "following", cursor, limit)


def _not_suggested(viewer_id, user_id_column):
    """Conditions leaving out the viewer, whom they follow, and anyone hidden from them (a block, a suspension)."""
    mine = select(Follow.followed_id).where(Follow.follower_id == viewer_id)
    return (user_id_column != viewer_id, user_id_column.not_in(mine), user_id_column.not_in(hidden_user_ids(viewer_id)))


def suggestions(viewer, limit=10):
    """People to follow: friends of friends ranked by mutual connections, then the most followed.

    Returns (user, mutual count) pairs. Never the viewer, people they follow, anyone in a block with them
    either way, or anyone suspended.
    """
    second = Follow.__table__.alias("second")
    mine = select(Follow.followed_id).where(Follow.follower_id == viewer.id)
    # Filtering the few hundred candidates rather than all users lets the join use the users' key.
    mutual = (
        select(second.c.followed_id.label("user_id"), func.count().label("mutual"))
        .where(second.c.follower_id.in_(mine), *_not_suggested(viewer.id, second.c.followed_id))
        .group_by(second.c.followed_id)
        .subquery()
    )
    ranked = (
        select(User, mutual.c.mutual)
        .join(mutual, mutual.c.user_id == User.id)
        .where(User.email_verified_at.is_not(None))
        .order_by(mutual.c.mutual.desc(), User.followers_count.desc(), User.id)
        .limit(limit)
    )
    result = [(user, count) for user, count in db.session.execute(ranked)]
    if len(result) < limit:
        taken = [user.id for user, _ in result]
        others = (
            select(User)
            .where(*_not_suggested(viewer.id, User.id), User.email_verified_at.is_not(None))
            .where(User.id.not_in(taken) if taken else true())
            .order_by(User.followers_count.desc(), User.id)
            .limit(limit - len(result))
        )
        result += [(user, 0) for user in db.session.scalars(others)]
    return result


# How long the home page's "Who to follow" box may reuse its ranking; follows and blocks apply at once.
BOX_TTL = 120


def suggestions_box(viewer, limit=5):
    """`suggestions` for the box on every home page: the ranking (friends of friends over the whole graph)
    is kept per viewer for BOX_TTL seconds, in this process, and computed again sooner when the viewer
    follows or unfollows someone; each use drops whoever the viewer now follows or is in a block with."""
    cache = current_app.extensions.setdefault("suggestions_box", {})
    key = (viewer.id, viewer.following_count, limit)
    now = time.monotonic()
    cached = cache.get(key)
    if cached is None or cached[0] < now:
        if len(cache) > 10_000:
            cache.clear()
        fresh = suggestions(viewer, limit)
        cache[key] = (now + BOX_TTL, [(user.id, mutual) for user, mutual in fresh])
        return fresh
    ranked = cached[1]
    params = {"viewer_id": viewer.id, "user_ids": [user_id for user_id, _ in ranked]}
    users = {user.id: user for user in db.session.scalars(_still_suggested_stmt(), params)}
    return [(users[user_id], mutual) for user_id, mutual in ranked if user_id in users]


@functools.cache
def _still_suggested_stmt():
    """Which of a cached ranking's people may still be suggested: built once, with parameters, as every home
    page asks it."""
    user_ids = bindparam("user_ids", expanding=True)
    return select(User).where(User.id.in_(user_ids), *_not_suggested(bindparam("viewer_id", type_=Integer), User.id))


def search_query(viewer, query, limit=20):
    """The SELECT behind `search_people`, or None for an empty query."""
    query = (query or "").strip().lstrip("@").lower()[:50]
    if not query:
        return None
    matches = or_(*(starts_with(column, query) for column in (User.username, User.first_name, User.last_name)))
    return (
        select(User)
        .where(matches, User.email_verified_at.is_not(None), visible_to(viewer.id, User.id))
        .order_by((func.lower(User.username) == query).desc(), User.followers_count.desc(), User.id)
        .limit(limit)
    )


def search_people(viewer, query, limit=20):
    """Verified people whose username, first or last name starts with `query`, ignoring case."""
    stmt = search_query(viewer, query, limit)
    return db.session.scalars(stmt).all() if stmt is not None else []


@account_deleting.connect
def _fix_counts_of_others(sender, user, **extra):
    # The follows rows go with the account (ON DELETE CASCADE); the counters on other rows must follow.
    followed = select(Follow.followed_id).where(Follow.follower_id == user.id)
    followers = select(Follow.follower_id).where(Follow.followed_id == user.id)
    db.session.execute(update(User).where(User.id.in_(followed)).values(followers_count=User.followers_count - 1))
    db.session.execute(update(User).where(User.id.in_(followers)).values(following_count=User.following_count - 1))
