"""The writes of an import, a chunk at a time: new participants inserted, known ones updated,
everyone enrolled first come first served. SQLAlchemy Core and the driver's ``executemany``:
no ORM object per row, so 100,000 rows cost what they must (``bench/import``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import validate
from programs.domain.base import count_seated
from programs.domain.enrollment import next_queue_time
from programs.domain.people_file import COLUMNS  # the columns a file may fill, defined once
from programs.models import Enrollment, EnrollmentStatus, Participant, Program, utcnow
from programs.names import full_name
from programs.revisions import calendars_changed, people_changed

CHUNK = 2000
NAME_PARTS = ("name", "given_name", "family_name")
PARTICIPANT_COLUMNS = (
    *(c for c in COLUMNS if c != "language"),
    "language",
    "created_at",
    "updated_at",
)


@dataclass
class ImportResult:
    """What an import did (or, refused or in a dry run, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    enrolled: int = 0
    waitlisted: int = 0
    already_in: int = 0  # known people already in the program (seated or waiting)
    bad: int = 0
    participant_ids: list[int] = field(default_factory=list)  # created, in file order
    enrolled_known: list[int] = field(default_factory=list)  # known people enrolled now


def db_time(db: DbSession, value: object) -> object:
    """A time as the driver wants it, converted once for a whole chunk instead of per row."""
    from programs.models import UTCDateTime

    dialect = db.get_bind().dialect
    processor = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    return processor(value) if processor else value


def emails_taken(db: DbSession, emails: list[str]) -> dict[str, int]:
    """``{lowercased email: participant id}`` for those of ``emails`` already in the table."""
    if not emails:
        return {}
    # The driver's own placeholders: SQLAlchemy's expanding IN names and renders each of a
    # chunk's 2,000 parameters anew, a tenth of an import's time (bench/import). The
    # lower(email) index (uq_participant_email_ci) answers it on both databases.
    conn = db.connection()
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    table = Participant.__table__.name  # type: ignore[attr-defined]
    rows = conn.exec_driver_sql(
        f"SELECT lower(email), id FROM {table} WHERE lower(email) IN "
        f"({', '.join([mark] * len(emails))})",
        tuple(e.lower() for e in emails),
    )
    return dict(rows.all())  # type: ignore[arg-type]


def _last_id(conn: sa.Connection, table: sa.Table) -> int:
    """The last id SQLite gave in ``table``: with ``AUTOINCREMENT`` (ids never reused) the
    next rows get the ones after it, even when the newest rows were deleted."""
    seq = conn.exec_driver_sql(
        "SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,)
    ).scalar()
    highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    return max(seq or 0, highest)


def insert_participants(db: DbSession, values: Sequence[dict[str, Any]]) -> list[int]:
    """Insert a chunk of checked rows and return the new ids in input order.

    SQLite: one ``executemany`` through the driver (SQLAlchemy's per-row parameter processing
    and its row-at-a-time RETURNING cost 3x the insert itself); the write transaction began
    with BEGIN IMMEDIATE, so no one else inserts and the new rowids follow the old maximum.
    Other databases: a Core insert with RETURNING, which SQLAlchemy batches.
    """
    table = Participant.__table__  # type: ignore[attr-defined]
    records = [
        (*(v.get(c) for c in COLUMNS if c != "language"), v.get("language") or "fr") for v in values
    ]
    conn = db.connection()
    now = utcnow()
    if conn.dialect.name == "sqlite":
        stamp = db_time(db, now)
        before = _last_id(conn, table)
        marks = ", ".join("?" for _column in PARTICIPANT_COLUMNS)
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(PARTICIPANT_COLUMNS)}) VALUES ({marks})",
            [(*r, stamp, stamp) for r in records],
        )
        ids = list(range(before + 1, before + 1 + len(records)))
        last = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
        if last != ids[-1]:  # would mean someone wrote despite the lock: refuse, roll back
            raise RuntimeError("participant ids are not contiguous; import aborted")
        return ids
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    dicts = [dict(zip(PARTICIPANT_COLUMNS, (*r, now, now), strict=True)) for r in records]
    return [row[0] for row in db.execute(stmt, dicts)]


