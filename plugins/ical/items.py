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

from collections.abc import Iterable
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


class _Collector:
    """Reads one scope's rows and turns them into items."""

    def __init__(self, app: App, db: DbSession, scope: CalendarScope, now: datetime) -> None:
        from sqlmodel import select

        from programs.api import Coach, Program

        self.app, self.db, self.scope = app, db, scope
        settings = read_settings(app)
        self.cutoff = now - timedelta(days=settings.cancelled_grace_days)
        self.coaches = {c.id: c for c in db.exec(select(Coach))}
        self.default_coach = next((c for c in self.coaches.values() if c.is_default), None)
        self.default_tz = str(app.config.core["default_timezone"])
        self.program_tz = dict(db.exec(select(Program.id, Program.timezone)).all())
        self.alarm_hooks = bool(app.pm.hook.calendar_alarms.get_hookimpls())
        self.items: list[FeedItem] = []

    def _coach(self, coach_id: int | None) -> Coach | None:
        return self.coaches.get(coach_id) if coach_id is not None else self.default_coach

    def _alarms(self, obj: Any) -> tuple[tuple[int, str], ...]:
        if not self.alarm_hooks:
            return ()
        found: list[tuple[int, str]] = []
        for _plugin, answer in self.app.call_each("calendar_alarms", item=obj, scope=self.scope):
            for alarm in answer or ():
                seconds = int(alarm.before.total_seconds())
                found.append((seconds, str(alarm.description)))
        return tuple(sorted(set(found)))

    def _keep(self, cancelled: bool, modified: datetime) -> bool:
        return not cancelled or modified >= self.cutoff

    def add_sessions(self, rows: Iterable[tuple[Any, Any]]) -> None:
        for session, program in rows:
            cancelled = session.status == "cancelled"
            if not self._keep(cancelled, session.updated_at):
                continue
            title = f"{program.title} — {session.title}" if session.title else program.title
            self.items.append(
                FeedItem(
                    uid=session.uid,
                    revision=session.revision,
                    summary=title,
                    start=session.start,
                    end=session.end,
                    timezone=program.timezone,
                    location=session.location or program.location,
                    description=program.description,
                    cancelled=cancelled,
                    modified=session.updated_at,
                    organizer=_organizer(self._coach(program.coach_id)),
                    alarms=() if cancelled else self._alarms(session),
                )
            )

    def add_followups(self, rows: Iterable[tuple[Any, str | None, str | None]]) -> None:
        """``rows``: (follow-up, participant name or None, participant time zone)."""
        from programs.api import followup_end

        for followup, person, person_tz in rows:
            cancelled = followup.status == "cancelled"
            if not self._keep(cancelled, followup.updated_at):
                continue
            coach = self._coach(followup.coach_id)
            call = followup.kind == "call"
            if person is not None:  # the coach's view: who it is with
                summary = f"{'Call' if call else 'One-to-one'}: {person}"
            else:  # the participant's own view: with whom
                what = "Call" if call else "One-to-one session"
                summary = f"{what} with {coach.name}" if coach else what
            tz = person_tz or self.program_tz.get(followup.program_id) or self.default_tz
            self.items.append(
                FeedItem(
                    uid=followup.uid,
                    revision=followup.revision,
                    summary=summary,
                    start=followup.start,
                    end=followup_end(followup),
                    timezone=tz,
                    location=followup.location,
                    description=followup.topic,
                    cancelled=cancelled,
                    modified=followup.updated_at,
                    organizer=_organizer(coach),
                    alarms=() if cancelled else self._alarms(followup),
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
    from sqlmodel import or_, select

    from programs.api import Enrollment, FollowUp, NotFound, Participant, Program, Session

    now = now or datetime.now(UTC)
    c = _Collector(app, db, scope, now)
    order = (Session.start, Session.id)
    if scope.kind == "program":
        program = db.get(Program, scope.id)
        if program is None:
            raise NotFound(f"no program #{scope.id}")
        sessions = db.exec(select(Session).where(Session.program_id == program.id).order_by(*order))
        c.add_sessions((s, program) for s in sessions)
        name = program.title
    elif scope.kind == "participant":
        person = db.get(Participant, scope.id)
        if person is None:
            raise NotFound(f"no participant #{scope.id}")
        c.add_sessions(
            db.exec(
                select(Session, Program)
                .join(Program, Program.id == Session.program_id)
                .join(Enrollment, Enrollment.program_id == Program.id)
                .where(
                    Enrollment.participant_id == person.id,
                    Enrollment.status.in_(SEATED),  # type: ignore[attr-defined]
                )
                .order_by(*order)
            ).all()
        )
        followups = db.exec(select(FollowUp).where(FollowUp.participant_id == person.id))
        c.add_followups((f, None, person.timezone) for f in followups)
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
        c.add_sessions(
            db.exec(
                select(Session, Program)
                .join(Program, Program.id == Session.program_id)
                .where(mine_p)
                .order_by(*order)
            ).all()
        )
        c.add_followups(
            db.exec(
                select(FollowUp, Participant.name, Participant.timezone)
                .join(Participant, Participant.id == FollowUp.participant_id)
                .where(mine_f)
            ).all()
        )
        name = f"Programs — {coach.name}"
    else:
        raise NotFound(f"no feed of kind {scope.kind!r}")
    c.add_sources()
    return c.spec(name)
