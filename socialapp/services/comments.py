"""Comments on posts and replies to comments, with the post's comment count kept right."""

from dataclasses import dataclass, field

from sqlalchemy import and_, delete, func, or_, select, update

from socialapp.extensions import db
from socialapp.inputs import to_id
from socialapp.models import Comment, Post, User
from socialapp.models.base import utcnow
from socialapp.services import notifications, text
from socialapp.services.errors import Forbidden, InvalidInput, NotFound
from socialapp.services.posts import notify_mentions, visible_post
from socialapp.services.visibility import is_blocked_between, not_muted_by, visible_to

MAX_LENGTH = 2000
PAGE_SIZE = 50
NO_SUCH_COMMENT = "There is no such comment."
EMPTY = "Write a comment first."
TOO_LONG = "Comments can be at most {limit:,} characters (this one has {length:,})."


@dataclass
class Thread:
    """A top-level comment, its author, and its replies as (comment, author) pairs, oldest first."""

    comment: Comment
    author: User
    replies: list = field(default_factory=list)


def _clean(body):
    return text.clean_text(body, MAX_LENGTH, InvalidInput, EMPTY, TOO_LONG)


def _change_count(post_id, step):
    db.session.execute(update(Post).where(Post.id == post_id).values(comments_count=Post.comments_count + step))


def visible_comment(viewer_id, comment_id):
    """(comment, post) when both are visible to the viewer, else NotFound. A deleted comment's placeholder
    is not a comment one can see, edit or reply to."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.deleted_at or is_blocked_between(viewer_id, comment.author_id):
        raise NotFound(NO_SUCH_COMMENT)
    return comment, visible_post(viewer_id, comment.post_id)


def add_comment(user, post_id, body, parent_id=None):
    """Comment on a post, or reply to a comment. A reply to a reply joins the same top-level comment."""
    post = visible_post(user.id, post_id)
    parent = None
    if parent_id:
        parent, _ = visible_comment(user.id, parent_id)
        if parent.post_id != post.id:
            raise NotFound(NO_SUCH_COMMENT)
        if parent.parent_id:  # may be a deleted comment's placeholder: the reply still joins its thread
            parent = db.session.get(Comment, parent.parent_id)
    comment = Comment(post_id=post.id, author_id=user.id, parent_id=parent and parent.id, body=_clean(body))
    db.session.add(comment)
    db.session.flush()
    _change_count(post.id, +1)
    notifications.notify(post.author_id, user.id, "comment", "comment", comment.id)
    if parent and parent.author_id != post.author_id:
        notifications.notify(parent.author_id, user.id, "reply", "comment", comment.id)
    notify_mentions(user.id, comment.body, "comment", comment.id, skip={post.author_id})
    db.session.commit()
    return comment


def own_comment(user, comment_id):
    """(comment, post) for the user's own comment: NotFound when missing or hidden, Forbidden when not theirs."""
    comment, post = visible_comment(user.id, comment_id)
    if comment.author_id != user.id:
        raise Forbidden("Only its author can edit a comment.")
    return comment, post


def edit_comment(user, comment_id, body):
    """Change the text of one's own comment or reply; it is then shown as edited."""
    comment, _ = own_comment(user, comment_id)
    body = _clean(body)
    if body != comment.body:
        comment.body = body
        comment.edited_at = utcnow()
    db.session.commit()
    return comment


def delete_comment(user, comment_id):
    """Delete a comment as its author or as the post's author; returns (post, placeholder or None).

    Replies are others' words, so a comment with replies leaves a placeholder ("Comment deleted") that keeps
    them in their thread, as Reddit and Mastodon do; the placeholder goes with the last reply under it.
    Deleting the post still removes everything."""
    comment = db.session.get(Comment, comment_id)
    post = visible_post(user.id, comment.post_id) if comment and not comment.deleted_at else None
    # A comment by someone in a block with the user is hidden from them, but on their own post they may
    # still take it away.
    if post is None or (user.id != post.author_id and is_blocked_between(user.id, comment.author_id)):
        raise NotFound(NO_SUCH_COMMENT)
    if user.id not in (comment.author_id, post.author_id):
        raise Forbidden("You can delete only your own comments, or any comment on your own posts.")
    return remove_comment(comment, post)


