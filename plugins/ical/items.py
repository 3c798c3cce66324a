"""What goes into a feed, per scope, from an allow-list of fields.

Each feed is a tuple of :class:`FeedItem`: plain values copied field by field from the rows
a scope may see. Nothing else reaches the renderer, so a participant's feed cannot show
another participant's name, email or phone, or any coach note (``Participant.notes`` and a
follow-up's ``outcome`` are never read here).

- program feed: the program's sessions;
- participant feed: sessions of the programs where they hold a seat (enrolled or completed;
  not waitlisted or withdrawn) and their own follow-ups, with their topic;
- coach feed: the coach's sessions and follow-ups, follow-ups named after the participant.

A cancelled item stays (``STATUS:CANCELLED``) for ``cancelled_grace_days`` after its last
change, then leaves the feed. Items from other plugins' calendar sources are added; one that
fails is reported as a plugin failure and the feed is still served.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from programs.plugins.ical.settings import read_settings

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App, CalendarScope, Coach

SEATED = ("enrolled", "completed")


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One VEVENT's content. Frozen and hashable: it is its own cache key, so any change to
    what the event says (time, place, name, revision, alarms...) is a different key."""

    uid: str
    revision: int
    summary: str
    start: datetime  # aware
    end: datetime  # aware
    timezone: str  # IANA name the times are written in (TZID)
    location: str | None
    description: str | None
    cancelled: bool
    modified: datetime  # aware; LAST-MODIFIED and DTSTAMP
    organizer: tuple[str, str] | None = None  # (name, email)
    alarms: tuple[tuple[int, str], ...] = ()  # (seconds before start, text)


@dataclass(frozen=True)
class FeedSpec:
    """A feed before serialisation: its name and its items, sorted by start."""

    scope: CalendarScope
    name: str
    items: tuple[FeedItem, ...]
    tzid: str | None  # the one TZID all items use, if they share one (X-WR-TIMEZONE)

    @property
    def last_modified(self) -> datetime | None:
        return max((i.modified for i in self.items), default=None)


def _organizer(coach: Coach | None) -> tuple[str, str] | None:
    if coach is None or not coach.email:
        return None  # ORGANIZER needs an address; a coach without email gets none
    return (coach.name, coach.email)


@dataclass(frozen=True, slots=True)
class _Program:
    title: str
    timezone: str
    location: str | None
    description: str | None
    coach_id: int | None


