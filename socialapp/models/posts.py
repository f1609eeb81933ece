"""Posts with their pictures, likes, comments and replies, and the hashtags they carry."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from socialapp.extensions import db
from socialapp.models.base import utcnow


class Post(db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Shown with every post in every list, so kept in the row and changed with each like or comment.
    likes_count: Mapped[int] = mapped_column(Integer, default=0)
    comments_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # Feeds and profiles list an author's posts newest first, with (created_at, id) as the cursor;
        # both databases walk this index backwards.
        Index("ix_posts_author_created", "author_id", "created_at", "id"),
    )


class PostImage(db.Model):
    __tablename__ = "post_images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, ForeignKey("posts.id", ondelete="CASCADE"))
    # The stored image's key under the post author's media folder (see services.images).
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Written by the author for people who cannot see the picture; "" when none was given.
    alt_text: Mapped[str] = mapped_column(String(1500), default="", server_default="")
    # The stored picture's size after orientation, so pages reserve its space; None for pictures stored before.
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_post_images_post", "post_id", "position"),)


class Like(db.Model):
    __tablename__ = "likes"

    post_id: Mapped[int] = mapped_column(Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        # "Liked by me" for a page of posts, and the likes an account takes with it.
        Index("ix_likes_user_post", "user_id", "post_id"),
        # Who liked a post, newest first.
        Index("ix_likes_post_created", "post_id", "created_at", "user_id"),
    )


class Comment(db.Model):
    """A comment on a post, or a reply to one (`parent_id`); replies are one level deep. A comment deleted
    while others' replies stand under it stays as a placeholder: `deleted_at` set and its text gone."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("comments.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_comments_post", "post_id", "parent_id", "id"),
        Index("ix_comments_parent", "parent_id", "id"),
        Index("ix_comments_author", "author_id"),
    )


class PostHashtag(db.Model):
    """One row per lower-cased hashtag in a post, kept in step with the post's text."""

    __tablename__ = "post_hashtags"

    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_post_hashtags_post", "post_id"),)
