"""What reminders are about (occasions), read from the core's tables in a few set queries.

An occasion is a session, a follow-up, a program (its first start and last end) or a week (for
the digest), with its current revision, its time zone, who may receive reminders about it and
since when (``booked_at``), and why nothing should be sent any more (``inactive``). The
planner turns targets into outbox rows; the sender checks a claimed row against its target
again just before sending, so a change whose event was missed never goes out stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from programs.plugins.reminders.rules import Rule, RuleBook
from programs.plugins.reminders.timing import week_start
from programs.plugins.reminders.words import reason as said
from sqlmodel import Session as DbSession

from programs.api import (
    SEATED,
    Enrollment,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Participant,
    Program,
    ProgramStatus,
    Session,
    SessionStatus,
    Track,
    TrackStatus,
    coach_of,
    zone,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHUNK = 900  # ids per IN (...) list


@dataclass
class Occasion:
    kind: str  # session, followup, program, week
    id: int
    revision: int
    program_id: int | None
    start: datetime
    end: datetime
    tz: ZoneInfo
    booked_at: datetime
    inactive: str | None = None  # why nothing should be sent about it
    participants: dict[int, datetime] = field(default_factory=dict)  # id -> booked at
    coaches: tuple[int, ...] = ()
    rules: list[Rule] = field(default_factory=list)
    call: bool = False  # a follow-up by phone (what a skipped reminder says had started)

    @property
    def what(self) -> str:
        """``session``, ``call``, ``followup`` (one-to-one), ``program`` or ``week``."""
        return "call" if self.call else self.kind

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.id)


@dataclass(frozen=True)
class PlanScope:
    """Which targets to look at. ``everything``: all targets not long past.

    ``programs``: their sessions and the program itself; ``program_targets``: the program
    itself only; ``participants``: restrict to reminders for these participants (the coach's
    are then left alone).
    """

    everything: bool = False
    programs: frozenset[int] = frozenset()
    program_targets: frozenset[int] = frozenset()
    sessions: frozenset[int] = frozenset()
    followups: frozenset[int] = frozenset()
    participants: frozenset[int] | None = None
    horizon: bool = True  # leave out targets whose reminders are all long past
    weeks: bool = False  # the weeks of the digest (this one and the next)
    coach: bool = False  # with ``participants``: the coach's rows too (a full plan's slices)


def chunks(items: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    batch: list[int] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _zone(name: str | None, fallback: str) -> ZoneInfo:
    """A row's zone, else the default one (zones are checked when they are typed)."""
    return zone(name or fallback)


