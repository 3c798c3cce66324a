"""Change markers of calendars (programs.revisions): one counter per calendar scope, moved
forward in the transaction of each change, so a feed's ``304`` is one indexed query.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_revision",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id"),
    )


def downgrade() -> None:
    op.drop_table("calendar_revision")
