"""Attendance: who was at which session, per half-day.

Funded training in France is signed per half-day (*feuilles d'émargement*), so a session
spanning the morning and the afternoon has two slots — by default one starting before 12:00
and ending after 14:00 in its program's time zone (``[core] half_day_start_before`` and
``half_day_end_after``) — and any other session one slot, ``whole``. Attendance is taken once
a session has started, never ahead. Hours attended (certificates, the pathway report) are the
session's length, half of it per half-day of a two-slot session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks, times
from programs.domain.base import get_enrollment, program_of, require_open
from programs.errors import InvalidInput, RuleViolation
from programs.i18n import _
from programs.models import (
    SEATED,
    Attendance,
    Half,
    Participant,
    Program,
    Session,
    SessionStatus,
    utcnow,
)
from programs.settings import Settings, settings_of
from programs.times import format_local, to_local

BOTH = (Half.MORNING, Half.AFTERNOON)
ONE = (Half.WHOLE,)


def slots(session: Session, timezone: str, settings: Settings) -> tuple[Half, ...]:
    """A session's attendance slots: morning and afternoon when it spans the day, else one."""
    return slots_between(session.start, session.end, timezone, settings)


def slots_between(
    start: datetime, end: datetime, timezone: str, settings: Settings
) -> tuple[Half, ...]:
    """The slots of a session from ``start`` to ``end`` (aware) in ``timezone``."""
    start, end = to_local(start, timezone), to_local(end, timezone)
    begins = start.strftime("%H:%M") < settings.half_day_start_before
    ends = end.date() > start.date() or end.strftime("%H:%M") > settings.half_day_end_after
    return BOTH if begins and ends else ONE


def slots_of(db: DbSession, session: Session, program: Program | None = None) -> tuple[Half, ...]:
    program = program or program_of(db, session)
    return slots(session, program.timezone, settings_of(db))


def slot_hours(start: datetime, end: datetime, slot_count: int) -> float:
    """Hours one slot of a session counts for: its length shared between its slots."""
    return (end - start) / timedelta(hours=1) / slot_count


def _halves(session_slots: tuple[Half, ...], half: str | None) -> tuple[Half, ...]:
    if half is None:
        return session_slots
    if half not in (Half.MORNING, Half.AFTERNOON):
        raise InvalidInput(
            _("unknown half-day {half!r}: use morning or afternoon").format(half=half)
        )
    if session_slots == ONE:
        raise InvalidInput(
            _("this session is not split into a morning and an afternoon: leave out --half")
        )
    return (Half(half),)


def mark_attendance(
    db: DbSession,
    *,
    session: Session,
    participant: Participant,
    present: bool = True,
    half: str | None = None,
    now: datetime | None = None,
) -> list[Attendance]:
    """Record presence or absence at ``half`` (``morning``/``afternoon``), or at every slot of
    the session; marking again replaces the previous mark. Refused before the session starts."""
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
    wanted = _halves(slots_of(db, session, program), half)
    if (now or times.now()) < session.start:
        raise RuleViolation(
            _(
                "session {id} has not started: attendance can be recorded from {when} ({zone})"
            ).format(
                id=session.id,
                when=format_local(session.start, program.timezone),
                zone=program.timezone,
            )
        )
    existing = {
        a.half: a
        for a in db.exec(
            select(Attendance).where(
                Attendance.session_id == session.id, Attendance.participant_id == participant.id
            )
        )
    }
    marked = []
    for slot in wanted:
        attendance = existing.get(slot)
        if attendance is None:
            attendance = Attendance(
                session_id=session.id,  # type: ignore[arg-type]
                participant_id=participant.id,  # type: ignore[arg-type]
                half=slot.value,
            )
            db.add(attendance)
        attendance.present = present
        attendance.marked_at = utcnow()
        marked.append(attendance)
    db.flush()
    for attendance in marked:
        hooks.queue(
            db,
            "on_attendance_marked",
            attendance=attendance,
            session=session,
            participant=participant,
        )
    return marked


def marks_of(db: DbSession, session_ids: list[int]) -> dict[tuple[int, int], dict[str, bool]]:
    """``{(session id, participant id): {half: present}}`` for the given sessions."""
    found: dict[tuple[int, int], dict[str, bool]] = {}
    if not session_ids:
        return found
    rows = db.exec(
        select(Attendance).where(Attendance.session_id.in_(session_ids))  # type: ignore[attr-defined]
    )
    for a in rows:
        found.setdefault((a.session_id, a.participant_id), {})[a.half] = a.present
    return found


def attendance_of_program(db: DbSession, session_ids: list[int]) -> dict[tuple[int, int], bool]:
    """``{(session id, participant id): present}`` for the given sessions: present when at
    any of its slots, absent when marked absent at every one."""
    return {key: any(halves.values()) for key, halves in marks_of(db, session_ids).items()}