def changes_for(current: Any, values: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """What an import row changes of a known participant: the fields the row fills in
    (an empty cell leaves a field as it is), never the email it was matched by. A name part
    alone fixes that part and the full name follows; a full name alone is split again."""
    given = {c for c in COLUMNS if row.get(c)}
    wanted = {c: values.get(c) for c in given if c not in (*NAME_PARTS, "email")}
    if "given_name" in given or "family_name" in given:
        first = values.get("given_name") if "given_name" in given else current.given_name
        last = values.get("family_name") if "family_name" in given else current.family_name
        wanted["name"] = validate.name(full_name(first, last))
        wanted["given_name"], wanted["family_name"] = first or None, last or None
    elif "name" in given:
        wanted.update({c: values.get(c) for c in NAME_PARTS})
    return {c: v for c, v in wanted.items() if getattr(current, c) != v}


def update_known(db: DbSession, rows: Sequence[tuple[int, dict[str, Any], dict[str, Any]]]) -> int:
    """Update known participants from ``(id, checked values, row as read)``; returns how many
    changed (the others were already as the file says)."""
    table = Participant.__table__  # type: ignore[attr-defined]
    found = db.execute(sa.select(table).where(table.c.id.in_([pid for pid, _v, _r in rows])))
    current = {r.id: r for r in found}
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for pid, values, row in rows:
        diff = changes_for(current[pid], values, row)
        if diff:
            groups.setdefault(tuple(sorted(diff)), []).append({**diff, "pid": pid})
    now = utcnow()
    for keys, params in groups.items():
        stmt = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("pid"))
            .values({**{k: sa.bindparam(k) for k in keys}, "updated_at": now})
        )
        db.execute(stmt, params)
    # names and zones, past the unit of work: their calendars and the coaches' show them
    people_changed(db, [p["pid"] for params in groups.values() for p in params])
    return sum(len(p) for p in groups.values())


def enroll_in_order(
    db: DbSession, program: Program, ids: list[int], result: ImportResult, known_up_to: int
) -> None:
    """Seats first come first served (file order), the rest on the waitlist in file order.

    ``ids`` above ``known_up_to`` are new (no enrollment yet); a known person already seated
    or waiting stays as they are, one who withdrew comes back at the end of the queue (as
    ``enroll`` does)."""
    from datetime import timedelta

    free = None if program.capacity is None else program.capacity - count_seated(db, program)
    # One request time for the whole file, after everyone already waiting; within the file,
    # the enrollment ids (inserted in file order) keep the order. When known people come
    # back (their old enrollment row is updated, its id is older), each row gets its own
    # time, a microsecond apart, so that the file's order still holds.
    first = next_queue_time(db, program)
    now = db_time(db, first)
    per_row = any(pid <= known_up_to for pid in ids)
    table = Enrollment.__table__  # type: ignore[attr-defined]
    conn = db.connection()
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    insert = (
        f"INSERT INTO {table.name} (program_id, participant_id, status, requested_at, "
        f"enrolled_at) VALUES ({', '.join([mark] * 5)})"
    )
    update = (
        f"UPDATE {table.name} SET status = {mark}, requested_at = {mark}, enrolled_at = {mark}, "
        f"withdrawn_at = NULL WHERE id = {mark}"
    )
    enrolled, waitlisted = str(EnrollmentStatus.ENROLLED), str(EnrollmentStatus.WAITLISTED)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        rows = _enrollments(db, program, [pid for pid in part if pid <= known_up_to])
        inserts, updates = [], []
        for n, pid in enumerate(part, start=start):
            if per_row:
                now = db_time(db, first + timedelta(microseconds=n))
            existing = rows.get(pid)
            if existing is not None and existing[1] != EnrollmentStatus.WITHDRAWN:
                result.already_in += 1
                continue
            seat = free is None or free > 0
            if free is not None and seat:
                free -= 1
            status, at = (enrolled, now) if seat else (waitlisted, None)
            if existing is None:
                inserts.append((program.id, pid, status, now, at))
            else:
                updates.append((status, now, at, existing[0]))
            if pid <= known_up_to:
                result.enrolled_known.append(pid)
            if seat:
                result.enrolled += 1
            else:
                result.waitlisted += 1
        if inserts:
            conn.exec_driver_sql(insert, inserts)
        if updates:
            conn.exec_driver_sql(update, updates)
        if inserts or updates:  # seats taken past the unit of work: their calendars changed
            calendars_changed(db)


def _enrollments(db: DbSession, program: Program, ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """``{participant id: (enrollment id, status)}`` in ``program`` for the given people."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = db.exec(
        select(Enrollment.participant_id, Enrollment.id, Enrollment.status).where(
            Enrollment.program_id == program.id,
            Enrollment.participant_id.in_(wanted),  # type: ignore[attr-defined]
        )
    )
    return {pid: (eid, status) for pid, eid, status in rows}