class _Collector:
    """Reads one scope's rows (columns, not ORM objects: a poll of a 10,000-event feed
    must stay cheap) and turns them into items."""

    def __init__(self, app: App, db: DbSession, scope: CalendarScope, now: datetime) -> None:
        from sqlmodel import select

        from programs.api import Coach, Program

        self.app, self.db, self.scope = app, db, scope
        settings = read_settings(app)
        self.cutoff = now - timedelta(days=settings.cancelled_grace_days)
        self.coaches = {c.id: c for c in db.exec(select(Coach))}
        self.default_coach = next((c for c in self.coaches.values() if c.is_default), None)
        self.default_tz = str(app.config.core["default_timezone"])
        self.programs = {
            row[0]: _Program(*row[1:])
            for row in db.exec(
                select(
                    Program.id,
                    Program.title,
                    Program.timezone,
                    Program.location,
                    Program.description,
                    Program.coach_id,
                )
            )
        }
        self.alarm_hooks = bool(app.pm.hook.calendar_alarms.get_hookimpls())
        self._organizers: dict[int | None, tuple[str, str] | None] = {}
        self.items: list[FeedItem] = []

    def _coach(self, coach_id: int | None) -> Coach | None:
        return self.coaches.get(coach_id) if coach_id is not None else self.default_coach

    def _organizer_of(self, coach_id: int | None) -> tuple[str, str] | None:
        if coach_id not in self._organizers:
            self._organizers[coach_id] = _organizer(self._coach(coach_id))
        return self._organizers[coach_id]

    def _rows(self, query: Any) -> list[Any]:
        """Plain rows through the connection: the ORM's per-row bookkeeping would cost more
        than everything else a poll does."""
        return list(self.db.connection().execute(query).all())

    def _objects(self, model: Any, ids: list[int]) -> dict[int, Any]:
        """The rows as ORM objects, for the ``calendar_alarms`` hook (only when answered)."""
        from sqlmodel import select

        if not self.alarm_hooks or not ids:
            return {}
        found: dict[int, Any] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            found.update((o.id, o) for o in self.db.exec(select(model).where(model.id.in_(chunk))))
        return found

    def _alarms(self, obj: Any) -> tuple[tuple[int, str], ...]:
        if obj is None:
            return ()
        found: list[tuple[int, str]] = []
        for _plugin, answer in self.app.call_each("calendar_alarms", item=obj, scope=self.scope):
            for alarm in answer or ():
                seconds = int(alarm.before.total_seconds())
                found.append((seconds, str(alarm.description)))
        return tuple(sorted(set(found)))

    def _keep(self, cancelled: bool, modified: datetime) -> bool:
        return not cancelled or modified >= self.cutoff

    def add_sessions(self, where: Any) -> None:
        """Sessions matching ``where`` (a SQL condition on sessions and enrollments)."""
        from sqlmodel import select

        from programs.api import Session

        rows = self._rows(
            select(
                Session.id,
                Session.program_id,
                Session.uid,
                Session.revision,
                Session.title,
                Session.start,
                Session.end,
                Session.location,
                Session.status,
                Session.updated_at,
            ).where(where)
        )
        objects = self._objects(Session, [r[0] for r in rows])
        for sid, program_id, uid, revision, title, start, end, place, status, updated in rows:
            cancelled = status == "cancelled"
            if not self._keep(cancelled, updated):
                continue
            program = self.programs[program_id]
            self.items.append(
                FeedItem(
                    uid=uid,
                    revision=revision,
                    summary=f"{program.title} — {title}" if title else program.title,
                    start=start,
                    end=end,
                    timezone=program.timezone,
                    location=place or program.location,
                    description=program.description,
                    cancelled=cancelled,
                    modified=updated,
                    organizer=self._organizer_of(program.coach_id),
                    alarms=() if cancelled else self._alarms(objects.get(sid)),
                )
            )

    def add_followups(self, where: Any, *, with_names: bool, person_tz: str | None = None) -> None:
        """Follow-ups matching ``where``. ``with_names``: the coach's view, titled with the
        participant's name; otherwise the participant's own view, titled with the coach's."""
        from sqlmodel import select

        from programs.api import FollowUp, Participant

        columns = [
            FollowUp.id,
            FollowUp.uid,
            FollowUp.revision,
            FollowUp.kind,
            FollowUp.status,
            FollowUp.start,
            FollowUp.duration_minutes,
            FollowUp.topic,
            FollowUp.location,
            FollowUp.coach_id,
            FollowUp.program_id,
            FollowUp.updated_at,
        ]
        if with_names:
            query = select(*columns, Participant.name, Participant.timezone).join(
                Participant, Participant.id == FollowUp.participant_id
            )
        else:
            query = select(*columns)
        rows = self._rows(query.where(where))
        objects = self._objects(FollowUp, [r[0] for r in rows])
        for row in rows:
            (fid, uid, revision, kind, status, start, minutes, topic, place, coach_id,
             program_id, updated) = row[:12]  # fmt: skip
            cancelled = status == "cancelled"
            if not self._keep(cancelled, updated):
                continue
            coach = self._coach(coach_id)
            call = kind == "call"
            if with_names:
                summary = f"{'Call' if call else 'One-to-one'}: {row[12]}"
                tz = row[13]
            else:
                what = "Call" if call else "One-to-one session"
                summary = f"{what} with {coach.name}" if coach else what
                tz = person_tz
            program = self.programs.get(program_id) if program_id is not None else None
            self.items.append(
                FeedItem(
                    uid=uid,
                    revision=revision,
                    summary=summary,
                    start=start,
                    end=start + timedelta(minutes=minutes),
                    timezone=tz or (program.timezone if program else self.default_tz),
                    location=place,
                    description=topic,
                    cancelled=cancelled,
                    modified=updated,
                    organizer=self._organizer_of(coach_id),
                    alarms=() if cancelled else self._alarms(objects.get(fid)),
                )
            )

    def add_sources(self) -> None:
        """Items from other plugins' calendar sources; a bad one is reported, not served."""
        from programs.api import PluginFailure, zone

        seen = {i.uid for i in self.items}
        organizer = _organizer(self.default_coach)
        for name, source in self.app.registry.all("calendar_source").items():
            owner = self.app.registry.owner("calendar_source", name)
            try:
                for item in source.items(self.app, self.scope):
                    if item.start.tzinfo is None or item.end.tzinfo is None:
                        raise ValueError(f"item {item.uid!r} has a time without a zone")
                    zone(item.timezone)
                    if item.uid in seen:
                        raise ValueError(f"item {item.uid!r} reuses a UID already in the feed")
                    modified = item.last_modified or item.start
                    if not self._keep(item.cancelled, modified):
                        continue
                    seen.add(item.uid)
                    self.items.append(
                        FeedItem(
                            uid=item.uid,
                            revision=item.revision,
                            summary=item.summary,
                            start=item.start.astimezone(UTC),
                            end=item.end.astimezone(UTC),
                            timezone=item.timezone,
                            location=item.location,
                            description=item.description,
                            cancelled=item.cancelled,
                            modified=modified.astimezone(UTC),
                            organizer=organizer,
                        )
                    )
            except Exception as exc:  # another plugin's bug must not take the feed down
                self.app.failures.append(
                    PluginFailure(owner, f"calendar source {name}", str(exc) or type(exc).__name__)
                )

    def spec(self, name: str) -> FeedSpec:
        items = tuple(sorted(self.items, key=lambda i: (i.start, i.uid)))
        zones = {i.timezone for i in items}
        return FeedSpec(
            self.scope, name, items, tzid=next(iter(zones)) if len(zones) == 1 else None
        )


