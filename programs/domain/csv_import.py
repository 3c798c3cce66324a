"""Importing participants from CSV: all rows or none.

Every row is checked; if any is bad, nothing is written and every bad row is reported with
its line number. Rows go in with SQLAlchemy Core bulk inserts, in chunks, so memory stays flat
however long the file is (a 100,000-row file is the benchmark, ``bench/import``).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks, validate
from programs.domain.base import count_seated, lock_program, require_open
from programs.domain.enrollment import next_queue_time
from programs.errors import InvalidInput, ProgramsError
from programs.models import Enrollment, EnrollmentStatus, Participant, Program, utcnow
from programs.settings import settings_of

CHUNK = 2000
COLUMNS = (
    "name",
    "given_name",
    "family_name",
    "email",
    "phone",
    "organisation",
    "role",
    "language",
    "timezone",
    "notes",
)
ALIASES = {"organization": "organisation", "lang": "language", "tz": "timezone"}
MAX_REPORTED = 50


class ImportRejected(ProgramsError):
    """Some rows are bad; ``problems`` lists them as ``line N: message``."""

    def __init__(self, problems: list[str], total_bad: int) -> None:
        more = f" (first {len(problems)} shown)" if total_bad > len(problems) else ""
        super().__init__(f"{total_bad} bad row(s), nothing imported{more}")
        self.problems = problems


@dataclass
class ImportResult:
    created: int = 0
    enrolled: int = 0
    waitlisted: int = 0
    participant_ids: list[int] = field(default_factory=list)


def read_rows(stream: IO[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` from a CSV with a header line (``name`` is required).

    The line number is where the row starts in the file (a quoted field may span lines).
    A row with more fields than the header comes as ``{EXTRA: "N"}`` (N fields); the
    importer reports it. Blank lines are skipped. Fields are separated by commas, or by
    semicolons (Excel in French saves those) or tabs when the header line has no comma.
    """
    header_line = stream.readline()
    lines = itertools.chain([header_line] if header_line else [], stream)
    reader = csv.reader(lines, delimiter=_delimiter(header_line))
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput(f"cannot read the CSV header: {exc}") from None
    if first is None:
        raise InvalidInput("the CSV file is empty")
    header = [_column(h, i == 0) for i, h in enumerate(first)]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(
            f"unknown CSV column(s): {', '.join(repr(h) for h in unknown)} "
            f"(known: {', '.join(COLUMNS)})"
        )
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise InvalidInput(f"CSV column(s) given twice: {', '.join(twice)}")
    if "name" not in header and "family_name" not in header:
        raise InvalidInput("the CSV file needs a 'name' column (or 'given_name' and 'family_name')")
    width = len(header)
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(f"line {line}: cannot read the CSV: {exc}") from None
        if not fields:
            continue
        if len(fields) > width:
            yield line, {EXTRA: str(len(fields))}
            continue
        yield line, {h: v.strip() for h, v in zip(header, fields, strict=False)}


EXTRA = validate.EXTRA


def _delimiter(header_line: str) -> str:
    if "," not in header_line:
        for candidate in (";", "\t"):
            if candidate in header_line:
                return candidate
    return ","


def _column(name: str, first: bool) -> str:
    name = name.lstrip("\ufeff") if first else name  # Excel's byte order mark
    name = name.strip().lower()
    return ALIASES.get(name, name)


class _Problems:
    """Bad rows as ``line N: message``, keeping only the first ``MAX_REPORTED`` by line
    (rows checked against the database are found a chunk late), in bounded memory."""

    def __init__(self) -> None:
        self.count = 0
        self._kept: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.count += 1
        self._kept.append((line, message))
        if len(self._kept) >= 2 * MAX_REPORTED:
            self._kept = sorted(self._kept)[:MAX_REPORTED]

    def shown(self) -> list[str]:
        return [f"line {line}: {message}" for line, message in sorted(self._kept)[:MAX_REPORTED]]