def program_revision(last_end: datetime) -> int:
    """A program target's revision: its last end, in minutes since 1970 (it changes when
    the last session moves, so the day-after nudge follows it)."""
    return int((last_end - EPOCH).total_seconds() // 60)


def week_id(monday: datetime) -> int:
    return int(monday.strftime("%Y%m%d"))


def week_from_id(target_id: int, tz: ZoneInfo) -> datetime:
    monday = datetime.strptime(str(target_id), "%Y%m%d")
    return monday.replace(tzinfo=tz)


class OccasionLoader:
    """Reads targets for a scope; ``horizon``: targets ending before it are left out."""

    def __init__(
        self,
        db: DbSession,
        book: RuleBook,
        *,
        default_tz: str,
        now: datetime,
        horizon: datetime | None,
    ) -> None:
        self.db = db
        self.book = book
        self.default_tz = default_tz
        self.now = now
        self.horizon = horizon
        coach = coach_of(db)  # the core's rule: a row without a coach is the default coach's
        self.default_coach = coach.id if coach else None
        self._seated: dict[int, dict[int, datetime]] = {}
        # Only these participants' seats are read (the coach is still found): the sender
        # checks a batch of rows, not a whole program of thousands, each time.
        self.people: frozenset[int] | None = None

    # --- participants with a seat -------------------------------------------------------

    def seated(self, program_ids: Iterable[int], only: frozenset[int] | None) -> None:
        """Load ``{program: {participant: seated since}}`` for these programs."""
        wanted = [p for p in set(program_ids) if p not in self._seated]
        for batch in chunks(wanted):
            for pid in batch:
                self._seated[pid] = {}
            query = sa.select(
                Enrollment.program_id,
                Enrollment.participant_id,
                Enrollment.enrolled_at,
                Enrollment.requested_at,
            ).where(Enrollment.program_id.in_(batch), Enrollment.status.in_(SEATED))  # type: ignore[attr-defined]
            if only is not None:
                query = query.where(Enrollment.participant_id.in_(list(only)))  # type: ignore[attr-defined]
            for program_id, participant_id, enrolled_at, requested_at in self.db.execute(query):
                self._seated[program_id][participant_id] = enrolled_at or requested_at

    # --- sessions -----------------------------------------------------------------------

    def sessions(self, scope: PlanScope) -> list[Occasion]:
        query = sa.select(
            Session.id,
            Session.program_id,
            Session.start,
            Session.end,
            Session.status,
            Session.revision,
            Session.updated_at,
            Program.timezone,
            Program.status,
            Program.coach_id,
        ).join(Program, Program.id == Session.program_id)
        if self.horizon is not None:
            query = query.where(Session.end >= self.horizon)  # type: ignore[operator]
        rows: list[sa.Row] = []
        if scope.everything:
            rows = list(self.db.execute(query))
        else:
            for batch in chunks(scope.programs):
                rows += self.db.execute(query.where(Session.program_id.in_(batch)))  # type: ignore[attr-defined]
            seen = {r.id for r in rows}
            for batch in chunks(i for i in scope.sessions if i not in seen):
                rows += self.db.execute(query.where(Session.id.in_(batch)))  # type: ignore[union-attr]
        self.seated({r.program_id for r in rows}, self._only(scope))
        targets = []
        for r in rows:
            (sid, program_id, start, end, status, revision, updated, tz, p_status, coach_id) = r
            inactive = None
            if p_status == ProgramStatus.CANCELLED:
                inactive = said("program cancelled")
            elif status == SessionStatus.CANCELLED:
                inactive = said("session cancelled")
            targets.append(
                Occasion(
                    "session",
                    sid,
                    revision,
                    program_id,
                    start,
                    end,
                    _zone(tz, self.default_tz),
                    updated,
                    inactive,
                    self._seated.get(program_id, {}),
                    self._coach(scope, coach_id),
                    self.book.for_target("session", program_id),
                )
            )
        return targets

    # --- programs (first start, last end) -----------------------------------------------

    def programs(self, program_ids: Iterable[int], scope: PlanScope) -> list[Occasion]:
        ids = sorted(set(program_ids))
        if not ids:
            return []
        targets = []
        for batch in chunks(ids):
            spans = {
                pid: (first, last)
                for pid, first, last in self.db.execute(
                    sa.select(
                        Session.program_id, sa.func.min(Session.start), sa.func.max(Session.end)
                    )
                    .where(
                        Session.program_id.in_(batch),  # type: ignore[attr-defined]
                        Session.status != SessionStatus.CANCELLED,
                    )
                    .group_by(Session.program_id)
                )
            }
            touched = dict(
                self.db.execute(
                    sa.select(Session.program_id, sa.func.max(Session.updated_at))
                    .where(Session.program_id.in_(batch))  # type: ignore[attr-defined]
                    .group_by(Session.program_id)
                ).all()
            )
            self.seated(batch, self._only(scope))
            for pid, tz, status, coach_id, updated in self.db.execute(
                sa.select(
                    Program.id,
                    Program.timezone,
                    Program.status,
                    Program.coach_id,
                    Program.updated_at,
                ).where(Program.id.in_(batch))  # type: ignore[union-attr]
            ):
                first, last = spans.get(pid, (None, None))
                inactive = None
                if status == ProgramStatus.CANCELLED:
                    inactive = said("program cancelled")
                elif first is None:
                    inactive = said("no session left")
                first = _aware(first) or updated
                last = _aware(last) or updated
                if self.horizon is not None and last < self.horizon and inactive is None:
                    continue
                booked = max(_aware(touched.get(pid)) or updated, updated)
                targets.append(
                    Occasion(
                        "program",
                        pid,
                        program_revision(last),
                        pid,
                        first,
                        last,
                        _zone(tz, self.default_tz),
                        booked,
                        inactive,
                        self._seated.get(pid, {}),
                        self._coach(scope, coach_id),
                        self.book.for_target("program", pid),
                    )
                )
        return targets

    # --- follow-ups ---------------------------------------------------------------------

    def followups(self, scope: PlanScope) -> list[Occasion]:
        query = sa.select(
            FollowUp.id,
            FollowUp.participant_id,
            FollowUp.coach_id,
            FollowUp.program_id,
            FollowUp.start,
            FollowUp.duration_minutes,
            FollowUp.status,
            FollowUp.revision,
            FollowUp.updated_at,
            Participant.timezone,
            FollowUp.kind,
        ).join(Participant, Participant.id == FollowUp.participant_id)
        if self.horizon is not None:
            query = query.where(FollowUp.start >= self.horizon - timedelta(days=1))  # type: ignore[operator]
        if scope.participants is not None:
            query = query.where(FollowUp.participant_id.in_(list(scope.participants)))  # type: ignore[attr-defined]
        rows: list[sa.Row] = []
        if scope.everything:
            rows = list(self.db.execute(query))
        else:
            for batch in chunks(scope.followups):
                rows += self.db.execute(query.where(FollowUp.id.in_(batch)))  # type: ignore[union-attr]
        targets = []
        for r in rows:
            (
                fid,
                participant_id,
                coach_id,
                program_id,
                start,
                minutes,
                status,
                revision,
                updated,
                p_tz,
                kind,
            ) = r
            inactive = None if status == FollowUpStatus.PLANNED else said(f"followup {status}")
            targets.append(
                Occasion(
                    "followup",
                    fid,
                    revision,
                    program_id,
                    start,
                    start + timedelta(minutes=minutes),
                    _zone(p_tz, self.default_tz),  # the participant's zone (programs.api)
                    updated,
                    inactive,
                    {participant_id: updated},
                    self._coach(scope, coach_id),
                    self.book.for_target("followup", program_id),
                    call=kind == FollowUpKind.CALL,
                )
            )
        return targets

    # --- weeks (the digest of stalled tracks) -------------------------------------------

    def weeks(self, ids: Iterable[int] | None = None) -> list[Occasion]:
        """This week and next (or the weeks ``ids``), to every coach with an open track."""
        rules = self.book.weekly()
        tz = _zone(self.default_tz, "UTC")
        if ids is None:
            this = week_start(self.now, tz)
            mondays = [this, week_start(this + timedelta(days=7, hours=12), tz)]
        else:
            mondays = [week_from_id(i, tz) for i in ids]
        coaches = {
            c or self.default_coach
            for (c,) in self.db.execute(
                sa.select(Track.coach_id).where(Track.status == TrackStatus.OPEN).distinct()
            )
        } - {None}
        coach_ids = tuple(sorted(coaches))  # type: ignore[type-var]
        targets = []
        for monday in mondays:
            end = week_start(monday + timedelta(days=7, hours=12), tz)
            targets.append(
                Occasion(
                    "week",
                    week_id(monday),
                    0,
                    None,
                    monday.astimezone(UTC),
                    end.astimezone(UTC),
                    tz,
                    EPOCH,
                    None,
                    {},
                    coach_ids,
                    rules,
                )
            )
        return targets

    def _coach(self, scope: PlanScope, coach_id: int | None) -> tuple[int, ...]:
        """The coach of a target; none when only some participants' rows are in scope."""
        if scope.participants is not None and not scope.coach:
            return ()
        chosen = coach_id or self.default_coach
        return (chosen,) if chosen else ()

    def _only(self, scope: PlanScope) -> frozenset[int] | None:
        return scope.participants if scope.participants is not None else self.people

    # --- by key (the sender's check) ----------------------------------------------------

    def by_keys(
        self, keys: Iterable[tuple[str, int]], *, people: Iterable[int] | None = None
    ) -> dict[tuple[str, int], Occasion]:
        """Targets for ``(kind, id)`` keys, as they are now, without a horizon; with
        ``people``, only those participants' seats are read."""
        self.people = frozenset(people) if people is not None else None
        wanted: dict[str, set[int]] = {}
        for kind, target_id in keys:
            wanted.setdefault(kind, set()).add(target_id)
        scope = PlanScope(
            sessions=frozenset(wanted.get("session", ())),
            followups=frozenset(wanted.get("followup", ())),
            horizon=False,
        )
        found = self.sessions(scope) + self.followups(scope)
        found += self.programs(wanted.get("program", ()), scope)
        found += self.weeks(sorted(wanted.get("week", ()))) if wanted.get("week") else []
        return {target.key: target for target in found}


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates (min/max) bypass the column type on SQLite: make them aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
