"""iCal plugin: links that can be given again.

A token used to be random and only its hash kept, so a link could be shown once. Messages
(an invitation, a confirmation sent again) must carry the same working link every time, so
new tokens are derived: ``HMAC(key, "<row id>:<salt>:<generation>")``, the key kept in
``ical_key`` (one row, made on first use), the salt drawn for each row (a row id SQLite
gives again after a deletion never brings an old link back), the generation counted up by
each rotation.
Tokens issued before stay random (``generation`` NULL) and keep working; they cannot be
rebuilt, so they are not offered to messages until the coach rotates them.

Revision ID: ical_0003
Revises: ical_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "ical_0003"
down_revision = "ical_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ical_key",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("ical_token") as batch:
        batch.add_column(sa.Column("generation", sa.Integer, nullable=True))
        batch.add_column(sa.Column("salt", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ical_token") as batch:
        batch.drop_column("salt")
        batch.drop_column("generation")
    op.drop_table("ical_key")
