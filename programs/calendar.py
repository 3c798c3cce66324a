"""What a session or a follow-up is on a calendar: the one definition every surface reads.

A :class:`CalendarItem` holds everything a person sees of an appointment: its title, its
aware start and end, the zone it is shown in, its place, its status and what calendar apps
need to follow it (UID, revision for SEQUENCE, last change). The feeds, the participant's
page, the reminder messages, the ``.ics`` attached to them and any third-party plugin take
items from here, so one session reads the same everywhere.

The rules, once:

- a session is titled "<program title> — <session title>" (the program's title alone when
  the session has none), shown in its program's zone (people travel to it), at the
  session's place, else the program's; its description is the program's;
- a follow-up is titled for its reader: the participant reads "Call with <coach>", the
  coach reads "Call: <participant>" (in the reader's language: a participant's own when
  the tool speaks it, else the coach's); it is shown in the
  participant's zone for the participant and in the coach's (the default zone) for the
  coach; its description is its topic (never its outcome, a coach's note);
- only what the reader may see is read (an allow-list of columns): a participant's items
  are their seated programs' sessions and their own follow-ups.

Rows are read as plain columns in a few set queries, not ORM objects: a 10,000-event feed
is polled every few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from programs.domain.base import seated_program_ids
from programs.errors import NotFound
from programs.i18n import Translator, gettext, supported, translator
from programs.models import (
    Coach,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Participant,
    Program,
    Session,
    SessionStatus,
)
from programs.settings import Settings, settings_of

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession


@dataclass(frozen=True)
class CalendarScope:
    """Whose calendar: ``kind`` is "program", "participant" or "coach", ``id`` its row."""

    kind: str
    id: int


@dataclass(frozen=True)
class Reader:
    """Who reads the items: a participant, a coach, or anyone holding a program's feed."""

    kind: str  # "participant", "coach" or "program"
    id: int
    language: str  # "fr", "en"... (words of follow-up titles)
    timezone: str  # where follow-ups are shown to them


@dataclass(frozen=True, slots=True)
class CalendarItem:
    """One appointment as a person sees it. Frozen and hashable: any change to what it says
    makes a different item (feeds use it as their cache key).

    Plugins' calendar sources return these too, with ``kind`` a word of their own and the
    fields after ``last_modified`` left to their defaults.
    """

    uid: str
    summary: str
    start: datetime  # aware
    end: datetime  # aware
    timezone: str  # IANA name the item is shown in (a feed's TZID)
    revision: int = 0  # SEQUENCE: grows when the time or the place changes
    location: str | None = None
    description: str | None = None
    cancelled: bool = False
    last_modified: datetime | None = None  # aware; LAST-MODIFIED (and DTSTAMP)
    kind: str = "other"  # "session", "followup", or a plugin's own word
    id: int | None = None  # the session's or follow-up's row id
    program_id: int | None = None
    organizer: tuple[str, str] | None = None  # (name, email) of the coach, if she has one
    followup_kind: str | None = None  # "call" or "session" for a follow-up
    with_name: str | None = None  # the other party of a follow-up, for this reader
    participant_id: int | None = None  # the participant of a follow-up

    @property
    def modified(self) -> datetime:
        return self.last_modified or self.start


# --- words of follow-up titles ----------------------------------------------------------------


def followup_title(kind: str, other: str | None, reader_kind: str, language: str) -> str:
    """ "Call with Claire Dubois" for the participant, "Call: S. Martin" for the coach, in
    the reader's language (the catalog's words; English for a language without one)."""
    return _followup_title(translator(language), kind, other, reader_kind)


def _followup_title(t: Translator, kind: str, other: str | None, reader_kind: str) -> str:
    call = kind == FollowUpKind.CALL
    if not other:
        return t.gettext("Call") if call else t.gettext("One-to-one session")
    if reader_kind == "coach":
        text = t.gettext("Call: {name}") if call else t.gettext("One-to-one session: {name}")
    else:
        text = (
            t.gettext("Call with {name}") if call else t.gettext("One-to-one session with {name}")
        )
    return text.format(name=other)


def session_title(program_title: str, title: str | None) -> str:
    return f"{program_title} — {title}" if title else program_title


# --- readers -----------------------------------------------------------------------------


