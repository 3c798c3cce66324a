"""Reminders: an outbox row goes with the person, follow-up or session it is about.

Three foreign keys with ``ON DELETE CASCADE`` (``programs.api.follow_core_rows``): erasing a
person deletes the reminders sent to them and the coach's about their follow-ups, even while
this plugin is disabled. Rows left over from earlier erasures are removed: rows whose
person, follow-up or session is gone, or whose person's row is newer than the reminder (an id
SQLite gave again to someone else).

Revision ID: reminders_0002
Revises: reminders_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from programs.api import follow_core_rows

revision = "reminders_0002"
down_revision = "reminders_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    follow_core_rows("reminders_outbox", "participant_id", "participant")
    follow_core_rows("reminders_outbox", "followup_id", "followup")
    follow_core_rows("reminders_outbox", "session_id", "program_session")
    run = op.get_bind().execute
    run(
        sa.text(
            "UPDATE reminders_outbox SET followup_id = target_id WHERE target_kind = 'followup' "
            "AND target_id IN (SELECT id FROM followup)"
        )
    )
    run(
        sa.text(
            "UPDATE reminders_outbox SET session_id = target_id WHERE target_kind = 'session' "
            "AND target_id IN (SELECT id FROM program_session)"
        )
    )
    run(
        sa.text(
            "UPDATE reminders_outbox SET participant_id = recipient_id "
            "WHERE recipient_kind = 'participant' AND EXISTS (SELECT 1 FROM participant p "
            "WHERE p.id = reminders_outbox.recipient_id "
            "AND p.created_at <= reminders_outbox.planned_at)"
        )
    )
    run(
        sa.text(
            "UPDATE reminders_outbox SET participant_id = (SELECT f.participant_id FROM "
            "followup f WHERE f.id = reminders_outbox.followup_id) "
            "WHERE recipient_kind = 'coach' AND followup_id IS NOT NULL"
        )
    )
    run(
        sa.text(
            "DELETE FROM reminders_outbox WHERE "
            "(recipient_kind = 'participant' AND participant_id IS NULL) "
            "OR (target_kind = 'followup' AND followup_id IS NULL) "
            "OR (target_kind = 'session' AND session_id IS NULL)"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("reminders_outbox") as batch:
        for column in ("participant_id", "followup_id", "session_id"):
            batch.drop_index(f"ix_reminders_outbox_{column}")
            batch.drop_constraint(f"fk_reminders_outbox_{column}", type_="foreignkey")
            batch.drop_column(column)
