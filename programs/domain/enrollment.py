"""Enrollment: seats, the waitlist, withdrawals.

The rules: capacity is never exceeded, even by two processes enrolling at once (every change
to a program's seats first locks the program row: a row lock on PostgreSQL, the write
transaction taken up front on SQLite); the waitlist is first come, first served and its first
person is promoted when a seat frees up; nobody is enrolled twice; nobody enrolls in a
cancelled or completed program.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks
from programs.domain.base import count_seated, get_enrollment, lock_program, require_open
from programs.errors import NotFound, RuleViolation
from programs.i18n import _
from programs.models import (
    Enrollment,
    EnrollmentStatus,
    Participant,
    Program,
    ProgramStatus,
    queue_time,
    utcnow,
)

ONE_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Withdrawal:
    enrollment: Enrollment
    promoted: Enrollment | None


def next_queue_time(db: DbSession, program: Program) -> datetime:
    """The ``requested_at`` of a new request: now, but strictly after every earlier request in
    this program, so the waitlist order is the order requests took the program's lock (a clock
    that goes back, or two requests in one microsecond, cannot reorder the queue)."""
    now = queue_time()
    last = db.exec(
        select(sa.func.max(Enrollment.requested_at)).where(Enrollment.program_id == program.id)
    ).one()
    if last is not None and last >= now:
        return last + ONE_TICK
    return now


def _already(status: str) -> str:
    """Why someone cannot be enrolled again, by where they are."""
    if status == EnrollmentStatus.WAITLISTED:
        return _("{name} is already waitlisted in {slug}")
    if status == EnrollmentStatus.COMPLETED:
        return _("{name} is already completed in {slug}")
    return _("{name} is already enrolled in {slug}")


def enroll(db: DbSession, *, program: Program, participant: Participant) -> Enrollment:
    """Give the participant a seat, or a place on the waitlist when the program is full."""
    program = lock_program(db, program)
    require_open(program, "enroll")
    existing = get_enrollment(db, program, participant)
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        raise RuleViolation(
            _already(existing.status).format(name=participant.name, slug=program.slug)
        )
    hooks.veto(db, "check_enrollment", program=program, participant=participant)
    now = next_queue_time(db, program)
    full = program.capacity is not None and count_seated(db, program) >= program.capacity
    status = EnrollmentStatus.WAITLISTED if full else EnrollmentStatus.ENROLLED
    if existing is None:
        enrollment = Enrollment(
            program_id=program.id,  # type: ignore[arg-type]
            participant_id=participant.id,  # type: ignore[arg-type]
            status=status,
            requested_at=now,
        )
        db.add(enrollment)
    else:  # coming back after withdrawing: to the back of the queue
        enrollment = existing
        enrollment.status = status
        enrollment.requested_at = now
        enrollment.withdrawn_at = None
    enrollment.enrolled_at = utcnow() if status == EnrollmentStatus.ENROLLED else None
    db.flush()
    hook = "on_enrolled" if status == EnrollmentStatus.ENROLLED else "on_waitlisted"
    hooks.queue(db, hook, enrollment=enrollment, program=program, participant=participant)
    return enrollment


def withdraw(db: DbSession, *, program: Program, participant: Participant) -> Withdrawal:
    """Take the participant out (seat or waitlist); the first person waiting gets the seat."""
    program = lock_program(db, program)
    require_open(program, "withdraw")
    enrollment = get_enrollment(db, program, participant)
    if enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise NotFound(
            _("{name} is not enrolled in {slug}").format(name=participant.name, slug=program.slug)
        )
    if enrollment.status == EnrollmentStatus.COMPLETED:
        raise RuleViolation(
            _("{name} has completed {slug}").format(name=participant.name, slug=program.slug)
        )
    had_seat = enrollment.status == EnrollmentStatus.ENROLLED
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_at = utcnow()
    db.flush()
    hooks.queue(db, "on_withdrawn", enrollment=enrollment, program=program, participant=participant)
    promoted = promote_waiting(db, program)[:1] if had_seat else []
    return Withdrawal(enrollment, promoted[0] if promoted else None)


def waitlist(db: DbSession, program: Program) -> list[Enrollment]:
    """People waiting, first come first served."""
    return list(
        db.exec(
            select(Enrollment)
            .where(
                Enrollment.program_id == program.id,
                Enrollment.status == EnrollmentStatus.WAITLISTED,
            )
            .order_by(Enrollment.requested_at, Enrollment.id)  # type: ignore[arg-type]
        )
    )


def promote_waiting(db: DbSession, program: Program) -> list[Enrollment]:
    """Give free seats to people waiting, in order; call with the program locked."""
    if program.status != ProgramStatus.OPEN:
        return []
    promoted = []
    free = None if program.capacity is None else program.capacity - count_seated(db, program)
    for enrollment in waitlist(db, program):
        if free is not None and free <= 0:
            break
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.enrolled_at = utcnow()
        promoted.append(enrollment)
        if free is not None:
            free -= 1
    db.flush()
    for enrollment in promoted:
        participant = db.get(Participant, enrollment.participant_id)
        hooks.queue(
            db, "on_promoted", enrollment=enrollment, program=program, participant=participant
        )
    return promoted


def roster(db: DbSession, program: Program) -> list[tuple[Enrollment, Participant]]:
    """Everyone with an enrollment row in the program: seats, then waitlist, then the rest."""
    order = {
        EnrollmentStatus.ENROLLED: 0,
        EnrollmentStatus.COMPLETED: 0,
        EnrollmentStatus.WAITLISTED: 1,
        EnrollmentStatus.WITHDRAWN: 2,
    }
    rows = db.exec(
        select(Enrollment, Participant)
        .join(Participant, Participant.id == Enrollment.participant_id)
        .where(Enrollment.program_id == program.id)
    ).all()
    return sorted(
        ((e, p) for e, p in rows),
        key=lambda row: (order.get(row[0].status, 3), row[0].requested_at, row[0].id),
    )


def enrollments_of(db: DbSession, participant: Participant) -> list[tuple[Enrollment, Program]]:
    return list(
        db.exec(
            select(Enrollment, Program)
            .join(Program, Program.id == Enrollment.program_id)
            .where(Enrollment.participant_id == participant.id)
            .order_by(Enrollment.requested_at)  # type: ignore[arg-type]
        ).all()
    )