def collect(
    app: App, db: DbSession, scope: CalendarScope, *, now: datetime | None = None
) -> FeedSpec:
    """The feed of ``scope``; :class:`programs.api.NotFound` when its owner no longer exists."""
    from sqlmodel import and_, or_, select

    from programs.api import Enrollment, FollowUp, NotFound, Participant, Program, Session

    now = now or datetime.now(UTC)
    c = _Collector(app, db, scope, now)
    if scope.kind == "program":
        if scope.id not in c.programs:
            raise NotFound(f"no program #{scope.id}")
        c.add_sessions(Session.program_id == scope.id)
        name = c.programs[scope.id].title
    elif scope.kind == "participant":
        person = db.get(Participant, scope.id)
        if person is None:
            raise NotFound(f"no participant #{scope.id}")
        seated = select(Enrollment.program_id).where(
            and_(
                Enrollment.participant_id == person.id,
                Enrollment.status.in_(SEATED),  # type: ignore[attr-defined]
            )
        )
        c.add_sessions(Session.program_id.in_(seated))  # type: ignore[attr-defined]
        c.add_followups(
            FollowUp.participant_id == person.id, with_names=False, person_tz=person.timezone
        )
        coach = c.default_coach
        name = f"Coaching — {coach.name}" if coach else "Coaching"
    elif scope.kind == "coach":
        coach = c.coaches.get(scope.id)
        if coach is None:
            raise NotFound(f"no coach #{scope.id}")
        mine_p = Program.coach_id == coach.id
        mine_f = FollowUp.coach_id == coach.id
        if coach.is_default:  # rows without a coach are the default coach's
            mine_p = or_(mine_p, Program.coach_id == None)  # noqa: E711
            mine_f = or_(mine_f, FollowUp.coach_id == None)  # noqa: E711
        c.add_sessions(Session.program_id.in_(select(Program.id).where(mine_p)))  # type: ignore[attr-defined]
        c.add_followups(mine_f, with_names=True)
        name = f"Programs — {coach.name}"
    else:
        raise NotFound(f"no feed of kind {scope.kind!r}")
    c.add_sources()
    return c.spec(name)
