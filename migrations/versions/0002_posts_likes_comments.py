"""posts, likes, comments

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _user_fk(table, column):
    return sa.ForeignKeyConstraint([column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="CASCADE")


def _post_fk(table):
    return sa.ForeignKeyConstraint(
        ["post_id"], ["posts.id"], name=op.f(f"fk_{table}_post_id_posts"), ondelete="CASCADE"
    )


def upgrade():
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("likes_count", sa.Integer(), nullable=False),
        sa.Column("comments_count", sa.Integer(), nullable=False),
        _user_fk("posts", "author_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_index("ix_posts_author_created", "posts", ["author_id", "created_at", "id"])
    op.create_table(
        "post_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        _post_fk("post_images"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_images")),
    )
    op.create_index("ix_post_images_post", "post_images", ["post_id", "position"])
    op.create_table(
        "likes",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _post_fk("likes"),
        _user_fk("likes", "user_id"),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_likes")),
    )
    op.create_index("ix_likes_user_post", "likes", ["user_id", "post_id"])
    op.create_index("ix_likes_post_created", "likes", ["post_id", "created_at", "user_id"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        _post_fk("comments"),
        _user_fk("comments", "author_id"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comments.id"], name=op.f("fk_comments_parent_id_comments"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_post", "comments", ["post_id", "parent_id", "id"])
    op.create_index("ix_comments_parent", "comments", ["parent_id", "id"])
    op.create_index("ix_comments_author", "comments", ["author_id"])
    op.create_table(
        "post_hashtags",
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        _post_fk("post_hashtags"),
        sa.PrimaryKeyConstraint("tag", "post_id", name=op.f("pk_post_hashtags")),
    )
    op.create_index("ix_post_hashtags_post", "post_hashtags", ["post_id"])


def downgrade():
    op.drop_index("ix_post_hashtags_post", table_name="post_hashtags")
    op.drop_table("post_hashtags")
    op.drop_index("ix_comments_author", table_name="comments")
    op.drop_index("ix_comments_parent", table_name="comments")
    op.drop_index("ix_comments_post", table_name="comments")
    op.drop_table("comments")
    op.drop_index("ix_likes_post_created", table_name="likes")
    op.drop_index("ix_likes_user_post", table_name="likes")
    op.drop_table("likes")
    op.drop_index("ix_post_images_post", table_name="post_images")
    op.drop_table("post_images")
    op.drop_index("ix_posts_author_created", table_name="posts")
    op.drop_table("posts")
