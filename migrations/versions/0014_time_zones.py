"""each account's time zone, which times are shown in

Revision ID: 0014
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC"))


def downgrade():
    # SQLite (3.35+) drops the column in place; a batch copy of the table would lose its expression indexes.
    op.execute("ALTER TABLE users DROP COLUMN time_zone")