def remove_comment(comment, post):
    """Delete `comment` (on `post`) as `delete_comment` does, and commit: for its author or the post's, or
    for a moderator acting on a report; returns (post, placeholder or None)."""
    notifications.withdraw_about("comment", [comment.id])
    placeholder = None
    if comment.parent_id is None and _has_replies(comment.id):
        comment.body, comment.edited_at, comment.deleted_at = "", None, utcnow()
        placeholder = comment
    else:
        db.session.execute(delete(Comment).where(Comment.id == comment.id))
        if comment.parent_id is not None and not _has_replies(comment.parent_id):
            db.session.execute(delete(Comment).where(Comment.id == comment.parent_id, Comment.deleted_at.is_not(None)))
    _change_count(post.id, -1)
    db.session.commit()
    db.session.refresh(post)
    return post, placeholder


def _has_replies(comment_id):
    return db.session.scalar(select(Comment.id).where(Comment.parent_id == comment_id).limit(1)) is not None


def thread(viewer, comment):
    """The thread of a top-level `comment` (a placeholder, say) as `viewer` sees it."""
    found = Thread(comment, db.session.get(User, comment.author_id))
    _add_replies(viewer, {comment.id: found})
    return found


def _add_replies(viewer, by_id):
    """Fill in the replies of the threads in `by_id` (top-level comment id -> Thread), oldest first."""
    replies = db.session.execute(
        select(Comment, User)
        .join(User, User.id == Comment.author_id)
        .where(
            Comment.parent_id.in_(by_id),
            visible_to(viewer.id, Comment.author_id),
            not_muted_by(viewer.id, Comment.author_id),
        )
        .order_by(Comment.id)
    )
    for reply, author in replies:
        by_id[reply.parent_id].replies.append((reply, author))


def threads_page(viewer, post, after=None, limit=PAGE_SIZE):
    """(threads, next cursor): a post's top-level comments oldest first with all their replies, in two
    queries, hiding whatever people in a block with the viewer, or muted by them, wrote.

    The cursor is "last id.newest id": later pages stop at the newest comment there was when the first
    page was shown, so comments added on that page since (they are appended to it) do not come twice.
    """
    last, newest = _parse_cursor(after)
    stmt = (
        select(Comment, User)
        .join(User, User.id == Comment.author_id)
        .where(
            Comment.post_id == post.id,
            Comment.parent_id.is_(None),
            # A placeholder names nobody, so a block does not hide the replies under it.
            or_(
                Comment.deleted_at.is_not(None),
                and_(visible_to(viewer.id, Comment.author_id), not_muted_by(viewer.id, Comment.author_id)),
            ),
        )
        .order_by(Comment.id)
        .limit(limit + 1)
    )
    if last:
        stmt = stmt.where(Comment.id > last)
    if newest:
        stmt = stmt.where(Comment.id <= newest)
    rows = db.session.execute(stmt).all()
    threads = [Thread(comment, author) for comment, author in rows[:limit]]
    by_id = {thread.comment.id: thread for thread in threads}
    if by_id:
        _add_replies(viewer, by_id)
    if len(rows) <= limit:
        return threads, None
    if not newest:
        newest = db.session.scalar(select(func.max(Comment.id)).where(Comment.post_id == post.id))
    return threads, f"{threads[-1].comment.id}.{newest}"


def _parse_cursor(cursor):
    """(last id, newest id) from a cursor; anything malformed reads as the first page."""
    last, _, newest = str(cursor or "").partition(".")
    return to_id(last), to_id(newest)
