"""Sessions of a program: add, move (same UID, new revision), cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks, validate
from programs.domain.base import program_of, require_open
from programs.errors import InvalidInput, NotFound, RuleViolation
from programs.i18n import _
from programs.models import Program, Session, SessionStatus, utcnow


def _check_span(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(_("session times need a time zone (read them with programs.times)"))
    if end <= start:
        raise InvalidInput(_("a session must end after it starts"))
    if (end - start).days >= 2:
        raise InvalidInput(_("a session lasts less than 2 days; add one session per day"))


def add_session(
    db: DbSession,
    *,
    program: Program,
    start: datetime,
    end: datetime,
    title: str | None = None,
    location: str | None = None,
) -> Session:
    require_open(program, "add a session")
    _check_span(start, end)
    session = Session(
        program_id=program.id,  # type: ignore[arg-type]
        start=start,
        end=end,
        title=validate.text(title, "title", max_length=200),
        location=validate.text(location, "location", max_length=500),
    )
    db.add(session)
    db.flush()
    hooks.queue(db, "on_session_added", session=session, program=program)
    return session


def get_session(db: DbSession, session_id: int | str) -> Session:
    text = str(session_id).strip()
    number = validate.record_id(text)
    session = db.get(Session, number) if number else None
    if session is None:
        raise NotFound(_("no session {id!r} (see `programs session list SLUG`)").format(id=text))
    return session


def list_sessions(
    db: DbSession, program: Program, *, include_cancelled: bool = True
) -> list[Session]:
    query = (
        select(Session).where(Session.program_id == program.id).order_by(Session.start, Session.id)
    )
    if not include_cancelled:
        query = query.where(Session.status != SessionStatus.CANCELLED)
    return list(db.exec(query))


def move_session(
    db: DbSession,
    session: Session,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    location: str | None = None,
) -> dict[str, Any]:
    """Move a session; without ``end`` it keeps its length. Returns the previous values.

    The UID stays; the revision grows so calendars and reminders see a change.
    """
    if session.status == SessionStatus.CANCELLED:
        raise RuleViolation(
            _("session {id} is cancelled; add a new one instead").format(id=session.id)
        )
    program = program_of(db, session)
    require_open(program, "move a session")
    previous = {"start": session.start, "end": session.end, "location": session.location}
    new_start = start or session.start
    new_end = end or (new_start + (session.end - session.start) if start else session.end)
    _check_span(new_start, new_end)
    new_location = (
        validate.text(location, "location", max_length=500) if location else session.location
    )
    if (new_start, new_end, new_location) == (session.start, session.end, session.location):
        return {}
    session.start, session.end, session.location = new_start, new_end, new_location
    session.status = SessionStatus.MOVED
    session.revision += 1
    session.updated_at = utcnow()
    db.flush()
    hooks.queue(db, "on_session_moved", session=session, program=program, previous=previous)
    return previous


def cancel_session(db: DbSession, session: Session) -> Session:
    if session.status == SessionStatus.CANCELLED:
        raise RuleViolation(_("session {id} is already cancelled").format(id=session.id))
    program = program_of(db, session)
    require_open(program, "cancel a session")
    session.status = SessionStatus.CANCELLED
    session.revision += 1
    session.updated_at = utcnow()
    db.flush()
    hooks.queue(db, "on_session_cancelled", session=session, program=program)
    return session
