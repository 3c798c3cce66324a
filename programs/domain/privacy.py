"""Personal data: everything held about one person, and erasing them everywhere."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks
from programs.domain.base import lock_program
from programs.domain.enrollment import promote_waiting
from programs.models import (
    Attendance,
    Enrollment,
    EnrollmentStatus,
    FollowUp,
    Participant,
    Program,
    Session,
    Track,
)


def _row(obj: Any, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    data = obj.model_dump()
    for key in drop:
        data.pop(key, None)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def export_participant(db: DbSession, participant: Participant) -> dict[str, Any]:
    """Everything about one person, JSON-able: the core's rows and each plugin's data."""
    enrollments = db.exec(
        select(Enrollment, Program)
        .join(Program, Program.id == Enrollment.program_id)
        .where(Enrollment.participant_id == participant.id)
    ).all()
    attendance = db.exec(
        select(Attendance, Session)
        .join(Session, Session.id == Attendance.session_id)
        .where(Attendance.participant_id == participant.id)
    ).all()
    followups = db.exec(select(FollowUp).where(FollowUp.participant_id == participant.id)).all()
    tracks = db.exec(select(Track).where(Track.participant_id == participant.id)).all()
    return {
        "participant": _row(participant),
        "enrollments": [
            {**_row(e), "program": p.slug, "program_title": p.title} for e, p in enrollments
        ],
        "attendance": [
            {**_row(a), "session_start": s.start.isoformat(), "session_title": s.title}
            for a, s in attendance
        ],
        "followups": [_row(f) for f in followups],
        "tracks": [_row(t) for t in tracks],
        "plugins": hooks.collect(db, "participant_data", participant=participant),
    }


def erase_participant(db: DbSession, participant: Participant) -> None:
    """Remove the person and every row about them; their seats go to people waiting.

    Plugins erase their own data in the same transaction (``erase_participant_data``), so
    either everything about the person is gone or nothing is.
    """
    # Lock every program where they hold a seat first (in id order, so two erasures cannot
    # deadlock), then nobody can take or count those seats until the promotion below.
    seat_programs = db.exec(
        select(Program)
        .join(Enrollment, Enrollment.program_id == Program.id)
        .where(
            Enrollment.participant_id == participant.id,
            Enrollment.status == EnrollmentStatus.ENROLLED,
        )
        .order_by(Program.id)
    ).all()
    freed = [lock_program(db, program) for program in seat_programs]
    hooks.collect(db, "erase_participant_data", participant=participant)
    for model in (Attendance, FollowUp, Track, Enrollment):
        for row in db.exec(select(model).where(model.participant_id == participant.id)):  # type: ignore[attr-defined]
            db.delete(row)
    db.flush()
    pid, name = participant.id, participant.name
    db.delete(participant)
    db.flush()
    for program in freed:
        promote_waiting(db, program)
    hooks.queue(db, "on_participant_erased", participant_id=pid, name=name)
