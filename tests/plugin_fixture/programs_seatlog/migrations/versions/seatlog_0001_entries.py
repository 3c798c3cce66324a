"""seatlog: the log of seats.

Revision ID: seatlog_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "seatlog_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seatlog_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("program_slug", sa.String(100), nullable=False),
        sa.Column("participant_id", sa.Integer(), sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("participant_name", sa.String(200), nullable=False),
    )
    op.create_index("ix_seatlog_entry_participant_id", "seatlog_entry", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_seatlog_entry_participant_id", "seatlog_entry")
    op.drop_table("seatlog_entry")
