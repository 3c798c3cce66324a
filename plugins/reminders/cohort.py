"""A message to a cohort (``programs message``) and the private link (``programs invite``),
both through the outbox.

They live in the reminders plugin because it owns the outbox: exactly once, a Message-ID
from the key, crash safety, the recipient's language all come with it. A cohort message is
kept once in ``reminders_message``, found again by a hash of what it says and to whom
(``digest``): the same command run twice queues no new row for anyone who has it, and
``--again`` makes a new message (``again`` + 1). An invitation's key carries a hash of the
link (``notices.link_revision``): the same link goes to a person once, a rotated link is a
new invitation, ``--again`` sends the same link once more.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.models import MESSAGES, OUTBOX
from programs.plugins.reminders.notices import MESSAGE, NOTICE, link_revision, queue

from programs.api import (
    SEATED,
    Attendance,
    Enrollment,
    EnrollmentStatus,
    InvalidInput,
    Participant,
    Program,
    Session,
    utcnow,
)
from programs.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App

AUDIENCES = ("enrolled", "waitlisted", "present", "absent", "all")


@dataclass
class Queued:
    """What a command queued: the rows' condition (to send them at once), who gets it,
    and who had it already."""

    only: Any
    people: list[Participant] = field(default_factory=list)
    already: list[Participant] = field(default_factory=list)
    added: int = 0


def audience_ids(
    db: DbSession, program: Program, audience: str, session_id: int | None
) -> list[int]:
    """The participants a cohort message goes to (``AUDIENCES``)."""
    if audience not in AUDIENCES:
        raise InvalidInput(_("--to must be one of {known}").format(known=", ".join(AUDIENCES)))
    e = Enrollment
    statuses = {
        "enrolled": SEATED,
        "waitlisted": (EnrollmentStatus.WAITLISTED,),
        "all": (*SEATED, EnrollmentStatus.WAITLISTED),
        "present": SEATED,
        "absent": SEATED,
    }[audience]
    query = sa.select(e.participant_id).where(
        e.program_id == program.id,
        e.status.in_([str(s) for s in statuses]),  # type: ignore[attr-defined]
    )
    if audience in ("present", "absent"):
        if session_id is None:
            raise InvalidInput(_("--to {to} needs --session ID").format(to=audience))
        present = sa.select(Attendance.participant_id).where(
            Attendance.session_id == session_id,
            Attendance.present.is_(True),  # type: ignore[attr-defined]
        )
        column = e.participant_id
        query = query.where(
            column.in_(present) if audience == "present" else column.not_in(present)  # type: ignore[attr-defined]
        )
    return sorted(pid for (pid,) in db.execute(query))


def check_session(db: DbSession, program: Program, session_id: int | None) -> None:
    if session_id is None:
        return
    session = db.get(Session, session_id)
    if session is None or session.program_id != program.id:
        raise InvalidInput(
            _("program {slug} has no session #{id}").format(slug=program.slug, id=session_id)
        )


def _people(db: DbSession, ids: list[int]) -> list[Participant]:
    if not ids:
        return []
    rows = db.execute(
        sa.select(Participant).where(Participant.id.in_(ids)).order_by(Participant.name)  # type: ignore[union-attr]
    )
    return list(rows.scalars())


def _had(db: DbSession, rule: str, kind: str, target_id: int, revision: int | None) -> set[int]:
    c = OUTBOX.c
    query = sa.select(c.recipient_id).where(
        c.rule == rule, c.target_kind == kind, c.target_id == target_id
    )
    if revision is not None:
        query = query.where(c.revision == revision)
    return {pid for (pid,) in db.execute(query)}


def message_digest(
    program_id: int,
    audience: str,
    session_id: int | None,
    subject: str,
    body: str,
    template: str | None,
) -> str:
    what = [program_id, audience, session_id, subject, body, template]
    return hashlib.sha256(json.dumps(what, ensure_ascii=False).encode()).hexdigest()


def queue_message(
    app: App,
    db: DbSession,
    program: Program,
    *,
    audience: str,
    session_id: int | None,
    subject: str,
    body: str,
    template: str | None,
    at: datetime | None,
    again: bool,
    dry_run: bool,
) -> Queued:
    """Queue a cohort message (nothing written with ``dry_run``)."""
    check_session(db, program, session_id)
    subject = " ".join(subject.split())
    if not subject:
        raise InvalidInput(_("--subject needs some text"))
    if not body.strip():
        raise InvalidInput(_("the message has no text"))
    ids = audience_ids(db, program, audience, session_id)
    digest = message_digest(program.id, audience, session_id, subject, body, template)  # type: ignore[arg-type]
    m = MESSAGES.c
    latest = db.execute(
        sa.select(m.id, m.again)
        .where(m.program_id == program.id, m.digest == digest)
        .order_by(m.again.desc())
    ).first()
    message_id: int | None = None
    if latest is not None and not again:
        message_id = latest.id
    had = _had(db, "message", MESSAGE, message_id, None) if message_id else set()
    result = Queued(only=None)
    result.already = _people(db, [i for i in ids if i in had])
    result.people = _people(db, [i for i in ids if i not in had])
    if dry_run:
        return result
    if message_id is None:
        message_id = db.execute(
            sa.insert(MESSAGES)
            .values(
                program_id=program.id,
                audience=audience,
                session_id=session_id,
                subject=subject,
                body=body,
                template=template,
                digest=digest,
                again=(latest.again + 1) if latest is not None else 0,
                created_at=utcnow(),
            )
            .returning(m.id)
        ).scalar_one()
    result.added = queue(
        db,
        app,
        "message",
        target_id=message_id,  # type: ignore[arg-type]
        revision=0,
        program_id=program.id,
        participants=[p.id for p in result.people],  # type: ignore[misc]
        due=at,
        kind=MESSAGE,
    )
    c = OUTBOX.c
    result.only = sa.and_(c.target_kind == MESSAGE, c.target_id == message_id)
    return result


def queue_invites(
    app: App,
    db: DbSession,
    program: Program,
    people: list[Participant],
    links: dict[int, list[Any]],
    *,
    again: bool,
    dry_run: bool,
) -> Queued:
    """Queue each person's private link, once per person and link (``again``: once more)."""
    c = OUTBOX.c
    result = Queued(only=sa.and_(c.rule == "invite", c.target_id == program.id))
    for person in people:
        given = links.get(person.id, [])  # type: ignore[arg-type]
        url = next((x.url for x in given if x.kind == "page"), None) or next(
            (x.url for x in given if x.kind == "feed"), None
        )
        if url is None:
            continue
        sent = _had_revisions(db, program.id, person.id)  # type: ignore[arg-type]
        n = 0
        if again:
            while link_revision(url, n) in sent:
                n += 1
        if link_revision(url, n) in sent:
            result.already.append(person)
            continue
        result.people.append(person)
        if not dry_run:
            result.added += queue(
                db,
                app,
                "invite",
                target_id=program.id,  # type: ignore[arg-type]
                revision=link_revision(url, n),
                program_id=program.id,
                participants=[person.id],  # type: ignore[list-item]
                kind=NOTICE,
                asked=True,
            )
    return result


def _had_revisions(db: DbSession, program_id: int, participant_id: int) -> set[int]:
    c = OUTBOX.c
    query = sa.select(c.revision).where(
        c.rule == "invite",
        c.target_kind == NOTICE,
        c.target_id == program_id,
        c.recipient_kind == "participant",
        c.recipient_id == participant_id,
    )
    return {r for (r,) in db.execute(query)}


def seated_people(db: DbSession, program: Program) -> list[Participant]:
    ids = audience_ids(db, program, "enrolled", None)
    return _people(db, ids)
