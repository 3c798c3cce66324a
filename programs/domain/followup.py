"""Follow-ups: individual calls and one-to-one sessions with a participant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks, times, validate
from programs.domain.base import get_enrollment
from programs.domain.coach import default_coach
from programs.errors import InvalidInput, NotFound, RuleViolation
from programs.i18n import N_, _
from programs.models import (
    Coach,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Participant,
    Program,
    Track,
    TrackStatus,
    utcnow,
)


def _no_zone() -> str:
    return _("a follow-up's start needs a time zone (read it with programs.times)")


_DONE, _CANCELLED, _MISSED = FollowUpStatus.DONE, FollowUpStatus.CANCELLED, FollowUpStatus.MISSED
NOT_PLANNED = {
    (_DONE, "move"): N_("follow-up {id} is done: cannot move it"),
    (_CANCELLED, "move"): N_("follow-up {id} is cancelled: cannot move it"),
    (_MISSED, "move"): N_("follow-up {id} is missed: cannot move it"),
    (_DONE, "cancel"): N_("follow-up {id} is done: cannot cancel it"),
    (_CANCELLED, "cancel"): N_("follow-up {id} is cancelled: cannot cancel it"),
    (_MISSED, "cancel"): N_("follow-up {id} is missed: cannot cancel it"),
    (_DONE, "mark missed"): N_("follow-up {id} is done: cannot mark missed it"),
    (_CANCELLED, "mark missed"): N_("follow-up {id} is cancelled: cannot mark missed it"),
    (_MISSED, "mark missed"): N_("follow-up {id} is missed: cannot mark missed it"),
    (_DONE, "mark done"): N_("follow-up {id} is done: cannot mark it done"),
    (_CANCELLED, "mark done"): N_("follow-up {id} is cancelled: cannot mark it done"),
}
"""Why a follow-up refuses an action, whole sentences (the status word must agree)."""


def _refuse(followup: FollowUp, action: str) -> RuleViolation:
    message = NOT_PLANNED.get((followup.status, action))  # type: ignore[call-overload]
    if message is None:
        return RuleViolation(f"follow-up {followup.id} is {followup.status}: cannot {action} it")
    return RuleViolation(_(message).format(id=followup.id))


def plan_followup(
    db: DbSession,
    *,
    participant: Participant,
    kind: str,
    start: datetime,
    duration_minutes: int = 45,
    topic: str | None = None,
    location: str | None = None,
    program: Program | None = None,
    track: Track | None = None,
    coach: Coach | None = None,
) -> FollowUp:
    if start.tzinfo is None:
        raise InvalidInput(_no_zone())
    if kind not in tuple(FollowUpKind):
        raise InvalidInput(
            _("unknown follow-up kind {kind!r}: use call or session").format(kind=kind)
        )
    if not 1 <= duration_minutes <= 24 * 60:
        raise InvalidInput(_("a follow-up lasts between 1 minute and 24 hours"))
    if program is not None and get_enrollment(db, program, participant) is None:
        raise RuleViolation(
            _("{name} is not in program {slug}").format(name=participant.name, slug=program.slug)
        )
    if track is not None:
        if track.participant_id != participant.id:
            raise RuleViolation(_("track {id} belongs to someone else").format(id=track.id))
        if track.status != TrackStatus.OPEN:
            raise RuleViolation(_("track {id} is closed").format(id=track.id))
    coach = coach or default_coach(db)
    followup = FollowUp(
        participant_id=participant.id,  # type: ignore[arg-type]
        coach_id=coach.id if coach else None,
        kind=kind,
        start=start,
        duration_minutes=duration_minutes,
        topic=validate.text(topic, "topic", max_length=500),
        location=validate.text(location, "location", max_length=500),
        program_id=program.id if program else None,
        track_id=track.id if track else None,
    )
    hooks.veto(db, "check_followup", followup=followup)
    db.add(followup)
    db.flush()
    hooks.queue(db, "on_followup_planned", followup=followup, participant=participant)
    return followup


def get_followup(db: DbSession, followup_id: int | str) -> FollowUp:
    text = str(followup_id).strip()
    number = validate.record_id(text)
    followup = db.get(FollowUp, number) if number else None
    if followup is None:
        raise NotFound(
            _("no follow-up {id!r} (see `programs followup list`)").format(id=followup_id)
        )
    return followup


def _participant(db: DbSession, followup: FollowUp) -> Participant:
    participant = db.get(Participant, followup.participant_id)
    assert participant is not None
    return participant


def _require_planned(followup: FollowUp, action: str) -> None:
    """Refuse ``action`` ("move", "cancel", "mark missed") on a follow-up no longer planned."""
    if followup.status != FollowUpStatus.PLANNED:
        raise _refuse(followup, action)


def move_followup(
    db: DbSession,
    followup: FollowUp,
    *,
    start: datetime | None = None,
    duration_minutes: int | None = None,
    location: str | None = None,
) -> dict[str, Any]:
    """Move a planned follow-up; the UID stays, the revision grows. Returns previous values."""
    _require_planned(followup, "move")
    previous = {
        "start": followup.start,
        "duration_minutes": followup.duration_minutes,
        "location": followup.location,
    }
    new = {
        "start": start or followup.start,
        "duration_minutes": duration_minutes or followup.duration_minutes,
        "location": validate.text(location, "location", max_length=500)
        if location
        else followup.location,
    }
    if new["start"].tzinfo is None:
        raise InvalidInput(_no_zone())
    if new == previous:
        return {}
    if not 1 <= new["duration_minutes"] <= 24 * 60:
        raise InvalidInput(_("a follow-up lasts between 1 minute and 24 hours"))
    for key, value in new.items():
        setattr(followup, key, value)
    hooks.veto(db, "check_followup", followup=followup)
    followup.revision += 1
    followup.updated_at = utcnow()
    db.flush()
    hooks.queue(
        db,
        "on_followup_moved",
        followup=followup,
        participant=_participant(db, followup),
        previous=previous,
    )
    return previous


def _require_started(db: DbSession, followup: FollowUp, now: datetime | None) -> None:
    """Done or missed is known once it has started, never ahead: one line saying when."""
    if (now or times.now()) >= followup.start:
        return
    from programs.settings import settings_of
    from programs.times import format_local

    person = _participant(db, followup)
    tz = person.timezone or settings_of(db).default_timezone
    raise RuleViolation(
        _(
            "follow-up {id} has not started: it can be marked done or missed from {when} ({zone})"
        ).format(id=followup.id, when=format_local(followup.start, tz), zone=tz)
    )


def complete_followup(
    db: DbSession, followup: FollowUp, *, outcome: str | None = None, now: datetime | None = None
) -> FollowUp:
    """Record that it took place (from planned, or from missed when it happened after all).
    Refused before its start."""
    if followup.status not in (FollowUpStatus.PLANNED, FollowUpStatus.MISSED):
        raise _refuse(followup, "mark done")
    _require_started(db, followup, now)
    followup.status = FollowUpStatus.DONE
    followup.outcome = validate.text(outcome, "outcome", max_length=10_000) or followup.outcome
    followup.updated_at = utcnow()
    db.flush()
    hooks.queue(db, "on_followup_done", followup=followup, participant=_participant(db, followup))
    return followup


def cancel_followup(db: DbSession, followup: FollowUp) -> FollowUp:
    _require_planned(followup, "cancel")
    followup.status = FollowUpStatus.CANCELLED
    followup.revision += 1
    followup.updated_at = utcnow()
    db.flush()
    hooks.queue(
        db, "on_followup_cancelled", followup=followup, participant=_participant(db, followup)
    )
    return followup


def miss_followup(db: DbSession, followup: FollowUp, *, now: datetime | None = None) -> FollowUp:
    """Record that it did not take place; refused before its start."""
    _require_planned(followup, "mark missed")
    _require_started(db, followup, now)
    followup.status = FollowUpStatus.MISSED
    followup.updated_at = utcnow()
    db.flush()
    hooks.queue(db, "on_followup_missed", followup=followup, participant=_participant(db, followup))
    return followup


def list_followups(
    db: DbSession,
    *,
    participant: Participant | None = None,
    upcoming: bool = False,
    now: datetime | None = None,
    track: Track | None = None,
) -> list[FollowUp]:
    """Follow-ups by start time; ``upcoming``: planned ones not yet started."""
    query = select(FollowUp).order_by(FollowUp.start, FollowUp.id)  # type: ignore[arg-type]
    if participant is not None:
        query = query.where(FollowUp.participant_id == participant.id)
    if track is not None:
        query = query.where(FollowUp.track_id == track.id)
    if upcoming:
        query = query.where(
            FollowUp.status == FollowUpStatus.PLANNED,
            FollowUp.start >= (now or utcnow()),  # type: ignore[operator]
        )
    return list(db.exec(query))
