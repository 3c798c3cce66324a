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
        "on_erasure": _on_erasure(db, participant),
    }


def _on_erasure(db: DbSession, participant: Participant) -> dict[str, Any]:
    """What erasing the person would keep, and why (``[core] retention_years``)."""
    from programs.domain.retention import is_pseudonymous, retention_note, what_is_kept

    kept = what_is_kept(db, participant)
    return {
        "retention_years": kept.years,
        "kept": ["attendance", "enrollments"] if kept.anything else [],
        "programs": kept.program_ids,
        "half_days": kept.half_days,
        "until": kept.until.isoformat() if kept.until else None,
        "why": retention_note(kept, pseudonymous=is_pseudonymous(participant)),
    }


def erase_participant(db: DbSession, participant: Participant) -> str | None:
    """Remove the person and every row about them; their seats go to people waiting.

    With ``[core] retention_years`` set, the seats of the programs they attended and their
    attendance stay, held by a pseudonymous record (:mod:`programs.domain.retention`) until
    the retention ends: returns its key (None when nothing is kept). Plugins erase their own
    data in the same transaction (``erase_participant_data``), so either everything about the
    person is gone or nothing is.
    """
    from programs.domain.retention import pseudonymise, what_is_kept

    kept = what_is_kept(db, participant)
    # Lock every program where they hold a seat that goes first (in id order, so two
    # erasures cannot deadlock), then nobody can take or count those seats until the
    # promotion below.
    seat_programs = db.exec(
        select(Program)
        .join(Enrollment, Enrollment.program_id == Program.id)
        .where(
            Enrollment.participant_id == participant.id,
            Enrollment.status == EnrollmentStatus.ENROLLED,
            Program.id.not_in(kept.program_ids),  # type: ignore[union-attr]
        )
        .order_by(Program.id)
    ).all()
    freed = [lock_program(db, program) for program in seat_programs]
    hooks.collect(db, "erase_participant_data", participant=participant)
    kept_sessions = select(Session.id).where(Session.program_id.in_(kept.program_ids))  # type: ignore[attr-defined]
    for model in (Attendance, FollowUp, Track, Enrollment):
        query = select(model).where(model.participant_id == participant.id)  # type: ignore[attr-defined]
        if model is Attendance and kept.anything:
            query = query.where(Attendance.session_id.not_in(kept_sessions))  # type: ignore[attr-defined]
        if model is Enrollment and kept.anything:
            query = query.where(Enrollment.program_id.not_in(kept.program_ids))  # type: ignore[attr-defined]
        for row in db.exec(query):
            db.delete(row)
    db.flush()
    pid, name = participant.id, participant.name
    key = None
    if kept.anything:
        key = pseudonymise(db, participant, kept)
    else:
        db.delete(participant)
    db.flush()
    for program in freed:
        promote_waiting(db, program)
    hooks.queue(db, "on_participant_erased", participant_id=pid, name=name)
    return key
