"""The pathway of a program: what its group days led to, person by person and for the cohort.

For each seated participant: the group days attended (half-days, hours), the follow-up calls
and one-to-one sessions done, and the tracks opened from the program with their progress.
For the cohort: the funnel (enrolled → attended every day → a call → a one-to-one session →
a track opened → a track completed), who stopped at each stage and for how long, and the
median time from the last group day to the first follow-up.

What belongs to a program: its sessions; the follow-ups planned with ``--program`` and the
sessions of the tracks opened from it (``track.program_id``); those tracks. Only what
happened counts: a day that has started, a follow-up done. A track is *completed* when it
was closed with every planned session done, *closed* when it ended before.

The same numbers feed the table, the JSON, the CSV, the chart and the certificates' hours:
everything is computed here, once, in a fixed number of set queries whatever the number of
programs or people (``bench/pathway`` measures it against one hand-written query per stage).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import times
from programs.domain.attendance import slot_hours, slots
from programs.models import (
    SEATED,
    Attendance,
    Enrollment,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Participant,
    Program,
    Session,
    SessionStatus,
    Track,
    TrackStatus,
)
from programs.settings import settings_of

STAGES = ("enrolled", "attended_every_day", "call", "one_to_one", "track_opened", "completed")
"""The funnel's stages, in order; each person reaches some of them."""


@dataclass(frozen=True)
class Day:
    """One group day (a session that was not cancelled) of the program."""

    number: int
    session_id: int
    start: datetime
    end: datetime
    slots: int  # 2: a morning and an afternoon; 1: one slot
    held: bool  # it has started


@dataclass(frozen=True)
class DayMark:
    """One person at one group day: half-days present and the hours they count for."""

    day: int
    present: int  # slots present: 0, 1 or 2
    slots: int
    hours: float

    @property
    def attended(self) -> bool:
        return self.present > 0


@dataclass(frozen=True)
class TrackStep:
    id: int
    goal: str
    planned: int
    done: int
    status: str
    opened_at: datetime
    closed_at: datetime | None
    last_activity: datetime

    @property
    def completed(self) -> bool:
        return self.status == TrackStatus.CLOSED and self.done >= self.planned


@dataclass(frozen=True)
class PersonPathway:
    participant_id: int
    name: str
    enrolled_at: datetime
    days: list[DayMark]
    calls: list[datetime]
    one_to_ones: list[datetime]
    tracks: list[TrackStep]
    hours: float
    reached: dict[str, bool]
    stage: str  # the furthest stage reached
    since: datetime  # when they reached it

    @property
    def first_followup(self) -> datetime | None:
        return min([*self.calls, *self.one_to_ones], default=None)


@dataclass(frozen=True)
class Stuck:
    stage: str
    participant_id: int
    name: str
    since: datetime
    days: int  # whole days since


@dataclass(frozen=True)
class Pathway:
    program: Program
    days: list[Day]
    people: list[PersonPathway]
    funnel: list[tuple[str, int]]
    stuck: list[Stuck]
    median_days_to_followup: float | None  # last group day -> first follow-up after it
    now: datetime = field(repr=False)

    def count(self, stage: str) -> int:
        return dict(self.funnel)[stage]

    def share(self, stage: str) -> float:
        """The part of the enrolled who reached ``stage`` (0 when nobody is enrolled)."""
        enrolled = self.count("enrolled")
        return self.count(stage) / enrolled if enrolled else 0.0


def _chunks(ids: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]


