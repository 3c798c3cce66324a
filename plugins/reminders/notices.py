"""Messages on events, and the coach's own, through the same outbox as the reminders.

A reminder is planned from a time; a notice is queued by an event: someone enrolled (the
"convocation": the program, its sessions, the coach's contact, the person's private link and
one ``.ics`` of every session), put on the waiting list (their position), promoted ("a seat is
yours"), withdrawn; a session moved or cancelled; the program cancelled; a message the coach
wrote to a cohort (``programs message``); an invitation with the person's link (``programs
invite``). Each is a row of ``reminders_outbox`` with ``target_kind`` "notice" or "message",
due at once (or ``--at``), so it shares everything the outbox gives: exactly once (the UNIQUE
key: the same event queued twice is one row), a Message-ID from the key, crash safety (the
row is marked sent right after its message), both databases, the recipient's language.

Each kind is a rule (``NOTICES``) the coach turns off like the others (``programs reminders
rules remove confirmation [--program SLUG]``). The key's ``revision`` tells two events of the
same kind apart: the minute of the enrollment, the session's revision, a message's id. Just
before sending, :func:`problem` checks the row still holds (a confirmation for someone who
withdrew meanwhile is cancelled), and the message is written from the database as it is then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.models import MESSAGES, OUTBOX, PENDING
from programs.plugins.reminders.rules import Rule, load_rulebook
from programs.plugins.reminders.settings import load_settings

from programs import i18n
from programs.api import (
    SEATED,
    Enrollment,
    EnrollmentStatus,
    Participant,
    Program,
    ProgramStatus,
    Session,
    SessionStatus,
    Span,
    utcnow,
)

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App

NOTICE, MESSAGE = "notice", "message"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _notice(name: str) -> Rule:
    return Rule(name, "notice", "participants", Span(), template=name)


NOTICES: tuple[Rule, ...] = tuple(
    _notice(name)
    for name in (
        "confirmation",
        "waitlisted",
        "promoted",
        "withdrawn",
        "session-moved",
        "session-cancelled",
        "program-cancelled",
        "message",
        "invite",
    )
)
NOTICE_NAMES = frozenset(r.name for r in NOTICES)
# who must still hold what for a notice to go out
STILL = {
    "confirmation": SEATED,
    "promoted": SEATED,
    "invite": SEATED,
    "session-moved": SEATED,
    "waitlisted": (EnrollmentStatus.WAITLISTED,),
    "withdrawn": (EnrollmentStatus.WITHDRAWN,),
}


def minute(moment: datetime | None) -> int:
    """An event's moment as a key's revision (minutes since 1970)."""
    if moment is None:
        return 0
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int((aware - EPOCH).total_seconds() // 60)


def link_revision(url: str, again: int = 0) -> int:
    """An invitation's revision: the link it carries (a new link is a new invitation)."""
    digest = hashlib.sha256(f"{url}#{again}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def in_force(db: DbSession, app: App, name: str, program_id: int | None) -> Rule | None:
    """The notice rule ``name`` for the program, None when the coach turned it off."""
    book = load_rulebook(db, app.config, now=None, program_ids=[program_id] if program_id else [])
    return next((r for r in book.for_program(program_id) if r.name == name), None)


def queue(
    db: DbSession,
    app: App,
    name: str,
    *,
    target_id: int,
    revision: int,
    program_id: int | None,
    participants: Iterable[int],
    session_id: int | None = None,
    starts_at: datetime | None = None,
    due: datetime | None = None,
    kind: str = NOTICE,
    now: datetime | None = None,
    asked: bool = False,
) -> int:
    """Queue notice ``name`` to ``participants`` (once each: a row already there is kept).
    Returns how many rows were added; none when the rule is turned off. ``asked``: the
    coach asked for it (an invitation): ``[reminders] notices = false`` does not stop it."""
    people = sorted(set(participants))
    if not people or (kind == NOTICE and not asked and not load_settings(app).notices):
        return 0
    rule = in_force(db, app, name, program_id)
    if rule is None or rule.channel not in app.registry.all("channel"):
        return 0  # turned off, or no such channel here (the email plugin disabled)
    now = now or utcnow()
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    rows = [
        {
            "rule": name,
            "target_kind": kind,
            "target_id": target_id,
            "revision": revision,
            "recipient_kind": "participant",
            "recipient_id": pid,
            "channel": rule.channel,
            "program_id": program_id,
            "participant_id": pid,
            "session_id": session_id,
            "due_at": due or now,
            "starts_at": starts_at,
            "status": PENDING,
            "attempts": 0,
            "planned_at": now,
            "updated_at": now,
        }
        for pid in people
    ]
    added = 0
    for start in range(0, len(rows), 2_000):
        # RETURNING counts what went in (a driver's rowcount of a batch is not to be trusted)
        statement = insert(OUTBOX).on_conflict_do_nothing().returning(OUTBOX.c.id)
        added += len(db.execute(statement, rows[start : start + 2_000]).all())
    return added


# --- the events ------------------------------------------------------------------------


def _people(db: DbSession, program_id: int, statuses: Iterable[str]) -> list[int]:
    query = sa.select(Enrollment.participant_id).where(
        Enrollment.program_id == program_id,
        Enrollment.status.in_([str(s) for s in statuses]),  # type: ignore[attr-defined]
    )
    return [pid for (pid,) in db.execute(query)]


def on_seat(app: App, name: str, program_id: int, participant_id: int) -> None:
    """Someone enrolled, waitlisted, promoted or withdrawn: tell them."""
    with app.write() as db:
        enrollment = db.execute(
            sa.select(Enrollment).where(
                Enrollment.program_id == program_id, Enrollment.participant_id == participant_id
            )
        ).scalar_one_or_none()
        if enrollment is None:
            return
        moment = {
            "confirmation": enrollment.enrolled_at,
            "promoted": enrollment.enrolled_at,
            "waitlisted": enrollment.requested_at,
            "withdrawn": enrollment.withdrawn_at,
        }[name]
        queue(
            db,
            app,
            name,
            target_id=enrollment.id,  # type: ignore[arg-type]
            revision=minute(moment),
            program_id=program_id,
            participants=[participant_id],
        )


def on_session(app: App, name: str, session_id: int, program_id: int) -> None:
    """A session moved or cancelled: tell everyone seated (a moved one only while ahead)."""
    with app.write() as db:
        session = db.get(Session, session_id)
        program = db.get(Program, program_id)
        if session is None or program is None or program.status == ProgramStatus.CANCELLED:
            return
        now = utcnow()
        if session.start <= now:
            return
        queue(
            db,
            app,
            name,
            target_id=session_id,
            revision=session.revision,
            program_id=program_id,
            participants=_people(db, program_id, SEATED),
            session_id=session_id,
            starts_at=session.start if name == "session-moved" else None,
            now=now,
        )


def on_program_cancelled(app: App, program_id: int) -> None:
    with app.write() as db:
        people = _people(db, program_id, (*SEATED, EnrollmentStatus.WAITLISTED))
        queue(
            db,
            app,
            "program-cancelled",
            target_id=program_id,
            revision=0,
            program_id=program_id,
            participants=people,
        )


# --- just before sending ---------------------------------------------------------------


def problem(db: DbSession, row: Any) -> str | None:
    """Why a notice should not go out any more, or None (see :data:`STILL`)."""
    if row.target_kind == MESSAGE:
        found = db.execute(sa.select(MESSAGES.c.id).where(MESSAGES.c.id == row.target_id))
        return None if found.first() else i18n.gettext("the message no longer exists")
    program = db.get(Program, row.program_id) if row.program_id else None
    if program is None:
        return i18n.gettext("the program no longer exists")
    if row.rule != "program-cancelled" and program.status == ProgramStatus.CANCELLED:
        return i18n.gettext("program cancelled")
    if row.rule in ("session-moved", "session-cancelled"):
        session = db.get(Session, row.session_id) if row.session_id else None
        if session is None:
            return i18n.gettext("the session no longer exists")
        if session.revision != row.revision:
            return i18n.gettext("session moved")
        if row.rule == "session-moved" and session.status == SessionStatus.CANCELLED:
            return i18n.gettext("session cancelled")
    wanted = STILL.get(row.rule)
    if wanted is not None:
        status = db.execute(
            sa.select(Enrollment.status).where(
                Enrollment.program_id == row.program_id,
                Enrollment.participant_id == row.recipient_id,
            )
        ).scalar_one_or_none()
        if status not in [str(s) for s in wanted]:
            return i18n.gettext("no longer enrolled")
    if db.get(Participant, row.recipient_id) is None:
        return i18n.gettext("participant #{id} no longer exists").format(id=row.recipient_id)
    return None
