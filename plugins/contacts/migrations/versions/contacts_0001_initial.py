"""Contacts plugin: sharing windows, consents, and the consent log.

Revision ID: contacts_0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "contacts_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id"),
    )
    op.create_table(
        "contacts_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("share_phone", sa.Boolean(), nullable=False),
        sa.Column("share_email", sa.Boolean(), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("wording", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "participant_id"),
    )
    op.create_index(
        "ix_contacts_consent_participant_id", "contacts_consent", ["participant_id"], unique=False
    )
    op.create_index(
        "ix_contacts_consent_program_id", "contacts_consent", ["program_id"], unique=False
    )
    op.create_table(
        "contacts_consent_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("share_phone", sa.Boolean(), nullable=False),
        sa.Column("share_email", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("wording", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_contacts_consent_log_subject", "contacts_consent_log", ["subject"], unique=False
    )
    op.create_index(
        "ix_contacts_consent_log_program_id", "contacts_consent_log", ["program_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("contacts_consent_log")
    op.drop_table("contacts_consent")
    op.drop_table("contacts_window")
