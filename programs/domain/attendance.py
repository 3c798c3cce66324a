"""Attendance: who was at which session."""

from __future__ import annotations

from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks
from programs.domain.base import get_enrollment, program_of, require_open
from programs.errors import RuleViolation
from programs.i18n import _
from programs.models import (
    SEATED,
    Attendance,
    Participant,
    Session,
    SessionStatus,
    utcnow,
)


def mark_attendance(
    db: DbSession, *, session: Session, participant: Participant, present: bool = True
) -> Attendance:
    """Record presence or absence; marking again replaces the previous mark."""
    if session.status == SessionStatus.CANCELLED:
        raise RuleViolation(
            _("session {id} was cancelled; nobody attended it").format(id=session.id)
        )
    program = program_of(db, session)
    require_open(program, "mark attendance")
    enrollment = get_enrollment(db, program, participant)
    if enrollment is None or enrollment.status not in SEATED:
        raise RuleViolation(
            _("{name} does not have a seat in {slug}").format(
                name=participant.name, slug=program.slug
            )
        )
    attendance = db.exec(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.participant_id == participant.id
        )
    ).first()
    if attendance is None:
        attendance = Attendance(session_id=session.id, participant_id=participant.id)  # type: ignore[arg-type]
        db.add(attendance)
    attendance.present = present
    attendance.marked_at = utcnow()
    db.flush()
    hooks.queue(
        db, "on_attendance_marked", attendance=attendance, session=session, participant=participant
    )
    return attendance


def attendance_of_program(db: DbSession, session_ids: list[int]) -> dict[tuple[int, int], bool]:
    """``{(session id, participant id): present}`` for the given sessions."""
    if not session_ids:
        return {}
    rows = db.exec(
        select(Attendance).where(Attendance.session_id.in_(session_ids))  # type: ignore[attr-defined]
    )
    return {(a.session_id, a.participant_id): a.present for a in rows}
