"""Reminders: each row knows the start of what it reminds of, so none goes out after it.

``starts_at`` is the start of the session or follow-up a reminder due before it is about; a
sender skips, in one statement, every due row whose item has started or that is beyond the
catch-up window. Pending rows are filled from their session or follow-up.

``reminders_planned_marker`` keeps the core's calendar change markers as the outbox was last
planned at, so a ``send`` with nothing changed plans nothing. ``reminders_message`` keeps the
text of the messages a coach sends a cohort (``programs message``).

Revision ID: reminders_0003
Revises: reminders_0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "reminders_0003"
down_revision = "reminders_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders_outbox") as batch:
        batch.add_column(sa.Column("starts_at", sa.DateTime(), nullable=True))
    op.create_table(
        "reminders_planned_marker",
        sa.Column("kind", sa.String(length=20), primary_key=True),
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "reminders_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "program_id",
            sa.Integer(),
            sa.ForeignKey("program.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("again", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("program_id", "digest", "again", name="uq_reminders_message_digest"),
    )
    op.create_index("ix_reminders_message_program_id", "reminders_message", ["program_id"])
    run = op.get_bind().execute
    for kind, table in (("session", "program_session"), ("followup", "followup")):
        run(
            sa.text(
                f"UPDATE reminders_outbox SET starts_at = (SELECT t.start FROM {table} t "
                "WHERE t.id = reminders_outbox.target_id) "
                f"WHERE target_kind = '{kind}' AND status IN ('pending', 'sending')"
            )
        )
    run(
        sa.text(
            "UPDATE reminders_outbox SET starts_at = NULL "
            "WHERE starts_at IS NOT NULL AND starts_at <= due_at"
        )
    )


def downgrade() -> None:
    op.drop_table("reminders_message")
    op.drop_table("reminders_planned_marker")
    with op.batch_alter_table("reminders_outbox") as batch:
        batch.drop_column("starts_at")