def reader_for(db: DbSession, scope: CalendarScope, settings: Settings | None = None) -> Reader:
    """The reader of ``scope``'s calendar; :class:`NotFound` when its owner is gone."""
    settings = settings or settings_of(db)
    if scope.kind == "participant":
        person = db.get(Participant, scope.id)
        if person is None:
            raise NotFound(gettext("no participant #{id}").format(id=scope.id))
        return participant_reader(person, settings)
    if scope.kind == "coach":
        if db.get(Coach, scope.id) is None:
            raise NotFound(gettext("no coach #{id}").format(id=scope.id))
        return Reader("coach", scope.id, settings.coach_language, settings.default_timezone)
    if scope.kind == "program":
        if db.get(Program, scope.id) is None:
            raise NotFound(gettext("no program #{id}").format(id=scope.id))
        return Reader("program", scope.id, settings.coach_language, settings.default_timezone)
    raise NotFound(gettext("no calendar of kind {kind!r}").format(kind=scope.kind))


def participant_zone(person: Participant, settings: Settings) -> str:
    """A participant's time zone: their own, else the default one. Their follow-ups are read
    and shown in it (the CLI, feeds, messages)."""
    return person.timezone or settings.default_timezone


def participant_language(person: Participant, settings: Settings) -> str:
    """The language a participant reads: their own when the tool speaks it (``en-GB`` kept
    whole, for its dates), else the coach's (a Brazilian participant reads what the coach
    writes in, not a language neither chose)."""
    return person.language if supported(person.language) else settings.coach_language


def participant_reader(person: Participant, settings: Settings) -> Reader:
    return Reader(
        "participant",
        person.id,  # type: ignore[arg-type]
        participant_language(person, settings),
        participant_zone(person, settings),
    )


def coach_reader(coach_id: int, settings: Settings) -> Reader:
    return Reader("coach", coach_id, settings.coach_language, settings.default_timezone)


# --- reading items ------------------------------------------------------------------------

SESSION_COLUMNS = (
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
    Program.title,
    Program.timezone,
    Program.location,
    Program.description,
    Program.coach_id,
)

FOLLOWUP_COLUMNS = (
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
    FollowUp.participant_id,
    Participant.name,
    Participant.timezone,
)


