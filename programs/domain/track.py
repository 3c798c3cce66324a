"""Tracks: individual coaching engagements, their progress, and which have stalled.

Progress counts done follow-ups of the track ("2 of 6"). A track is stalled when it is open,
nothing is planned ahead, and nothing was done (or opened) in the last N weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import hooks, validate
from programs.domain.base import get_enrollment
from programs.domain.coach import default_coach
from programs.errors import InvalidInput, NotFound, RuleViolation
from programs.i18n import _
from programs.models import (
    Coach,
    FollowUp,
    FollowUpStatus,
    Participant,
    Program,
    Track,
    TrackStatus,
    utcnow,
)
from programs.settings import settings_of

MAX_SESSIONS = 50


def open_track(
    db: DbSession,
    *,
    participant: Participant,
    goal: str,
    sessions: int | None = None,
    coach: Coach | None = None,
    program: Program | None = None,
) -> Track:
    """Open a track, linked to the program it came from when given (the person must be in
    it): the pathway report follows people from a program's days to their track."""
    settings = settings_of(db)
    planned = settings.track_sessions if sessions is None else sessions
    minimum = settings.track_min_sessions
    if planned < minimum:
        raise RuleViolation(
            _(
                "a track plans at least {minimum} sessions (got {planned}); "
                "an in-depth track usually needs 6 to 10"
            ).format(minimum=minimum, planned=planned)
        )
    if planned > MAX_SESSIONS:
        raise InvalidInput(
            _("a track plans at most {most} sessions (got {planned})").format(
                most=MAX_SESSIONS, planned=planned
            )
        )
    if program is not None and get_enrollment(db, program, participant) is None:
        raise RuleViolation(
            _("{name} is not in program {slug}").format(name=participant.name, slug=program.slug)
        )
    coach = coach or default_coach(db)
    track = Track(
        participant_id=participant.id,  # type: ignore[arg-type]
        coach_id=coach.id if coach else None,
        program_id=program.id if program else None,
        goal=validate.text(goal, "goal", required=True, max_length=1000),  # type: ignore[arg-type]
        planned_sessions=planned,
    )
    db.add(track)
    db.flush()
    hooks.queue(db, "on_track_opened", track=track, participant=participant)
    return track


def sole_program(db: DbSession, participant: Participant) -> Program | None:
    """The one program the person has a seat in, else None (none, or several to choose
    from): what a track opened without ``--program`` links to."""
    from programs.domain.base import seated_program_ids

    found = list(
        db.exec(select(Program).where(Program.id.in_(seated_program_ids(participant.id))).limit(2))  # type: ignore[union-attr]
    )
    return found[0] if len(found) == 1 else None


def get_track(db: DbSession, track_id: int | str) -> Track:
    text = str(track_id).strip()
    number = validate.record_id(text)
    track = db.get(Track, number) if number else None
    if track is None:
        raise NotFound(_("no track {id!r} (see `programs track list`)").format(id=track_id))
    return track


def close_track(db: DbSession, track: Track, *, outcome: str) -> Track:
    if track.status == TrackStatus.CLOSED:
        raise RuleViolation(_("track {id} is already closed").format(id=track.id))
    track.outcome = validate.text(outcome, "outcome", required=True, max_length=10_000)
    track.status = TrackStatus.CLOSED
    track.closed_at = utcnow()
    db.flush()
    participant = db.get(Participant, track.participant_id)
    hooks.queue(db, "on_track_closed", track=track, participant=participant)
    return track


@dataclass(frozen=True)
class Progress:
    track: Track
    participant: Participant
    done: int
    next_planned: datetime | None
    last_activity: datetime
    stalled: bool

    def __str__(self) -> str:
        """The machine form JSON and CSV give, the same in every language ("2 of 6"); people
        read the translated one the CLI renders."""
        return f"{self.done} of {self.track.planned_sessions}"


def progress(
    db: DbSession, track: Track, *, now: datetime | None = None, stalled_weeks: float | None = None
) -> Progress:
    now = now or utcnow()
    weeks = settings_of(db).stalled_weeks if stalled_weeks is None else stalled_weeks
    followups = list(db.exec(select(FollowUp).where(FollowUp.track_id == track.id)))
    done = [f for f in followups if f.status == FollowUpStatus.DONE]
    ahead = sorted(
        f.start for f in followups if f.status == FollowUpStatus.PLANNED and f.start >= now
    )
    last = max([track.opened_at, *(f.start for f in done)])
    stalled = track.status == TrackStatus.OPEN and not ahead and now - last > timedelta(weeks=weeks)
    participant = db.get(Participant, track.participant_id)
    assert participant is not None
    return Progress(track, participant, len(done), ahead[0] if ahead else None, last, stalled)


def list_tracks(
    db: DbSession,
    *,
    participant: Participant | None = None,
    stalled_only: bool = False,
    now: datetime | None = None,
    stalled_weeks: float | None = None,
) -> list[Progress]:
    query = select(Track).order_by(Track.opened_at, Track.id)  # type: ignore[arg-type]
    if participant is not None:
        query = query.where(Track.participant_id == participant.id)
    rows = [progress(db, t, now=now, stalled_weeks=stalled_weeks) for t in db.exec(query)]
    return [r for r in rows if r.stalled] if stalled_only else rows
