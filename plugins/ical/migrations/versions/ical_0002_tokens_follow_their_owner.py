"""iCal plugin: a token goes with its owner, whatever plugins are enabled.

Each token now references its program, participant or coach by a foreign key with
``ON DELETE CASCADE`` (``programs.api.follow_core_rows``): erasing a person deletes their
feed token even while this plugin is disabled. Tokens left over from earlier erasures are
removed: one whose owner is gone, or whose owner's row is newer than the token (an id that
SQLite gave again to someone else: the token was the erased person's).

Revision ID: ical_0002
Revises: ical_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from programs.api import follow_core_rows

revision = "ical_0002"
down_revision = "ical_0001"
branch_labels = None
depends_on = None

OWNERS = (("program", "program"), ("participant", "participant"), ("coach", "coach"))


def upgrade() -> None:
    for kind, table in OWNERS:
        follow_core_rows("ical_token", f"{kind}_id", table)
    bind = op.get_bind()
    for kind, table in OWNERS:
        bind.execute(
            sa.text(
                f"UPDATE ical_token SET {kind}_id = scope_id WHERE scope_kind = :kind AND "
                f"EXISTS (SELECT 1 FROM {table} owner WHERE owner.id = ical_token.scope_id "
                "AND owner.created_at <= ical_token.created_at)"
            ),
            {"kind": kind},
        )
    bind.execute(
        sa.text(
            "DELETE FROM ical_token WHERE program_id IS NULL AND participant_id IS NULL "
            "AND coach_id IS NULL"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("ical_token") as batch:
        for kind, _table in OWNERS:
            batch.drop_index(f"ix_ical_token_{kind}_id")
            batch.drop_constraint(f"fk_ical_token_{kind}_id", type_="foreignkey")
            batch.drop_column(f"{kind}_id")
