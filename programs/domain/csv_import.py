"""Importing participants from a file (CSV or ``.xlsx``): all rows or none.

Every row is checked; if any is bad, nothing is written and every bad row is reported with
its line number (the first :data:`MAX_REPORTED` in the error, all of them to a rejects
file when one is asked for: :mod:`programs.domain.rejects`). A person already in the
database, found by email whatever its case, is a bad row, unless the import updates known
people (``known=UPDATE``: the cells the row fills in replace theirs) or leaves them as they
are (``known=SKIP``). Reading the files coaches have (encodings, separators, French
headers, Excel) is :mod:`programs.domain.people_file`; the writes, :mod:`programs.domain.bulk`.

Memory stays flat however long the file is (a 100,000-row file is the benchmark,
``bench/import``): rows are checked and written a chunk at a time, and emails seen earlier
in the file are found in the database (where the earlier chunks already are, inside this
transaction) rather than in a set that would grow with the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks, validate
from programs.domain import bulk
from programs.domain.base import lock_program, require_open
from programs.domain.bulk import COLUMNS, ImportResult
from programs.domain.people_file import read_rows
from programs.errors import ProgramsError
from programs.i18n import _, ngettext
from programs.models import Participant, Program
from programs.settings import settings_of

__all__ = ["COLUMNS", "EXTRA", "ImportRejected", "ImportResult", "import_participants", "read_rows"]

CHUNK = bulk.CHUNK
MAX_REPORTED = 50
REFUSE, UPDATE, SKIP = "refuse", "update", "skip"
"""What to do with a row whose email is a known participant's: a bad row, update them,
or leave them as they are."""
EXTRA = validate.EXTRA
Rejected = Callable[[int, "list[str] | None", str], None]
"""Told each bad row in line order: its line, its fields as read, what is wrong."""


class ImportRejected(ProgramsError):
    """Some rows are bad; ``problems`` lists the first ones as ``line N: message``;
    ``result`` counts what the good rows would have done."""

    def __init__(self, problems: list[str], total_bad: int, result: ImportResult) -> None:
        message = ngettext(
            "{n} bad row, nothing imported", "{n} bad rows, nothing imported", total_bad
        ).format(n=total_bad)
        if total_bad > len(problems):
            message = _("{message} (first {shown} shown)").format(
                message=message, shown=len(problems)
            )
        super().__init__(message)
        self.problems = problems
        self.total = total_bad
        self.result = result


class _Problems:
    """Bad rows, told in line order (rows checked against the database are found a chunk
    late: they wait in ``pending`` until their chunk is checked), the first
    ``MAX_REPORTED`` kept for the error."""

    def __init__(self, rejected: Rejected | None) -> None:
        self.count = 0
        self.pending: list[tuple[int, str, list[str] | None]] = []
        self.kept: list[str] = []
        self.rejected = rejected

    def add(self, line: int, row: dict[str, Any] | None, message: str) -> None:
        self.count += 1
        self.pending.append((line, message, row.get(validate.RAW) if row else None))

    def release(self) -> None:
        """Every row up to the last one read is checked: tell the pending ones, in order."""
        for line, message, fields in sorted(self.pending, key=lambda p: p[0]):
            if len(self.kept) < MAX_REPORTED:
                self.kept.append(_("line {line}: {message}").format(line=line, message=message))
            if self.rejected is not None:
                self.rejected(line, fields, message)
        self.pending.clear()


def import_participants(
    db: DbSession,
    rows: Iterable[tuple[int, dict[str, Any]]],
    *,
    program: Program | None = None,
    progress: Callable[[int], None] | None = None,
    known: str = REFUSE,
    rejected: Rejected | None = None,
) -> ImportResult:
    """Write the rows (and enroll them in ``program``, first come first served).

    Raises :class:`ImportRejected` listing bad rows; the caller's transaction then rolls
    everything back. ``known``: :data:`REFUSE`, :data:`UPDATE` or :data:`SKIP` people whose
    email is already a participant's. ``rejected`` is told every bad row, in line order.

    After a bad row, good rows are still written, so that every later bad row is found too
    (an email given twice, a known one); the whole transaction is rolled back at the end.
    Known people matched are marked in a bit map of the ids there were before the import
    (an email given twice in the file is found without a set growing with the file).
    """
    if known not in (REFUSE, UPDATE, SKIP):
        raise ValueError(f"known must be {REFUSE}, {UPDATE} or {SKIP}, not {known!r}")
    if program is not None:
        program = lock_program(db, program)
        require_open(program, "enroll")
    region = settings_of(db).phone_region
    known_up_to = db.exec(select(sa.func.max(Participant.id))).one() or 0
    matched = bytearray(known_up_to // 8 + 1) if known != REFUSE else bytearray()
    problems = _Problems(rejected)
    result = ImportResult()
    chunk: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    chunk_emails: dict[str, int] = {}
    to_enroll: list[int] = []

    def twice(email: object) -> str:
        return _("{email} appears twice in the file").format(email=email)

    def flush_chunk() -> None:
        taken = bulk.emails_taken(db, [str(v["email"]) for _l, v, _r in chunk if v.get("email")])
        new: list[dict[str, Any]] = []
        updates: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        order: list[int | None] = []  # file order: None for a new person, else a known id
        for line, values, row in chunk:
            email = values.get("email")
            owner = taken.get(str(email).lower()) if email else None
            if owner is None:
                new.append(values)
                order.append(None)
            elif owner > known_up_to or (known != REFUSE and _seen(matched, owner)):
                problems.add(line, row, twice(email))
            elif known == REFUSE:
                problems.add(
                    line, row, _("{email} is already a participant's email").format(email=email)
                )
            else:
                matched[owner >> 3] |= 1 << (owner & 7)
                if known == SKIP:
                    result.skipped += 1
                else:
                    updates.append((owner, values, row))
                    order.append(owner)
        chunk.clear()
        chunk_emails.clear()
        problems.release()
        ids = bulk.insert_participants(db, new) if new else []
        changed = bulk.update_known(db, updates) if updates else 0
        result.created += len(ids)
        result.updated += changed
        result.unchanged += len(updates) - changed
        if not problems.count:  # once the import is doomed, stop collecting ids
            result.participant_ids.extend(ids)
            if program is not None:
                fresh = iter(ids)
                to_enroll.extend(next(fresh) if pid is None else pid for pid in order)

    for count, (line, values, error, row) in enumerate(_checked(rows, region), start=1):
        email = values.get("email") if values else None
        if email:
            key = str(email).lower()
            if key in chunk_emails:
                error = _("{email} appears twice in the file (first on line {line})").format(
                    email=email, line=chunk_emails[key]
                )
            else:
                chunk_emails[key] = line
        if error is not None or values is None:
            problems.add(line, row, error or _("bad row"))
        else:
            chunk.append((line, values, row))
        if len(chunk) >= CHUNK or len(problems.pending) >= CHUNK:
            flush_chunk()
        if progress is not None:
            progress(count)
    flush_chunk()
    result.bad = problems.count
    if problems.count:
        raise ImportRejected(problems.kept, problems.count, result)
    if program is not None and to_enroll:
        bulk.enroll_in_order(db, program, to_enroll, result, known_up_to)
    hooks.queue(
        db,
        "on_participants_imported",
        program=program,
        participant_ids=[*result.participant_ids, *result.enrolled_known],
    )
    return result


def _seen(matched: bytearray, pid: int) -> bool:
    return bool(matched[pid >> 3] & (1 << (pid & 7)))


def _checked(
    rows: Iterable[tuple[int, dict[str, Any]]], region: str
) -> Iterator[tuple[int, dict[str, Any] | None, str | None, dict[str, Any]]]:
    """Every row checked, in file order, a chunk at a time: ``(line, values, error, row)``."""
    batch: list[tuple[int, dict[str, Any]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield from _check(batch, region)
            batch = []
    yield from _check(batch, region)


def _check(
    batch: list[tuple[int, dict[str, Any]]], region: str
) -> Iterator[tuple[int, dict[str, Any] | None, str | None, dict[str, Any]]]:
    for (line, values, error), (_line, row) in zip(
        validate.import_rows(batch, region), batch, strict=True
    ):
        yield line, values, error, row
