"""Programs: create, edit, cancel, complete (orchestrators above enrollment and sessions), and
how full they are."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks, validate
from programs.domain.base import count_seated, lock_program, require_open
from programs.domain.coach import default_coach
from programs.domain.enrollment import promote_waiting
from programs.domain.session import cancel_session
from programs.errors import RuleViolation
from programs.i18n import _
from programs.models import (
    Coach,
    Enrollment,
    EnrollmentStatus,
    Program,
    ProgramStatus,
    Session,
    SessionStatus,
    utcnow,
)
from programs.settings import settings_of


def create_program(
    db: DbSession,
    *,
    slug: str,
    title: str,
    timezone: str | None = None,
    location: str | None = None,
    capacity: int | None = None,
    description: str | None = None,
    coach: Coach | None = None,
) -> Program:
    slug = validate.slug(slug)
    if db.exec(select(Program.id).where(Program.slug == slug)).first() is not None:
        raise RuleViolation(_("program {slug} already exists").format(slug=slug))
    if coach is None:
        coach = default_coach(db)
    program = Program(
        slug=slug,
        title=validate.name(title),
        timezone=validate.timezone(timezone) or settings_of(db).default_timezone,
        location=validate.text(location, "location", max_length=500),
        capacity=validate.positive(capacity, "capacity"),
        description=validate.text(description, "description", max_length=10_000),
        coach_id=coach.id if coach else None,
    )
    db.add(program)
    db.flush()
    hooks.queue(db, "on_program_created", program=program)
    return program


def edit_program(db: DbSession, program: Program, **changes: Any) -> dict[str, Any]:
    """Change fields; returns ``{field: old value}`` for what actually changed.

    Capacity may not drop below the seats taken; raising it promotes people waiting.
    """
    program = lock_program(db, program)
    require_open(program, "edit")
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "title":
            cleaned[key] = validate.name(value)
        elif key == "description":
            cleaned[key] = validate.text(value, "description", max_length=10_000)
        elif key == "timezone":
            cleaned[key] = validate.timezone(value)
        elif key == "location":
            cleaned[key] = validate.text(value, "location", max_length=500)
        elif key == "capacity":
            cleaned[key] = validate.positive(value, "capacity")
        else:
            raise RuleViolation(_("cannot edit {key!r} of a program").format(key=key))
    old = {k: getattr(program, k) for k, v in cleaned.items() if getattr(program, k) != v}
    if not old:
        return {}
    if "capacity" in old:
        taken = count_seated(db, program)
        if cleaned["capacity"] < taken:
            raise RuleViolation(
                _("{slug} has {taken} enrolled; capacity cannot go below that").format(
                    slug=program.slug, taken=taken
                )
            )
    for key in old:
        setattr(program, key, cleaned[key])
    program.updated_at = utcnow()
    db.flush()
    hooks.queue(db, "on_program_changed", program=program, changes=old)
    if "capacity" in old:
        promote_waiting(db, program)
    return old


def cancel_program(db: DbSession, program: Program) -> Program:
    """Cancel a program and its sessions that have not been cancelled yet."""
    program = lock_program(db, program)
    if program.status == ProgramStatus.CANCELLED:
        raise RuleViolation(_("program {slug} is already cancelled").format(slug=program.slug))
    if program.status == ProgramStatus.COMPLETED:
        raise RuleViolation(
            _("program {slug} is completed; it cannot be cancelled").format(slug=program.slug)
        )
    for session in db.exec(
        select(Session).where(
            Session.program_id == program.id, Session.status != SessionStatus.CANCELLED
        )
    ):
        cancel_session(db, session)
    program.status = ProgramStatus.CANCELLED
    program.updated_at = utcnow()
    db.flush()
    hooks.queue(db, "on_program_cancelled", program=program)
    return program


def reopen_program(db: DbSession, program: Program) -> Program:
    """Open a cancelled or completed program again: the only change a closed program takes.

    A completed program's participants are enrolled again (their completion is undone); a
    cancelled program's sessions stay cancelled (new ones are added), and the people it held
    keep the places they had.
    """
    program = lock_program(db, program)
    if program.status == ProgramStatus.OPEN:
        raise RuleViolation(_("program {slug} is open already").format(slug=program.slug))
    before = program.status
    if before == ProgramStatus.COMPLETED:
        for enrollment in db.exec(
            select(Enrollment).where(
                Enrollment.program_id == program.id,
                Enrollment.status == EnrollmentStatus.COMPLETED,
            )
        ):
            enrollment.status = EnrollmentStatus.ENROLLED
            enrollment.completed_at = None
    program.status = ProgramStatus.OPEN
    program.updated_at = utcnow()
    db.flush()
    hooks.queue(db, "on_program_changed", program=program, changes={"status": before})
    return program


def complete_program(db: DbSession, program: Program) -> Program:
    """Mark a program completed: enrolled participants become "completed", the waitlist closes."""
    program = lock_program(db, program)
    if program.status != ProgramStatus.OPEN:
        message = (
            _("program {slug} is cancelled; only open ones complete")
            if program.status == ProgramStatus.CANCELLED
            else _("program {slug} is completed; only open ones complete")
        )
        raise RuleViolation(message.format(slug=program.slug))
    now = utcnow()
    for enrollment in db.exec(select(Enrollment).where(Enrollment.program_id == program.id)):
        if enrollment.status == EnrollmentStatus.ENROLLED:
            enrollment.status = EnrollmentStatus.COMPLETED
            enrollment.completed_at = now
        elif enrollment.status == EnrollmentStatus.WAITLISTED:
            enrollment.status = EnrollmentStatus.WITHDRAWN
            enrollment.withdrawn_at = now
    program.status = ProgramStatus.COMPLETED
    program.updated_at = now
    db.flush()
    hooks.queue(db, "on_program_changed", program=program, changes={"status": ProgramStatus.OPEN})
    return program
