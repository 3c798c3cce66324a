"""Pathways, half-days and proofs kept after an erasure.

- ``track.program_id``: the program a track came from (``ON DELETE SET NULL``: a track
  outlives its program's deletion).
- ``attendance.half``: attendance is taken per half-day. A session that starts before 12:00
  and ends after 14:00 (the default rule, in the program's time zone) has two slots,
  ``morning`` and ``afternoon``; any other session has one, ``whole``. Each existing mark
  becomes a mark of both halves of a session spanning the day, ``whole`` otherwise. The
  unique key becomes (session, participant, half). The rule is copied here, not imported: a
  migration must do tomorrow what it does today.
- ``participant.retained_until``: set on the pseudonymous record an erasure leaves when
  ``[core] retention_years`` is set; ``programs purge`` deletes it after that time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _spans_the_day(start, end, tz_name) -> bool:  # type: ignore[no-untyped-def]
    """The default rule of [core] half_day_start_before / half_day_end_after."""
    zone = ZoneInfo(tz_name or "Europe/Paris")
    local_start, local_end = (
        (datetime.fromisoformat(t) if isinstance(t, str) else t)
        .replace(tzinfo=UTC)
        .astimezone(zone)
        for t in (start, end)
    )
    return (local_start.hour, local_start.minute) < (12, 0) and (
        local_end.date() > local_start.date() or (local_end.hour, local_end.minute) > (14, 0)
    )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    kwargs = {"table_kwargs": {"sqlite_autoincrement": True}} if sqlite else {}
    with op.batch_alter_table("track", **kwargs) as batch:  # type: ignore[arg-type]
        batch.add_column(sa.Column("program_id", sa.Integer(), nullable=True))
        batch.create_index("ix_track_program_id", ["program_id"], unique=False)
        batch.create_foreign_key(
            "fk_track_program_id", "program", ["program_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("participant", **kwargs) as batch:  # type: ignore[arg-type]
        batch.add_column(sa.Column("retained_until", sa.DateTime(), nullable=True))

    old_unique = (
        "uq_attendance_session_id" if sqlite else "attendance_session_id_participant_id_key"
    )
    with op.batch_alter_table(
        "attendance",
        naming_convention=NAMES,
        **kwargs,  # type: ignore[arg-type]
    ) as batch:
        batch.add_column(
            sa.Column("half", sa.String(length=10), nullable=False, server_default="whole")
        )
        batch.drop_constraint(old_unique, type_="unique")
        batch.create_unique_constraint(
            "uq_attendance_slot", ["session_id", "participant_id", "half"]
        )
    with op.batch_alter_table("attendance", **kwargs) as batch:  # type: ignore[arg-type]
        batch.alter_column("half", server_default=None, existing_type=sa.String(length=10))

    rows = bind.execute(
        sa.text(
            "SELECT a.id, a.session_id, a.participant_id, a.present, a.marked_at, "
            's.start, s."end", p.timezone FROM attendance a '
            "JOIN program_session s ON s.id = a.session_id JOIN program p ON p.id = s.program_id"
        )
    ).all()
    halves = [r for r in rows if _spans_the_day(r.start, r[6], r.timezone)]
    if halves:
        bind.execute(
            sa.text("UPDATE attendance SET half = 'morning' WHERE id = :id"),
            [{"id": r.id} for r in halves],
        )
        bind.execute(
            sa.text(
                "INSERT INTO attendance (session_id, participant_id, present, marked_at, half) "
                "VALUES (:s, :p, :present, :at, 'afternoon')"
            ),
            [
                {"s": r.session_id, "p": r.participant_id, "present": r.present, "at": r.marked_at}
                for r in halves
            ],
        )


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    kwargs = {"table_kwargs": {"sqlite_autoincrement": True}} if sqlite else {}
    bind.execute(
        sa.text(
            "DELETE FROM attendance WHERE half = 'afternoon' AND EXISTS (SELECT 1 FROM "
            "attendance m WHERE m.session_id = attendance.session_id AND "
            "m.participant_id = attendance.participant_id AND m.half = 'morning')"
        )
    )
    with op.batch_alter_table("attendance", **kwargs) as batch:  # type: ignore[arg-type]
        batch.drop_constraint("uq_attendance_slot", type_="unique")
        batch.drop_column("half")
        batch.create_unique_constraint(None, ["session_id", "participant_id"])
    with op.batch_alter_table("participant", **kwargs) as batch:  # type: ignore[arg-type]
        batch.drop_column("retained_until")
    with op.batch_alter_table("track", **kwargs) as batch:  # type: ignore[arg-type]
        batch.drop_constraint("fk_track_program_id", type_="foreignkey")
        batch.drop_index("ix_track_program_id")
        batch.drop_column("program_id")
