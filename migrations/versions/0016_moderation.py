"""moderation: suspension, reports, the audit log and mutes

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("suspended_at", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("suspended_reason", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_users_suspended_at", "users", ["suspended_at"])
    op.create_table(
        "mutes",
        sa.Column("muter_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("muted_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_mutes_muted", "mutes", ["muted_id", "muter_id"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reporter_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_reports_reporter_id", "reports", ["reporter_id"])
    op.create_index("ix_reports_author_id", "reports", ["author_id"])
    op.create_index("ix_reports_open", "reports", ["outcome", "id"])
    op.create_index("ix_reports_subject", "reports", ["subject_type", "subject_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("actor_name", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])
    op.add_column("post_images", sa.Column("alt_text", sa.String(length=1500), nullable=False, server_default=""))
    op.add_column("post_images", sa.Column("width", sa.Integer(), nullable=True))
    op.add_column("post_images", sa.Column("height", sa.Integer(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE post_images DROP COLUMN height")
    op.execute("ALTER TABLE post_images DROP COLUMN width")
    op.execute("ALTER TABLE post_images DROP COLUMN alt_text")
    op.drop_table("audit_log")
    op.drop_table("reports")
    op.drop_table("mutes")
    op.drop_index("ix_users_suspended_at", table_name="users")
    # SQLite (3.35+) drops the columns in place; a batch copy of the table would lose its expression indexes.
    op.execute("ALTER TABLE users DROP COLUMN suspended_reason")
    op.execute("ALTER TABLE users DROP COLUMN suspended_at")
