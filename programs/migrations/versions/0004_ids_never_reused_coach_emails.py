"""Ids are never reused; coaches' emails are unique whatever their case.

- SQLite gives a deleted row's id to the next row unless a table is ``AUTOINCREMENT``: an
  erased participant's id went to the next person added, and anything still keyed by the old
  id (a feed token, a reminder kept by a plugin that was disabled during the erasure) reached
  the newcomer. Every core table is rebuilt with ``AUTOINCREMENT`` (SQLite only: PostgreSQL's
  sequences never give an id twice). The rebuild copies the rows with their ids, which sets
  each table's counter to its largest id.
- ``uq_coach_email_ci`` on lower(email): two coaches can no longer share an address (then
  ``create --coach EMAIL`` picked one of them silently). Existing duplicates stop the upgrade
  with their names, or, with ``programs init --clear-duplicate-emails``, the address stays
  with the oldest coach and is cleared on the others (named in the output).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import context, op

from programs.errors import SchemaError

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    "coach",
    "program",
    "program_session",
    "participant",
    "enrollment",
    "attendance",
    "track",
    "followup",
)


def _clear_duplicates() -> bool:
    return bool(context.config.attributes.get("clear_duplicate_emails"))


def duplicate_emails(table: str) -> list[tuple[str, list[tuple[int, str]]]]:
    """``[(email, [(id, name)...])]`` for addresses held by several rows of ``table``."""
    rows = op.get_bind().execute(
        sa.text(
            f"SELECT id, name, lower(email) FROM {table} WHERE email IS NOT NULL "
            "AND lower(email) IN (SELECT lower(email) FROM "
            f"{table} WHERE email IS NOT NULL GROUP BY lower(email) HAVING count(*) > 1) "
            "ORDER BY lower(email), id"
        )
    )
    found: dict[str, list[tuple[int, str]]] = {}
    for row_id, name, email in rows:
        found.setdefault(email, []).append((row_id, name))
    return list(found.items())


def settle_duplicates(table: str, what: str) -> None:
    """Refuse, naming them, or keep each address on its oldest row (the option)."""
    found = duplicate_emails(table)
    if not found:
        return
    shown = "; ".join(
        f"{email}: " + ", ".join(f"#{i} {n}" for i, n in people) for email, people in found[:10]
    )
    if not _clear_duplicates():
        raise SchemaError(
            f"cannot upgrade: several {what} share an email (whatever its case): {shown}. "
            "Run `programs init --clear-duplicate-emails` to keep each address on the oldest "
            "and clear it on the others (then give them theirs with `edit`)"
        )
    cleared = [i for _email, people in found for i, _name in people[1:]]
    op.get_bind().execute(
        sa.text(f"UPDATE {table} SET email = NULL WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        ),
        {"ids": cleared},
    )
    notes = context.config.attributes.setdefault("notes", [])
    notes.append(f"{what}: email cleared on " + ", ".join(f"#{i}" for i in cleared))


def upgrade() -> None:
    settle_duplicates("coach", "coaches")
    if op.get_bind().dialect.name == "sqlite":
        # The participant email index is on an expression, which batch mode does not copy.
        op.drop_index("uq_participant_email_ci", table_name="participant")
        for table in TABLES:
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass
        op.create_index(
            "uq_participant_email_ci", "participant", [sa.text("lower(email)")], unique=True
        )
    op.create_index("uq_coach_email_ci", "coach", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_coach_email_ci", table_name="coach")
