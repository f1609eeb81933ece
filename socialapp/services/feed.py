"""Lists of posts: the home feed, a person's posts, pictures and likes, a hashtag's posts; each page in a fixed
number of queries.

A page is one query for the posts with their authors, one for which of them the viewer liked and one
for their pictures, however many posts, likes and comments there are.

The home feed and those two queries are built once per process, with bound parameters (`_statement`):
building and caching a statement of this size cost several times the SQL it sends.
"""

import functools
from contextlib import suppress
from dataclasses import dataclass, field

from sqlalchemy import Integer, bindparam, desc, exists, func, select, true, tuple_, union_all

from socialapp.extensions import db
from socialapp.models import Follow, Like, Post, PostHashtag, PostImage, User
from socialapp.services import paging
from socialapp.services.visibility import not_muted_by, visible_to

PAGE_SIZE = 20


@dataclass
class PostView:
    """A post as one viewer sees it: its author, whether they liked it, and its pictures."""

    post: Post
    author: User
    liked: bool = False
    images: list = field(default_factory=list)

    @property
    def id(self):
        return self.post.id


@dataclass
class PostPage:
    items: list
    next_cursor: str | None = None


def _param(name):
    return bindparam(name, type_=Integer)


@functools.cache
def _statement(name, *variant):
    """The statement `name` (of those below) for `variant`, built on first use with bound parameters."""
    return _BUILDERS[name](*variant)


def _liked_stmt():
    ids = bindparam("post_ids", expanding=True)
    return select(Like.post_id).where(Like.user_id == _param("viewer_id"), Like.post_id.in_(ids))


def _images_stmt():
    ids = bindparam("post_ids", expanding=True)
    return select(PostImage).where(PostImage.post_id.in_(ids)).order_by(PostImage.post_id, PostImage.position)


def views(viewer_id, rows, liked=None):
    """PostViews for (post, author) rows: likes by the viewer (unless `liked` already holds the ids of those
    they liked) and pictures in one query each."""
    items = [PostView(post, author) for post, author in rows]
    ids = [item.post.id for item in items]
    if not ids:
        return items
    if liked is None:
        liked = set(db.session.scalars(_statement("liked"), {"viewer_id": viewer_id, "post_ids": ids}))
    by_post = {}
    image_rows = db.session.scalars(_statement("images"), {"post_ids": ids})
    for image in image_rows:
        by_post.setdefault(image.post_id, []).append(image)
    for item in items:
        item.liked = item.post.id in liked
        item.images = by_post.get(item.post.id, [])
    return items


def post_view(viewer_id, post):
    """The PostView of one post already known to be visible."""
    return views(viewer_id, [(post, db.session.get(User, post.author_id))])[0]


def _newest_first(stmt, cursor, limit):
    return paging.newest_first(stmt, Post.created_at, Post.id, cursor, limit)


def _page(viewer_id, stmt, limit, cursor_of):
    page, next_cursor = paging.split(db.session.execute(stmt).all(), limit, lambda row: cursor_of(row[0]))
    return PostPage(views(viewer_id, page), next_cursor)


def _by_time(post):
    return paging.encode(post.created_at, post.id)


def _followed_authors(viewer_id):
    """The viewer and the people they follow, minus anyone in a block with the viewer or muted by them.

    Filtering the authors, rather than the posts, costs one probe per person followed whatever the page."""
    authors = union_all(
        select(Follow.followed_id.label("author_id")).where(Follow.follower_id == viewer_id),
        select(viewer_id.label("author_id")),
    ).subquery("authors")
    return (
        select(authors.c.author_id)
        .where(visible_to(viewer_id, authors.c.author_id), not_muted_by(viewer_id, authors.c.author_id))
        .subquery("visible_authors")
    )


def _after_cursor(stmt, with_cursor):
    """`stmt` newest first from the cursor's (after_time, after_id) when there is one, limit + 1 rows
    (paging.newest_first, with parameters)."""
    stmt = stmt.order_by(desc(Post.created_at), desc(Post.id)).limit(_param("limit"))
    if with_cursor:
        after = bindparam("after_time", type_=Post.created_at.type), _param("after_id")
        stmt = stmt.where(Post.created_at <= after[0], tuple_(Post.created_at, Post.id) < tuple_(*after))
    return stmt


