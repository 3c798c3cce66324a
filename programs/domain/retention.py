"""Proofs that outlive an erasure: ``[core] retention_years``.

Funders audit training 3 to 6 years back, so with ``retention_years`` set an erasure keeps a
pseudonymous record in place of the person: a random key for a name, no email, phone,
organisation, role or notes, and only what proves the training took place — their seats in
the programs they attended and their half-days of attendance, from which the pathway and the
certificates count the hours. Follow-ups and tracks (topics, outcomes) go, as do the
plugins' data. The record is kept until ``retained_until``; ``programs purge`` deletes what
has passed it (idempotent, safe from cron). With 0, the default, an erasure deletes
everything, as before.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import times
from programs.i18n import _
from programs.models import SEATED, Attendance, Enrollment, Participant, Session
from programs.settings import settings_of

PSEUDONYM_PREFIX = "erased-"


@dataclass(frozen=True)
class Kept:
    """What an erasure keeps of a person, and until when (None: nothing is kept)."""

    years: int
    until: datetime | None
    program_ids: list[int]  # the programs whose seat and attendance are kept
    half_days: int

    @property
    def anything(self) -> bool:
        return self.until is not None and bool(self.program_ids)


def add_years(moment: datetime, years: int) -> datetime:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def is_pseudonymous(participant: Participant) -> bool:
    return participant.retained_until is not None


def what_is_kept(db: DbSession, participant: Participant, *, now: datetime | None = None) -> Kept:
    """What erasing ``participant`` now would keep: the seats of the programs where they were
    present at least once, with their attendance, for ``retention_years``."""
    years = settings_of(db).retention_years
    if years <= 0 or is_pseudonymous(participant):
        return Kept(years, None, [], 0)
    attended = db.exec(
        select(Enrollment.program_id, sa.func.count(Attendance.id))
        .join(Session, Session.program_id == Enrollment.program_id)
        .join(
            Attendance,
            sa.and_(
                Attendance.session_id == Session.id,
                Attendance.participant_id == Enrollment.participant_id,
            ),
        )
        .where(
            Enrollment.participant_id == participant.id,
            Enrollment.status.in_(SEATED),  # type: ignore[attr-defined]
            Attendance.present.is_(True),  # type: ignore[attr-defined]
        )
        .group_by(Enrollment.program_id)
        .order_by(Enrollment.program_id)
    ).all()
    if not attended:
        return Kept(years, None, [], 0)
    until = add_years(now or times.now(), years)
    return Kept(years, until, [p for p, _n in attended], sum(n for _p, n in attended))


def pseudonymise(db: DbSession, participant: Participant, kept: Kept) -> str:
    """Turn ``participant`` into the pseudonymous record ``kept`` says; returns its key.
    The caller has removed the rows that are not kept."""
    key = PSEUDONYM_PREFIX + secrets.token_hex(6)
    for column in ("given_name", "family_name", "email", "phone", "organisation", "role"):
        setattr(participant, column, None)
    participant.notes = None
    participant.timezone = None
    participant.name = key
    participant.retained_until = kept.until
    participant.updated_at = times.now()
    db.add(participant)
    db.flush()
    return key


def expired(db: DbSession, *, now: datetime | None = None) -> list[Participant]:
    """The pseudonymous records whose retention has ended."""
    return list(
        db.exec(
            select(Participant)
            .where(
                Participant.retained_until.is_not(None),  # type: ignore[union-attr]
                Participant.retained_until <= (now or times.now()),  # type: ignore[operator]
            )
            .order_by(Participant.id)
        )
    )


def purge(db: DbSession, *, now: datetime | None = None) -> list[int]:
    """Delete the pseudonymous records past their retention, with their rows; their ids.
    Running it again finds nothing more: safe from cron."""
    gone = []
    for record in expired(db, now=now):
        for model in (Attendance, Enrollment):
            db.execute(sa.delete(model).where(model.participant_id == record.id))  # type: ignore[attr-defined]
        gone.append(record.id)
        db.delete(record)
    db.flush()
    return gone  # type: ignore[return-value]


def retention_note(kept: Kept, *, pseudonymous: bool = False) -> str:
    """What an export says an erasure would keep, and why, in the reader's language."""
    if pseudonymous:
        return _(
            "This is the pseudonymous record an erasure left: erasing it deletes it now, "
            "before its retention ends."
        )
    if kept.years <= 0:
        return _("An erasure deletes everything about this person ([core] retention_years is 0).")
    if not kept.anything:
        return _(
            "An erasure deletes everything about this person: they attended no session, so "
            "there is no proof of training to keep."
        )
    return _(
        "An erasure would keep a pseudonymous record (a random key; no name, email, phone, "
        "organisation, role or notes) with {n} half-days of attendance in {programs} "
        "program(s), until {until}: funders audit training for years ([core] retention_years "
        "= {years}). `programs purge` deletes it then."
    ).format(
        n=kept.half_days,
        programs=len(kept.program_ids),
        until=kept.until.date().isoformat() if kept.until else "",
        years=kept.years,
    )
