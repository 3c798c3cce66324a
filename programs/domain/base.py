"""What the other domain modules build on: finding and locking a program, requiring it
open, and who is seated in it. It imports no other domain module, so every one may use it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs.errors import NotFound, RuleViolation
from programs.i18n import N_, _, shown
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
        raise NotFound(_("no program {slug} (see `programs list`)").format(slug=shown(slug)))
    return program


def lock_program(db: DbSession, program: Program) -> Program:
    """Re-read a program under a row lock: every change to its seats goes through here."""
    return db.exec(
        select(Program)
        .where(Program.id == program.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


CLOSED = {
    (ProgramStatus.CANCELLED, "enroll"): N_("program {slug} is cancelled: cannot enroll"),
    (ProgramStatus.COMPLETED, "enroll"): N_("program {slug} is completed: cannot enroll"),
    (ProgramStatus.CANCELLED, "withdraw"): N_(
        "program {slug} is cancelled: its enrollments can no longer change"
    ),
    (ProgramStatus.COMPLETED, "withdraw"): N_(
        "program {slug} is completed: its enrollments can no longer change"
    ),
    (ProgramStatus.CANCELLED, "edit"): N_("program {slug} is cancelled: it can no longer change"),
    (ProgramStatus.COMPLETED, "edit"): N_("program {slug} is completed: it can no longer change"),
    (ProgramStatus.CANCELLED, "add a session"): N_(
        "program {slug} is cancelled: cannot add a session"
    ),
    (ProgramStatus.COMPLETED, "add a session"): N_(
        "program {slug} is completed: cannot add a session"
    ),
    (ProgramStatus.CANCELLED, "move a session"): N_(
        "program {slug} is cancelled: cannot move a session"
    ),
    (ProgramStatus.COMPLETED, "move a session"): N_(
        "program {slug} is completed: cannot move a session"
    ),
    (ProgramStatus.CANCELLED, "cancel a session"): N_(
        "program {slug} is cancelled, and its sessions with it"
    ),
    (ProgramStatus.COMPLETED, "cancel a session"): N_(
        "program {slug} is completed: cannot cancel a session"
    ),
    (ProgramStatus.CANCELLED, "mark attendance"): N_(
        "program {slug} is cancelled: nobody attended it"
    ),
    (ProgramStatus.COMPLETED, "mark attendance"): N_(
        "program {slug} is completed: its attendance can no longer change"
    ),
}
"""Why a program refuses an action, whole sentences (a status word alone would not agree
with what it qualifies in every language)."""


def require_open(program: Program, action: str) -> None:
    """Refuse ``action`` (a key of :data:`CLOSED`) on a program that is cancelled or
    completed: such a program takes no change but being reopened, and the refusal says how."""
    if program.status != ProgramStatus.OPEN:
        message = CLOSED.get((program.status, action))  # type: ignore[call-overload]
        text = (
            _(message).format(slug=program.slug)
            if message
            else f"program {program.slug} is {program.status}: cannot {action}"
        )
        raise RuleViolation(
            _("{refusal} (`programs reopen {slug}` opens it again)").format(
                refusal=text, slug=program.slug
            )
        )


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