def pathways(
    db: DbSession, programs: Sequence[Program] | None = None, *, now: datetime | None = None
) -> list[Pathway]:
    """The pathway of each program given (all programs, by slug, when None)."""
    now = now or times.now()
    settings = settings_of(db)
    if programs is None:
        programs = list(db.exec(select(Program).order_by(Program.slug)))
    by_id = {p.id: p for p in programs}
    every = programs is None or len(by_id) == db.exec(select(sa.func.count(Program.id))).one()

    def where(column: sa.ColumnElement) -> sa.ColumnElement:  # type: ignore[type-arg]
        """All rows when every program is asked for (no long IN list), else these."""
        return sa.true() if every else column.in_(list(by_id))

    sessions: dict[int, list[Session]] = defaultdict(list)
    for s in db.exec(
        select(Session)
        .where(where(Session.program_id), Session.status != SessionStatus.CANCELLED)  # type: ignore[arg-type]
        .order_by(Session.start, Session.id)  # type: ignore[arg-type]
    ):
        sessions[s.program_id].append(s)
    days: dict[int, list[Day]] = {}
    day_of: dict[int, tuple[Day, float]] = {}  # session id -> (day, hours of a slot)
    for pid, found in sessions.items():
        tz = by_id[pid].timezone
        days[pid] = []
        for n, s in enumerate(found, start=1):
            count = len(slots(s, tz, settings))
            day = Day(n, s.id, s.start, s.end, count, s.start <= now)  # type: ignore[arg-type]
            days[pid].append(day)
            day_of[s.id] = (day, slot_hours(s, count))  # type: ignore[index]

    seated = db.exec(
        select(
            Enrollment.program_id,
            Enrollment.participant_id,
            Participant.name,
            sa.func.coalesce(Enrollment.enrolled_at, Enrollment.requested_at),
        )
        .join(Participant, Participant.id == Enrollment.participant_id)
        .where(where(Enrollment.program_id), Enrollment.status.in_(SEATED))  # type: ignore[attr-defined]
        .order_by(Participant.name, Participant.id)
    ).all()

    present: dict[tuple[int, int], int] = defaultdict(int)  # (session, person) -> slots
    attendance = (
        select(Attendance.session_id, Attendance.participant_id, sa.func.count())
        .join(Session, Session.id == Attendance.session_id)
        .where(where(Session.program_id), Attendance.present.is_(True))  # type: ignore[attr-defined]
        .group_by(Attendance.session_id, Attendance.participant_id)
    )
    for session_id, person_id, count in db.exec(attendance):
        present[session_id, person_id] = count

    tracks_of: dict[tuple[int, int], list[Track]] = defaultdict(list)  # (program, person)
    track_program: dict[int, int] = {}
    for t in db.exec(
        select(Track).where(where(Track.program_id)).order_by(Track.opened_at, Track.id)  # type: ignore[arg-type]
    ):
        if t.program_id in by_id:
            tracks_of[t.program_id, t.participant_id].append(t)
            track_program[t.id] = t.program_id  # type: ignore[index]

    calls: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    one_to_ones: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    track_done: dict[int, list[datetime]] = defaultdict(list)
    linked = sa.or_(
        where(FollowUp.program_id),
        FollowUp.track_id.in_(select(Track.id).where(where(Track.program_id))),
    )  # type: ignore[union-attr]
    for person_id, kind, start, program_id, track_id in db.exec(
        select(
            FollowUp.participant_id,
            FollowUp.kind,
            FollowUp.start,
            FollowUp.program_id,
            FollowUp.track_id,
        )
        .where(FollowUp.status == FollowUpStatus.DONE, linked)
        .order_by(FollowUp.start, FollowUp.id)  # type: ignore[arg-type]
    ):
        if track_id is not None and track_id in track_program:
            track_done[track_id].append(start)
            program_id = track_program[track_id]
        if program_id not in by_id:
            continue
        (calls if kind == FollowUpKind.CALL else one_to_ones)[program_id, person_id].append(start)

    people: dict[int, list[PersonPathway]] = defaultdict(list)
    for program_id, person_id, name, enrolled_at in seated:
        program_days = days.get(program_id, [])
        marks = []
        for day in program_days:
            slot_count = present.get((day.session_id, person_id), 0)
            hours = slot_count * day_of[day.session_id][1]
            marks.append(DayMark(day.number, slot_count, day.slots, round(hours, 2)))
        steps = [
            _track_step(t, track_done.get(t.id, []))  # type: ignore[arg-type]
            for t in tracks_of.get((program_id, person_id), [])
        ]
        held = [d for d in program_days if d.held]
        person_calls = calls.get((program_id, person_id), [])
        person_sessions = one_to_ones.get((program_id, person_id), [])
        reached = {
            "enrolled": True,
            "attended_every_day": bool(held) and all(marks[d.number - 1].attended for d in held),
            "call": bool(person_calls),
            "one_to_one": bool(person_sessions),
            "track_opened": bool(steps),
            "completed": any(s.completed for s in steps),
        }
        stage = [s for s in STAGES if reached[s]][-1]
        since = {
            "enrolled": enrolled_at,
            "attended_every_day": max((d.end for d in held), default=enrolled_at),
            "call": max(person_calls, default=enrolled_at),
            "one_to_one": max(person_sessions, default=enrolled_at),
            "track_opened": max((s.last_activity for s in steps), default=enrolled_at),
            "completed": max((s.closed_at for s in steps if s.closed_at), default=enrolled_at),
        }[stage]
        people[program_id].append(
            PersonPathway(
                participant_id=person_id,
                name=name,
                enrolled_at=enrolled_at,
                days=marks,
                calls=person_calls,
                one_to_ones=person_sessions,
                tracks=steps,
                hours=round(sum(m.hours for m in marks), 2),
                reached=reached,
                stage=stage,
                since=since,
            )
        )
    return [
        _pathway(p, days.get(p.id, []), people.get(p.id, []), now)  # type: ignore[arg-type]
        for p in programs
    ]


def _track_step(track: Track, done: list[datetime]) -> TrackStep:
    return TrackStep(
        id=track.id,  # type: ignore[arg-type]
        goal=track.goal,
        planned=track.planned_sessions,
        done=len(done),
        status=track.status,
        opened_at=track.opened_at,
        closed_at=track.closed_at,
        last_activity=max([track.opened_at, *done]),
    )


def _pathway(
    program: Program, days: list[Day], people: list[PersonPathway], now: datetime
) -> Pathway:
    funnel = [(stage, sum(1 for p in people if p.reached[stage])) for stage in STAGES]
    stuck = sorted(
        (
            Stuck(p.stage, p.participant_id, p.name, p.since, max(0, (now - p.since).days))
            for p in people
            if p.stage != STAGES[-1]
        ),
        key=lambda s: (STAGES.index(s.stage), -s.days, s.name),
    )
    held = [d for d in days if d.held]
    waits = []
    if held:
        last = held[-1].end
        for p in people:
            after = [t for t in (*p.calls, *p.one_to_ones) if t >= last]
            if after:
                waits.append((min(after) - last) / timedelta(days=1))
    median = round(statistics.median(waits), 1) if waits else None
    return Pathway(program, days, people, funnel, stuck, median, now)


def pathway(db: DbSession, program: Program, *, now: datetime | None = None) -> Pathway:
    """The pathway of one program."""
    return pathways(db, [program], now=now)[0]


def hours_attended(db: DbSession, program: Program, participant_id: int) -> float:
    """Hours one person attended in a program: what their certificate says."""
    for person in pathway(db, program).people:
        if person.participant_id == participant_id:
            return person.hours
    return 0.0