@dataclass
class ItemReader:
    """Reads items for one reader. ``keep_cancelled_since``: cancelled items whose last
    change is older are left out (a feed keeps them struck through for a grace period);
    None keeps them all."""

    db: DbSession
    reader: Reader
    settings: Settings
    keep_cancelled_since: datetime | None = None
    _coaches: dict[int, Coach] | None = field(default=None, repr=False)

    @property
    def coaches(self) -> dict[int, Coach]:
        if self._coaches is None:
            self._coaches = {c.id: c for c in self.db.exec(sa.select(Coach)).scalars()}  # type: ignore[misc]
        return self._coaches

    def coach(self, coach_id: int | None) -> Coach | None:
        """A row's coach, else the default coach (rows without one are hers)."""
        if coach_id is not None and coach_id in self.coaches:
            return self.coaches[coach_id]
        return next((c for c in self.coaches.values() if c.is_default), None)

    def organizer(self, coach_id: int | None) -> tuple[str, str] | None:
        coach = self.coach(coach_id)
        if coach is None or not coach.email:
            return None  # ORGANIZER needs an address; a coach without email gets none
        return (coach.name, coach.email)

    def _kept(self, cancelled: bool, modified: datetime) -> bool:
        return (
            not cancelled
            or self.keep_cancelled_since is None
            or (modified >= self.keep_cancelled_since)
        )

    def _rows(self, query: Any) -> list[Any]:
        return list(self.db.connection().execute(query).all())

    def sessions(self, where: Any) -> list[CalendarItem]:
        """Sessions matching ``where`` (a condition on sessions and their program)."""
        query = sa.select(*SESSION_COLUMNS).join(Program, Program.id == Session.program_id)
        items = []
        for row in self._rows(query.where(where)):
            (sid, program_id, uid, revision, title, start, end, place, status, updated,
             p_title, p_tz, p_place, p_about, coach_id) = row  # fmt: skip
            cancelled = status == SessionStatus.CANCELLED
            if not self._kept(cancelled, updated):
                continue
            items.append(
                CalendarItem(
                    uid=uid,
                    summary=session_title(p_title, title),
                    start=start,
                    end=end,
                    timezone=p_tz,
                    revision=revision,
                    location=place or p_place,
                    description=p_about,
                    cancelled=cancelled,
                    last_modified=updated,
                    kind="session",
                    id=sid,
                    program_id=program_id,
                    organizer=self.organizer(coach_id),
                )
            )
        return items

    def followups(self, where: Any) -> list[CalendarItem]:
        """Follow-ups matching ``where``, titled and zoned for the reader."""
        query = sa.select(*FOLLOWUP_COLUMNS).join(
            Participant, Participant.id == FollowUp.participant_id
        )
        reader = self.reader
        words = translator(reader.language)
        items = []
        for row in self._rows(query.where(where)):
            (fid, uid, revision, kind, status, start, minutes, topic, place, coach_id,
             program_id, updated, participant_id, p_name, p_tz) = row  # fmt: skip
            cancelled = status == FollowUpStatus.CANCELLED
            if not self._kept(cancelled, updated):
                continue
            if reader.kind == "coach":
                other, tz = p_name, reader.timezone
            else:
                coach = self.coach(coach_id)
                other = coach.name if coach else None
                tz = p_tz or self.settings.default_timezone
            items.append(
                CalendarItem(
                    uid=uid,
                    summary=_followup_title(words, kind, other, reader.kind),
                    start=start,
                    end=start + timedelta(minutes=minutes),
                    timezone=tz,
                    revision=revision,
                    location=place,
                    description=topic,
                    cancelled=cancelled,
                    last_modified=updated,
                    kind="followup",
                    id=fid,
                    program_id=program_id,
                    organizer=self.organizer(coach_id),
                    followup_kind=kind,
                    with_name=other,
                    participant_id=participant_id,
                )
            )
        return items

    def of_scope(self, scope: CalendarScope) -> list[CalendarItem]:
        """Everything ``scope``'s calendar holds, sorted by start then UID."""
        if scope.kind == "program":
            items = self.sessions(Session.program_id == scope.id)
        elif scope.kind == "participant":
            items = self.sessions(Session.program_id.in_(seated_program_ids(scope.id)))  # type: ignore[attr-defined]
            items += self.followups(FollowUp.participant_id == scope.id)
        elif scope.kind == "coach":
            coach = self.coaches.get(scope.id)
            if coach is None:
                raise NotFound(gettext("no coach #{id}").format(id=scope.id))
            mine_p = Program.coach_id == coach.id
            mine_f = FollowUp.coach_id == coach.id
            if coach.is_default:  # rows without a coach are the default coach's
                mine_p = sa.or_(mine_p, Program.coach_id.is_(None))  # type: ignore[union-attr]
                mine_f = sa.or_(mine_f, FollowUp.coach_id.is_(None))  # type: ignore[union-attr]
            items = self.sessions(mine_p) + self.followups(mine_f)
        else:
            raise NotFound(gettext("no calendar of kind {kind!r}").format(kind=scope.kind))
        return sorted(items, key=lambda i: (i.start, i.uid))


def scope_items(
    db: DbSession,
    scope: CalendarScope,
    *,
    keep_cancelled_since: datetime | None = None,
    settings: Settings | None = None,
) -> tuple[Reader, list[CalendarItem]]:
    """The reader of ``scope`` and its items (:class:`NotFound` when its owner is gone)."""
    settings = settings or settings_of(db)
    reader = reader_for(db, scope, settings)
    items = ItemReader(db, reader, settings, keep_cancelled_since).of_scope(scope)
    return reader, items


def session_item(db: DbSession, session_id: int, reader: Reader) -> CalendarItem | None:
    """One session as ``reader`` sees it (None when it does not exist)."""
    found = ItemReader(db, reader, settings_of(db)).sessions(Session.id == session_id)
    return found[0] if found else None


def followup_item(db: DbSession, followup_id: int, reader: Reader) -> CalendarItem | None:
    """One follow-up as ``reader`` sees it (None when it does not exist)."""
    found = ItemReader(db, reader, settings_of(db)).followups(FollowUp.id == followup_id)
    return found[0] if found else None


def upcoming(items: list[CalendarItem], now: datetime | None = None) -> list[CalendarItem]:
    """The items not over yet and not cancelled, in order (what a page lists as "next")."""
    now = now or datetime.now(UTC)
    return [i for i in items if i.end >= now and not i.cancelled]
