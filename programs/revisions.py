"""Change markers of calendars: a counter per scope, moved forward in the same transaction as
any change to what the scope's calendar shows, so "has this calendar changed?" is one
indexed query instead of reading and hashing every item (a feed's ``304``).

What a change touches, read from the unit of work before it is flushed:

- a session: its program's marker, and the coaches' (every coach feed lists sessions);
- an enrollment: its participant's (which programs their calendar shows);
- a follow-up: its participant's, and the coaches';
- a participant edited or erased: theirs, and the coaches' (follow-ups are titled with them);
- a program, a coach, or anything a plugin says changed without naming a scope: every
  calendar (``all``).

A participant's calendar also shows the sessions of the programs where they hold a seat, so
their markers are their own, those programs', the coaches' is not, and ``all``: read in one
query. Timestamps are not used: ``updated_at`` has one-second precision, and two changes in
the same second would look like one.

Writes that bypass the unit of work (bulk imports) call :func:`calendars_changed` themselves;
a plugin whose data changes what calendars show (reminder rules, hence alarms) does too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from programs.models import (
    SEATED,
    Coach,
    Enrollment,
    FollowUp,
    Participant,
    Program,
    Session,
    calendar_revision,
)

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.calendar import CalendarScope

Marker = tuple[str, int]
ALL: Marker = ("all", 0)
COACHES: Marker = ("coaches", 0)
_PENDING = "calendar_markers"


def track(db: DbSession) -> None:
    """Watch ``db``'s unit of work: what each flush changes is noted, and the markers move
    when :func:`record` runs before the commit."""
    from sqlalchemy import event

    db.info[_PENDING] = set()
    event.listen(db, "before_flush", _note)


def calendars_changed(db: DbSession, scope: CalendarScope | None = None) -> None:
    """Say that ``scope``'s calendar changed (``None``: every calendar), for a write the
    unit of work does not see: a bulk insert, a plugin's own table that calendars read."""
    markers = db.info.setdefault(_PENDING, set())
    markers.add(ALL if scope is None else (scope.kind, scope.id))


def people_changed(db: DbSession, ids: Iterable[int]) -> None:
    """Participants' details changed past the unit of work (an import's ``--update``):
    their calendars and the coaches' (follow-ups are titled with their names)."""
    touched = {("participant", pid) for pid in ids}
    if touched:
        db.info.setdefault(_PENDING, set()).update({*touched, COACHES})


def _note(db: DbSession, _context: Any, _instances: Any) -> None:
    pending: set[Marker] = db.info.setdefault(_PENDING, set())
    changed = [(obj, "new") for obj in db.new]
    changed += [(obj, "dirty") for obj in db.dirty if db.is_modified(obj)]
    changed += [(obj, "deleted") for obj in db.deleted]
    for obj, how in changed:
        pending.update(_touched(obj, how))


def _touched(obj: Any, how: str) -> Iterable[Marker]:
    if isinstance(obj, Session):
        return [("program", obj.program_id), COACHES]
    if isinstance(obj, Enrollment):
        return [("participant", obj.participant_id)]
    if isinstance(obj, FollowUp):
        return [("participant", obj.participant_id), COACHES]
    if isinstance(obj, Participant):
        # a new participant is on no calendar yet: their enrollments and follow-ups will say
        return [] if how == "new" else [("participant", obj.id), COACHES]
    if isinstance(obj, Program):
        return [] if how == "new" else [ALL]  # its title, zone, place or coach: everywhere
    if isinstance(obj, Coach):
        return [ALL]
    return []  # attendance, tracks...: on no calendar


def record(db: DbSession) -> None:
    """Move forward every marker the unit of work touched (inside its transaction)."""
    db.flush()  # what is still unflushed is noted too
    pending: set[Marker] = db.info.get(_PENDING) or set()
    markers = sorted(m for m in pending if m[1] is not None)
    pending.clear()
    if not markers:
        return
    table = calendar_revision
    conn = db.connection()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(table).values(kind=sa.bindparam("k"), id=sa.bindparam("i"), revision=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.kind, table.c.id],
        set_={"revision": table.c.revision + 1},
    )
    conn.execute(statement, [{"k": kind, "i": ident} for kind, ident in markers])


_MARKERS: dict[str, Any] = {}


def _markers_statement(kind: str) -> Any:
    """The query of one kind of scope's markers, built once (``:scope`` bound per call)."""
    if kind not in _MARKERS:
        table = calendar_revision
        scope_id = sa.bindparam("scope")

        def marker(name: str, ident: Any) -> Any:
            return sa.and_(table.c.kind == name, table.c.id == ident)

        wanted = [marker(*ALL)]
        if kind == "program":
            wanted.append(marker("program", scope_id))
        elif kind == "coach":
            wanted += [marker(*COACHES), marker("coach", scope_id)]
        else:  # a participant: theirs, and the programs where they hold a seat
            status = Enrollment.__table__.c.status  # type: ignore[attr-defined]
            seated = (
                sa.select(Enrollment.program_id)
                .where(Enrollment.participant_id == scope_id)
                # constants in the SQL, not an expanding IN: it compiles once, for good
                .where(sa.or_(*(status == sa.literal_column(f"'{s.value}'") for s in SEATED)))
            )
            wanted += [
                marker("participant", scope_id),
                sa.and_(table.c.kind == "program", table.c.id.in_(seated)),
            ]
        _MARKERS[kind] = sa.select(table.c.kind, table.c.id, table.c.revision).where(
            sa.or_(*wanted)
        )
    return _MARKERS[kind]


def markers_of(db: Any, scope: CalendarScope) -> tuple[tuple[str, int, int], ...] | None:
    """The markers ``scope``'s calendar depends on, with their counters, in one query;
    None for a kind of calendar this module does not know (the caller reads the items).
    ``db``: a session, a connection or a quick reader (``App.quick_read``)."""
    if scope.kind not in ("program", "coach", "participant"):
        return None
    from programs.db import read_rows

    rows = read_rows(db, _markers_statement(scope.kind), scope=scope.id)
    return tuple(sorted((kind, ident, revision) for kind, ident, revision in rows))


def change_total(db: Any) -> int:
    """The sum of every marker: it grows with each change any calendar shows (every record
    moves a counter up or adds one), so "did anything change since?" is one aggregate.
    ``db``: a session or a connection."""
    total = db.execute(sa.select(sa.func.coalesce(sa.func.sum(calendar_revision.c.revision), 0)))
    return int(total.scalar_one())


def all_markers(db: Any) -> list[tuple[str, int, int]]:
    """Every marker ``(kind, id, revision)``: what a plugin keeping its own copy records."""
    table = calendar_revision
    return [tuple(r) for r in db.execute(sa.select(table.c.kind, table.c.id, table.c.revision))]  # type: ignore[misc]


def markers_changed(db: Any, known: sa.Table) -> list[tuple[str, int, int]]:
    """Markers whose counter differs from (or is missing in) ``known``, a plugin's own copy
    with ``kind``, ``id`` and ``revision`` columns: what changed since the plugin last
    looked, in one query (an anti-join on the primary keys)."""
    table = calendar_revision
    query = (
        sa.select(table.c.kind, table.c.id, table.c.revision)
        .select_from(
            table.outerjoin(known, sa.and_(known.c.kind == table.c.kind, known.c.id == table.c.id))
        )
        .where(sa.or_(known.c.revision.is_(None), known.c.revision != table.c.revision))
    )
    return [tuple(r) for r in db.execute(query)]  # type: ignore[misc]