def import_participants(
    db: DbSession,
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    program: Program | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Insert the rows (and enroll them in ``program``, first come first served).

    Raises :class:`ImportRejected` listing bad rows; the caller's transaction then rolls
    everything back. Participants whose email already exists are an error, not a merge.

    Memory stays flat: rows are checked and inserted a chunk at a time, and emails seen
    earlier in the file are found in the database (where the earlier chunks already are,
    inside this transaction) rather than in a set that would grow with the file. After a
    bad row, good rows are still inserted, so that every later bad row is found too; the
    whole transaction is rolled back at the end.
    """
    if program is not None:
        program = lock_program(db, program)
        require_open(program, "enroll")
    region = settings_of(db).phone_region
    table = Participant.__table__  # type: ignore[attr-defined]
    existing_up_to = db.exec(select(sa.func.max(Participant.id))).one() or 0
    problems = _Problems()
    result = ImportResult()
    chunk: list[tuple[int, dict[str, object]]] = []
    chunk_emails: dict[str, int] = {}

    def flush_chunk() -> None:
        taken = _emails_taken(db, [str(v["email"]) for _, v in chunk if v.get("email")])
        good = []
        for line, values in chunk:
            email = values.get("email")
            owner = taken.get(str(email).lower()) if email else None
            if owner is None:
                good.append(values)
            elif owner > existing_up_to:
                problems.add(line, f"{email} appears twice in the file")
            else:
                problems.add(line, f"{email} is already a participant's email")
        chunk.clear()
        chunk_emails.clear()
        if not good:
            return
        records = [
            (*(v.get(c) for c in COLUMNS if c != "language"), v.get("language") or "fr")
            for v in good
        ]
        ids = _insert_participants(db, table, records)
        if not problems.count:  # once the import is doomed, stop collecting ids
            result.participant_ids.extend(ids)
            result.created += len(ids)

    for count, (line, values, error) in enumerate(_checked(rows, region), start=1):
        email = values.get("email") if values else None
        if email:
            key = str(email).lower()
            if key in chunk_emails:
                error = f"{email} appears twice in the file (first on line {chunk_emails[key]})"
            else:
                chunk_emails[key] = line
        if error is not None or values is None:
            problems.add(line, error or "bad row")
        else:
            chunk.append((line, values))
            if len(chunk) >= CHUNK:
                flush_chunk()
        if progress is not None:
            progress(count)
    if chunk:
        flush_chunk()
    if problems.count:
        raise ImportRejected(problems.shown(), problems.count)
    if program is not None and result.participant_ids:
        _enroll_bulk(db, program, result)
    hooks.queue(
        db, "on_participants_imported", program=program, participant_ids=result.participant_ids
    )
    return result


def _checked(
    rows: Iterable[tuple[int, dict[str, str]]], region: str
) -> Iterator[validate.CheckedRow]:
    """Every row checked, in file order, a chunk at a time."""
    batch: list[tuple[int, dict[str, str]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield from validate.import_rows(batch, region)
            batch = []
    yield from validate.import_rows(batch, region)


def _emails_taken(db: DbSession, emails: list[str]) -> dict[str, int]:
    """``{lowercased email: participant id}`` for those of ``emails`` already in the table."""
    if not emails:
        return {}
    lowered = sa.func.lower(Participant.email)
    rows = db.exec(
        select(lowered, Participant.id).where(lowered.in_(sa.bindparam("emails", expanding=True))),
        params={"emails": [e.lower() for e in emails]},
    )
    return dict(rows.all())


PARTICIPANT_COLUMNS = (
    *(c for c in COLUMNS if c != "language"),
    "language",
    "created_at",
    "updated_at",
)


def _db_time(db: DbSession, value: object) -> object:
    """A time as the driver wants it, converted once for a whole chunk instead of per row."""
    from programs.models import UTCDateTime

    dialect = db.get_bind().dialect
    processor = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    return processor(value) if processor else value


def _last_id(conn: sa.Connection, table: sa.Table) -> int:
    """The last id SQLite gave in ``table``: with ``AUTOINCREMENT`` (ids never reused) the
    next rows get the ones after it, even when the newest rows were deleted."""
    seq = conn.exec_driver_sql(
        "SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,)
    ).scalar()
    highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    return max(seq or 0, highest)


def _insert_participants(db: DbSession, table: sa.Table, records: list[tuple]) -> list[int]:
    """Insert a chunk and return the new ids in input order.

    SQLite: one ``executemany`` through the driver (SQLAlchemy's per-row parameter processing
    and its row-at-a-time RETURNING cost 3x the insert itself); the write transaction began
    with BEGIN IMMEDIATE, so no one else inserts and the new rowids follow the old maximum.
    Other databases: a Core insert with RETURNING, which SQLAlchemy batches.
    """
    conn = db.connection()
    now = utcnow()
    if conn.dialect.name == "sqlite":
        stamp = _db_time(db, now)
        before = _last_id(conn, table)
        marks = ", ".join("?" for _ in PARTICIPANT_COLUMNS)
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


def _enroll_bulk(db: DbSession, program: Program, result: ImportResult) -> None:
    """Seats first come first served (file order), the rest on the waitlist in file order."""
    free = None if program.capacity is None else program.capacity - count_seated(db, program)
    # One request time for the whole file, after everyone already waiting; within the file,
    # the enrollment ids (inserted in file order) keep the order.
    now = _db_time(db, next_queue_time(db, program))
    table = Enrollment.__table__  # type: ignore[attr-defined]
    conn = db.connection()
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    sql = (
        f"INSERT INTO {table.name} (program_id, participant_id, status, requested_at, "
        f"enrolled_at) VALUES ({', '.join([mark] * 5)})"
    )
    enrolled, waitlisted = str(EnrollmentStatus.ENROLLED), str(EnrollmentStatus.WAITLISTED)
    ids = result.participant_ids
    seats = len(ids) if free is None else max(min(free, len(ids)), 0)
    for start in range(0, len(ids), CHUNK):
        conn.exec_driver_sql(
            sql,
            [
                (program.id, pid, enrolled, now, now)
                if start + i < seats
                else (program.id, pid, waitlisted, now, None)
                for i, pid in enumerate(ids[start : start + CHUNK])
            ],
        )
    result.enrolled += seats
    result.waitlisted += len(ids) - seats
