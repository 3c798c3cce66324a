"""Waitlist index, and participant emails unique whatever their case.

- ``ix_enrollment_queue`` on enrollment(program_id, status, requested_at): every enrollment
  counts a program's seats and reads its waitlist in order; both are this index's prefix.
- ``uq_participant_email_ci`` on lower(email): ``A.Martin@x.org`` and ``a.martin@x.org`` reach
  the same person. The domain already refused such duplicates; now the database does too,
  even for two imports running at once.

A database that already holds two participants whose emails differ only in case cannot take
the unique index: the upgrade stops with a message naming them and changes nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import context, op

from programs.errors import SchemaError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _refuse_case_duplicates() -> None:
    if context.config.attributes.get("clear_duplicate_emails"):
        _clear_case_duplicates()
        return
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT lower(email), count(*) FROM participant WHERE email IS NOT NULL "
                "GROUP BY lower(email) HAVING count(*) > 1 ORDER BY lower(email)"
            )
        )
        .all()
    )
    if rows:
        shown = ", ".join(f"{email} ({n} participants)" for email, n in rows[:10])
        raise SchemaError(
            f"cannot upgrade: these emails belong to several participants, differing only in "
            f"case: {shown}. Run `programs init --clear-duplicate-emails` to keep each address "
            "on its oldest participant and clear it on the others (then give them theirs with "
            "`programs participant edit`)"
        )


def _clear_case_duplicates() -> None:
    """Each address stays with its oldest participant; the others lose it (named)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, lower(email) FROM participant WHERE email IS NOT NULL ORDER BY id")
    ).all()
    seen: set[str] = set()
    cleared = []
    for row_id, email in rows:
        if email in seen:
            cleared.append(row_id)
        seen.add(email)
    if cleared:
        bind.execute(
            sa.text("UPDATE participant SET email = NULL WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": cleared},
        )
        notes = context.config.attributes.setdefault("notes", [])
        notes.append("participants: email cleared on " + ", ".join(f"#{i}" for i in cleared))


def upgrade() -> None:
    with op.batch_alter_table("enrollment") as batch:
        batch.create_index("ix_enrollment_queue", ["program_id", "status", "requested_at"])
    _refuse_case_duplicates()
    op.create_index(
        "uq_participant_email_ci", "participant", [sa.text("lower(email)")], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_participant_email_ci", table_name="participant")
    with op.batch_alter_table("enrollment") as batch:
        batch.drop_index("ix_enrollment_queue")