def _home_feed_stmt(dialect, with_cursor):
    viewer_id = _param("viewer_id")
    # Whether the viewer liked each post comes with it: the busiest page saves a statement.
    liked = exists().where(Like.user_id == viewer_id, Like.post_id == Post.id).label("liked")
    stmt = select(Post, User, liked).join(User, User.id == Post.author_id)
    if dialect == "postgresql":
        # The newest page-full of each author from the index, then the newest of those, so a page costs
        # (people followed x page size) index entries however long the feed is.
        authors = _followed_authors(viewer_id)
        recent = _after_cursor(
            select(Post.id, Post.created_at).where(Post.author_id == authors.c.author_id), with_cursor
        ).lateral("recent")
        ids = (
            select(recent.c.id)
            .select_from(authors)
            .join(recent, true())
            .order_by(desc(recent.c.created_at), desc(recent.c.id))
            .limit(_param("limit"))
        )
        return stmt.where(Post.id.in_(ids)).order_by(desc(Post.created_at), desc(Post.id))
    # SQLite has no LATERAL; it walks the author index once per person followed and sorts the ids, then reads
    # the page's rows by primary key (so whether the viewer liked a post is asked for those rows only).
    followed = select(Post.id).where(Post.author_id.in_(select(_followed_authors(viewer_id))))
    ids = _after_cursor(followed, with_cursor).correlate(None)
    return stmt.where(Post.id.in_(ids)).order_by(desc(Post.created_at), desc(Post.id))


_BUILDERS = {"liked": _liked_stmt, "images": _images_stmt, "home_feed": _home_feed_stmt}


def home_feed(viewer, cursor=None, limit=PAGE_SIZE):
    """The viewer's posts and those of people they follow, newest first, never from anyone in a block
    or muted."""
    after = paging.position(cursor)
    stmt = _statement("home_feed", db.engine.dialect.name, after is not None)
    params = {"viewer_id": viewer.id, "limit": limit + 1}
    if after:
        params.update(after_time=after[0], after_id=after[1])
    rows = db.session.execute(stmt, params).all()
    page, next_cursor = paging.split(rows, limit, lambda row: _by_time(row[0]))
    liked = {post.id for post, _author, is_liked in page if is_liked}
    return PostPage(views(viewer.id, [(post, author) for post, author, _ in page], liked), next_cursor)


def top_cursor(page):
    """The cursor of a page's newest post: what "newer than this page" starts from."""
    return _by_time(page.items[0].post) if page.items else None


def has_newer(viewer, since):
    """Whether the viewer's home feed holds a post newer than the cursor `since` (any post when None)."""
    newest = home_feed(viewer, limit=1).items
    position = paging.position(since)
    return bool(newest) and (position is None or (newest[0].post.created_at, newest[0].post.id) > position)


def user_posts(viewer, user, cursor=None, limit=PAGE_SIZE):
    """`user`'s posts, newest first (the caller has checked that no block stands between them)."""
    stmt = select(Post, User).join(User, User.id == Post.author_id).where(Post.author_id == user.id)
    return _page(viewer.id, _newest_first(stmt, cursor, limit), limit, _by_time)


def user_media(viewer, user, cursor=None, limit=PAGE_SIZE):
    """`user`'s posts that have pictures, newest first (the caller has checked that no block stands between
    them); the profile's Media tab."""
    with_pictures = exists().where(PostImage.post_id == Post.id)
    stmt = select(Post, User).join(User, User.id == Post.author_id).where(Post.author_id == user.id, with_pictures)
    return _page(viewer.id, _newest_first(stmt, cursor, limit), limit, _by_time)


def liked_posts(viewer, user, cursor=None, limit=PAGE_SIZE):
    """The posts `user` liked, the newest like first, leaving out authors in a block with the viewer (or
    suspended); the profile's Likes tab. Cursor: the like's time and the post's id."""
    stmt = (
        select(Post, User, Like.created_at)
        .join(Like, Like.post_id == Post.id)
        .join(User, User.id == Post.author_id)
        .where(Like.user_id == user.id, visible_to(viewer.id, Post.author_id))
    )
    stmt = paging.newest_first(stmt, Like.created_at, Like.post_id, cursor, limit)
    rows, next_cursor = paging.split(
        db.session.execute(stmt).all(), limit, lambda row: paging.encode(row[2], row[0].id)
    )
    return PostPage(views(viewer.id, [(post, author) for post, author, _ in rows]), next_cursor)


def post_count(user):
    """How many posts `user` has: all of them are visible to whoever may see `user` (one indexed COUNT)."""
    return db.session.scalar(select(func.count()).select_from(Post).where(Post.author_id == user.id))


def tag_posts(viewer, tag, cursor=None, limit=PAGE_SIZE):
    """Posts carrying #tag, newest first, hiding authors in a block with the viewer or muted by them.
    Cursor: a post id."""
    stmt = (
        select(Post, User)
        .join(PostHashtag, PostHashtag.post_id == Post.id)
        .join(User, User.id == Post.author_id)
        .where(
            PostHashtag.tag == (tag or "").lower(),
            visible_to(viewer.id, Post.author_id),
            not_muted_by(viewer.id, Post.author_id),
        )
        .order_by(desc(PostHashtag.post_id))
        .limit(limit + 1)
    )
    with suppress(ValueError):  # no cursor, or a malformed one: the first page
        stmt = stmt.where(PostHashtag.post_id < paging.row_id(cursor))
    return _page(viewer.id, stmt, limit, lambda post: str(post.id))
