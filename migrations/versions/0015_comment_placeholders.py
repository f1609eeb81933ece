"""a deleted comment with replies stays as a placeholder

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("comments", sa.Column("deleted_at", sa.DateTime(), nullable=True))


def downgrade():
    op.execute("DELETE FROM comments WHERE deleted_at IS NOT NULL")  # placeholders, and their replies with them
    op.execute("ALTER TABLE comments DROP COLUMN deleted_at")
