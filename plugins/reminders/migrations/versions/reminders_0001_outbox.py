"""Reminders plugin: the outbox, the coach's rules, first-seen defaults, the instance id.

Revision ID: reminders_0001
Revises:
Create Date: 2026-11-29
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "reminders_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("target_kind", sa.String(length=12), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=12), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("planned_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "rule",
            "target_kind",
            "target_id",
            "revision",
            "recipient_kind",
            "recipient_id",
            "channel",
            name="uq_reminders_outbox_key",
        ),
    )
    # the claim query: due rows, oldest first (``ORDER BY due_at, id``), read off the index
    op.create_index("ix_reminders_outbox_due", "reminders_outbox", ["status", "due_at", "id"])
    op.create_index("ix_reminders_outbox_target", "reminders_outbox", ["target_kind", "target_id"])
    op.create_index(
        "ix_reminders_outbox_recipient", "reminders_outbox", ["recipient_kind", "recipient_id"]
    )
    op.create_table(
        "reminders_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("target", sa.String(length=12), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("anchor", sa.String(length=8), nullable=False),
        sa.Column("offset", sa.String(length=20), nullable=False),
        sa.Column("at", sa.String(length=5), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "name", name="uq_reminders_rule_name"),
    )
    op.create_index("ix_reminders_rule_program_id", "reminders_rule", ["program_id"])
    op.create_table(
        "reminders_rule_seen",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=300), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    meta = op.create_table(
        "reminders_meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.bulk_insert(meta, [{"key": "instance_id", "value": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("reminders_meta")
    op.drop_table("reminders_rule_seen")
    op.drop_index("ix_reminders_rule_program_id", table_name="reminders_rule")
    op.drop_table("reminders_rule")
    op.drop_index("ix_reminders_outbox_recipient", table_name="reminders_outbox")
    op.drop_index("ix_reminders_outbox_target", table_name="reminders_outbox")
    op.drop_index("ix_reminders_outbox_due", table_name="reminders_outbox")
    op.drop_table("reminders_outbox")
