"""a role for each account: member, moderator or admin

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("role", sa.String(length=16), nullable=False, server_default="member"))
    # An instance that already has people makes its oldest account the admin, as a new instance does.
    op.execute("UPDATE users SET role = 'admin' WHERE id = (SELECT MIN(id) FROM users)")


def downgrade():
    # SQLite (3.35+) drops the column in place; a batch copy of the table would lose its expression indexes.
    op.execute("ALTER TABLE users DROP COLUMN role")
