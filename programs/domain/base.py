"""What the other domain modules build on: finding and locking a program, requiring it
open, and who is seated in it. It imports no other domain module, so every one may use it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs.errors import NotFound, RuleViolation
from programs.models import (
    SEATED,
    Enrollment,
    Participant,
    Program,
    ProgramStatus,
    Session,
)


def get_program(db: DbSession, slug: str, *, lock: bool = False) -> Program:
    """A program by slug. ``lock=True`` takes a row lock (PostgreSQL) until commit."""
    query = select(Program).where(Program.slug == slug)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    program = db.exec(query).first()
    if program is None:
        raise NotFound(f"no program {slug!r} (see `programs list`)")
    return program


def lock_program(db: DbSession, program: Program) -> Program:
    """Re-read a program under a row lock: every change to its seats goes through here."""
    return db.exec(
        select(Program)
        .where(Program.id == program.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def require_open(program: Program, action: str) -> None:
    if program.status != ProgramStatus.OPEN:
        raise RuleViolation(f"program {program.slug} is {program.status}: cannot {action}")


def program_of(db: DbSession, session: Session) -> Program:
    program = db.get(Program, session.program_id)
    assert program is not None
    return program


# --- who is seated ------------------------------------------------------------------------


def seated_condition(*, program_id: Any = None, participant_id: Any = None) -> Any:
    """The SQL condition "this enrollment holds a seat" (see :data:`programs.models.SEATED`),
    for one program and/or one participant when given (a value or a column)."""
    condition = Enrollment.status.in_(SEATED)  # type: ignore[attr-defined]
    if program_id is not None:
        condition = sa.and_(condition, Enrollment.program_id == program_id)
    if participant_id is not None:
        condition = sa.and_(condition, Enrollment.participant_id == participant_id)
    return condition


def count_seated(db: DbSession, program: Program) -> int:
    return db.exec(
        select(sa.func.count())
        .select_from(Enrollment)
        .where(seated_condition(program_id=program.id))
    ).one()


def is_seated(db: DbSession, program: Program, participant: Participant) -> bool:
    """Whether the person holds a seat in the program now."""
    found = db.exec(
        select(Enrollment.id).where(
            seated_condition(program_id=program.id, participant_id=participant.id)
        )
    ).first()
    return found is not None


def seated_participants(db: DbSession, program: Program) -> list[Participant]:
    """The people seated in the program, by name."""
    return list(
        db.exec(
            select(Participant)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(seated_condition(program_id=program.id))
            .order_by(Participant.name, Participant.id)
        )
    )


def seated_program_ids(participant_id: Any) -> Any:
    """A subquery: the ids of the programs where the participant is seated."""
    return select(Enrollment.program_id).where(seated_condition(participant_id=participant_id))


def get_enrollment(db: DbSession, program: Program, participant: Participant) -> Enrollment | None:
    return db.exec(
        select(Enrollment).where(
            Enrollment.program_id == program.id, Enrollment.participant_id == participant.id
        )
    ).first()
