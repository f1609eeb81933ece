"""meetings

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("participant_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["host_id"], ["users.id"], name=op.f("fk_meetings_host_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("room_id", name=op.f("uq_meetings_room_id")),
    )
    op.create_index(op.f("ix_meetings_host_id"), "meetings", ["host_id"])
    op.create_table(
        "meeting_members",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_joined_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_members_meeting_id_meetings"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_meeting_members")),
    )
    op.create_index("ix_meeting_members_user_recent", "meeting_members", ["user_id", "last_joined_at"])
    op.create_table(
        "meeting_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("socket_id", sa.String(length=64), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.Column("camera_on", sa.Boolean(), nullable=False),
        sa.Column("mic_on", sa.Boolean(), nullable=False),
        sa.Column("screen_on", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_participants_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meeting_participants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participants")),
    )
    op.create_index("ix_meeting_participants_meeting_left", "meeting_participants", ["meeting_id", "left_at"])
    op.create_index(op.f("ix_meeting_participants_socket_id"), "meeting_participants", ["socket_id"])
    op.create_index(op.f("ix_meeting_participants_user_id"), "meeting_participants", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_meeting_participants_user_id"), table_name="meeting_participants")
    op.drop_index(op.f("ix_meeting_participants_socket_id"), table_name="meeting_participants")
    op.drop_index("ix_meeting_participants_meeting_left", table_name="meeting_participants")
    op.drop_table("meeting_participants")
    op.drop_index("ix_meeting_members_user_recent", table_name="meeting_members")
    op.drop_table("meeting_members")
    op.drop_index(op.f("ix_meetings_host_id"), table_name="meetings")
    op.drop_table("meetings")
