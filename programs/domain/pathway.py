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
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import times
from programs.domain.attendance import slot_hours, slots_between
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


class DayMark(NamedTuple):
    """One person at one group day: half-days present and the hours they count for (a
    tuple: there is one per person and day, tens of thousands in a big database)."""

    day: int
    present: int  # slots present: 0, 1 or 2
    slots: int
    hours: float

    @property
    def attended(self) -> bool:
        return self.present > 0


class TrackStep(NamedTuple):
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


class PersonPathway(NamedTuple):
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


class Stuck(NamedTuple):
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
    followed_up: int  # people with a call or a one-to-one session done
    now: datetime = field(repr=False)

    def count(self, stage: str) -> int:
        return dict(self.funnel)[stage]

    def share(self, stage: str) -> float:
        """The part of the enrolled who reached ``stage`` (0 when nobody is enrolled)."""
        enrolled = self.count("enrolled")
        return self.count(stage) / enrolled if enrolled else 0.0


def pathways(
    db: DbSession,
    programs: Sequence[Program] | None = None,
    *,
    now: datetime | None = None,
    people: bool = True,
) -> list[Pathway]:
    """The pathway of each program given (all programs, by slug, when None). With
    ``people=False`` only the cohort's numbers (funnel, median) are made, not each person's
    report (``Pathway.people`` and ``stuck`` are empty): programs side by side need no
    more, and the counting is the same code."""
    detail = people
    now = now or times.now()
    settings = settings_of(db)
    every = programs is None
    if programs is None:
        programs = list(db.exec(select(Program).order_by(Program.slug)))
    by_id = {p.id: p for p in programs}
    run = db.connection().execute  # rows as tuples: no ORM loading for tens of thousands

    def where(column: sa.ColumnElement) -> sa.ColumnElement:  # type: ignore[type-arg]
        """All rows when every program is asked for (no long IN list), else these."""
        return sa.true() if every else column.in_(list(by_id))

    sessions: dict[int, list[tuple[int, datetime, datetime]]] = defaultdict(list)
    for sid, pid, start, end in run(
        select(Session.id, Session.program_id, Session.start, Session.end)
        .where(where(Session.program_id), Session.status != SessionStatus.CANCELLED)  # type: ignore[arg-type]
        .order_by(Session.start, Session.id)  # type: ignore[arg-type]
    ).all():
        sessions[pid].append((sid, start, end))  # type: ignore[arg-type]
    days: dict[int, list[Day]] = {}
    slot_hours_of: dict[int, float] = {}  # session id -> hours of one slot
    for pid, found in sessions.items():
        tz = by_id[pid].timezone
        days[pid] = []
        for n, (sid, start, end) in enumerate(found, start=1):
            count = len(slots_between(start, end, tz, settings))
            days[pid].append(Day(n, sid, start, end, count, start <= now))
            slot_hours_of[sid] = slot_hours(start, end, count)

    if detail:
        seated = run(
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
    else:  # the numbers only: no names, no dates to read
        seated = run(
            select(
                Enrollment.program_id,
                Enrollment.participant_id,
                sa.null(),
                sa.null(),
            ).where(where(Enrollment.program_id), Enrollment.status.in_(SEATED))  # type: ignore[attr-defined]
        ).all()

    present: dict[tuple[int, int], int] = {}  # (session, person) -> slots present
    attendance = select(Attendance.session_id, Attendance.participant_id, sa.func.count()).where(
        Attendance.present.is_(True)
    )  # type: ignore[attr-defined]
    if not every:  # every program: no join to filter by
        attendance = attendance.join(Session, Session.id == Attendance.session_id).where(
            Session.program_id.in_(list(by_id))  # type: ignore[attr-defined]
        )
    attendance = attendance.group_by(Attendance.session_id, Attendance.participant_id)
    for session_id, person_id, count in run(attendance).all():
        present[session_id, person_id] = count

    tracks_of: dict[tuple[int, int], list[tuple]] = defaultdict(list)  # type: ignore[type-arg]
    track_program: dict[int, int] = {}
    for row in run(
        select(
            Track.id,
            Track.program_id,
            Track.participant_id,
            Track.goal,
            Track.planned_sessions,
            Track.status,
            Track.opened_at,
            Track.closed_at,
        )
        .where(where(Track.program_id), Track.program_id.is_not(None))  # type: ignore[union-attr]
        .order_by(Track.opened_at, Track.id)  # type: ignore[arg-type]
    ).all():
        if row[1] in by_id:
            tracks_of[row[1], row[2]].append(row)
            track_program[row[0]] = row[1]

    calls: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    one_to_ones: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    track_done: dict[int, list[datetime]] = defaultdict(list)
    linked = sa.or_(
        where(FollowUp.program_id),  # type: ignore[arg-type]
        FollowUp.track_id.in_(select(Track.id).where(where(Track.program_id))),  # type: ignore[union-attr,arg-type]
    )
    for person_id, kind, start, program_id, track_id in run(
        select(
            FollowUp.participant_id,
            FollowUp.kind,
            FollowUp.start,
            FollowUp.program_id,
            FollowUp.track_id,
        )
        .where(FollowUp.status == FollowUpStatus.DONE, linked)
        .order_by(FollowUp.start, FollowUp.id)  # type: ignore[arg-type]
    ).all():
        if track_id is not None and track_id in track_program:
            track_done[track_id].append(start)
            program_id = track_program[track_id]
        if program_id not in by_id:
            continue
        (calls if kind == FollowUpKind.CALL else one_to_ones)[program_id, person_id].append(start)

    persons: dict[int, list[PersonPathway]] = defaultdict(list)
    # per program: a count per stage, then the people with a call or a one-to-one session
    counts: dict[int, list[int]] = {p: [0] * (len(STAGES) + 1) for p in by_id}  # type: ignore[misc]
    waits: dict[int, list[float]] = defaultdict(list)
    plans = {}  # program -> its days as tuples, how many were held, when the last one ended
    for pid, program_days in days.items():
        held = [d for d in program_days if d.held]
        plans[pid] = (
            [(d.session_id, d.number, d.slots, slot_hours_of[d.session_id]) for d in program_days],
            len(held),
            held[-1].end if held else None,
        )
    no_plan: tuple = ([], 0, None)  # type: ignore[type-arg]
    no_dates: list[datetime] = []
    day = timedelta(days=1)
    for program_id, person_id, name, enrolled_at in seated:
        plan, held_count, last_held = plans.get(program_id, no_plan)
        marks = []
        hours = 0.0
        attended_held = 0
        for session_id, number, slot_count, per_slot in plan:
            count = present.get((session_id, person_id), 0)
            if count and number <= held_count:  # days are in order: the first ones were held
                attended_held += 1
            if detail:
                day_hours = round(count * per_slot, 2)
                hours += day_hours
                marks.append(DayMark(number, count, slot_count, day_hours))
        key = (program_id, person_id)
        rows = tracks_of.get(key, ())
        person_calls = calls.get(key, no_dates)
        person_sessions = one_to_ones.get(key, no_dates)
        every_day = held_count > 0 and attended_held == held_count
        steps = [_track_step(row, track_done.get(row[0], no_dates)) for row in rows]
        completed = any(s.completed for s in steps)
        tally = counts[program_id]
        tally[0] += 1
        tally[1] += every_day
        tally[2] += bool(person_calls)
        tally[3] += bool(person_sessions)
        tally[4] += bool(rows)
        tally[5] += completed
        tally[6] += bool(person_calls or person_sessions)
        if last_held is not None and (person_calls or person_sessions):
            after = [t for t in (*person_calls, *person_sessions) if t >= last_held]
            if after:
                waits[program_id].append((min(after) - last_held) / day)
        if not detail:
            continue
        if completed:
            stage = "completed"
            since = max(s.closed_at for s in steps if s.completed)  # type: ignore[type-var]
        elif steps:
            stage, since = "track_opened", max(s.last_activity for s in steps)
        elif person_sessions:
            stage, since = "one_to_one", person_sessions[-1]
        elif person_calls:
            stage, since = "call", person_calls[-1]
        elif every_day:
            stage, since = "attended_every_day", last_held
        else:
            stage, since = "enrolled", enrolled_at
        reached = {
            "enrolled": True,
            "attended_every_day": every_day,
            "call": bool(person_calls),
            "one_to_one": bool(person_sessions),
            "track_opened": bool(steps),
            "completed": completed,
        }
        persons[program_id].append(
            PersonPathway(
                person_id,
                name,
                enrolled_at,
                marks,
                person_calls,
                person_sessions,
                steps,
                round(hours, 2),
                reached,
                stage,
                since,  # type: ignore[arg-type]
            )
        )
    return [
        _pathway(
            p,
            days.get(p.id, []),  # type: ignore[arg-type]
            persons.get(p.id, []),  # type: ignore[arg-type]
            counts[p.id],  # type: ignore[index]
            waits.get(p.id, []),  # type: ignore[arg-type]
            now,
        )
        for p in programs
    ]


def _track_step(row: tuple, done: list[datetime]) -> TrackStep:  # type: ignore[type-arg]
    """A track from its columns (id, program, person, goal, planned, status, opened, closed)
    and the starts of its sessions done, in order."""
    track_id, _program, _person, goal, planned, status, opened_at, closed_at = row
    last = max(opened_at, done[-1]) if done else opened_at
    return TrackStep(track_id, goal, planned, len(done), status, opened_at, closed_at, last)


def _pathway(
    program: Program,
    days: list[Day],
    people: list[PersonPathway],
    counts: list[int],
    waits: list[float],
    now: datetime,
) -> Pathway:
    funnel = list(zip(STAGES, counts[: len(STAGES)], strict=True))
    order = {stage: i for i, stage in enumerate(STAGES)}
    stuck = [
        Stuck(p.stage, p.participant_id, p.name, p.since, max(0, (now - p.since).days))
        for p in people
        if p.stage != "completed"
    ]
    stuck.sort(key=lambda s: (order[s.stage], -s.days, s.name))
    median = round(statistics.median(waits), 1) if waits else None
    return Pathway(program, days, people, funnel, stuck, median, counts[-1], now)


def pathway(db: DbSession, program: Program, *, now: datetime | None = None) -> Pathway:
    """The pathway of one program."""
    return pathways(db, [program], now=now)[0]


def hours_attended(db: DbSession, program: Program, participant_id: int) -> float:
    """Hours one person attended in a program: what their certificate says."""
    for person in pathway(db, program).people:
        if person.participant_id == participant_id:
            return person.hours
    return 0.0
