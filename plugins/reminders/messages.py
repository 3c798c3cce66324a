"""Turning an outbox row into the message one person receives.

The message is written at send time from the database as it is then, so it always carries
the current time and place (a calendar feed can lag by hours in Google Calendar). What a
session or a follow-up is called, when and where, comes from the core's calendar item
(``programs.api.session_item`` / ``followup_item``): the same title, time, zone and place as
the feed and the page, and the attached ``.ics`` holds the same VEVENT as the feed.

Templates are Jinja2 files ``NAME.LANG.j2`` (French and English shipped, French the
fallback), looked for first in ``<config dir>/templates/reminders/``; their first line is the
subject. A channel's own variant (``NAME.CHANNEL.LANG.j2``, e.g. ``session.sms.fr.j2``) is
tried first, then, for a channel that takes no attachments or has a length limit, the short
built-in variant (``NAME.short.LANG.j2``). Dates are written with Babel for the recipient's
language ("jeudi 3 décembre 2026 à 09:00").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from babel.dates import format_date, format_time
from programs.plugins.reminders.alarms import item_alarms
from programs.plugins.reminders.rules import RuleBook, load_rulebook
from programs.plugins.reminders.settings import LANGUAGES, Settings
from programs.plugins.reminders.targets import Occasion

from programs.api import (
    Attachment,
    CalendarItem,
    Coach,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    OutgoingMessage,
    Participant,
    Program,
    Reader,
    SessionStatus,
    channel_traits,
    coach_of,
    event_file,
    followup_item,
    list_tracks,
    seated_condition,
    session_item,
    zone,
)

if TYPE_CHECKING:
    import jinja2
    from sqlmodel import Session as DbSession

    from programs.api import App

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
ICS_TYPE = "text/calendar; method=PUBLISH; charset=utf-8"


class ComposeError(Exception):
    """The message cannot be written (a template is missing or broken): not retried."""


@dataclass(frozen=True)
class Skip:
    """Nothing worth sending (no stalled track this week...): the row is skipped."""

    reason: str


def override_dir(app: App) -> Path:
    return app.config.directory / "templates" / "reminders"


def template_env(app: App) -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(override_dir(app))),
                jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES)),
            ]
        ),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text, not HTML
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def template_exists(app: App, name: str) -> bool:
    import jinja2

    try:
        template_env(app).get_template(f"{name}.fr.j2")
    except jinja2.TemplateNotFound:
        return False
    return True


def template_names(name: str, language: str, channel: str, *, short: bool) -> list[str]:
    """The files tried for a message, most specific first."""
    names = [f"{name}.{channel}.{language}.j2"]
    if short:
        names.append(f"{name}.short.{language}.j2")
    names.append(f"{name}.{language}.j2")
    if language != "fr":
        names += [f"{name}.{channel}.fr.j2"] + ([f"{name}.short.fr.j2"] if short else [])
        names.append(f"{name}.fr.j2")
    return names


def message_key(instance: str, row: Any) -> str:
    """The outbox key, prefixed by this database's instance id: unique across databases."""
    return (
        f"{instance}/{row.rule}/{row.target_kind}-{row.target_id}/r{row.revision}/"
        f"{row.recipient_kind}-{row.recipient_id}/{row.channel}"
    )


@dataclass(frozen=True)
class Person:
    kind: str
    id: int
    name: str
    email: str | None
    phone: str | None
    language: str  # the templates' language: fr or en
    timezone: str  # their zone: their own, else the default one
    locale: str = "fr"  # Babel's locale for dates: en_GB writes "Sunday 28 March 2027"

    @property
    def reader(self) -> Reader:
        return Reader(self.kind, self.id, self.language, self.timezone)


def languages(tag: str | None) -> tuple[str, str]:
    """``(template language, Babel locale)`` for a language tag: ``en-GB`` gives
    ``("en", "en_GB")``; a language without templates (``pt-BR``) falls back to French,
    dates included, so that the words around the dates match them."""
    from babel import Locale, UnknownLocaleError

    text = (tag or "fr").replace("-", "_")
    primary = text.split("_", 1)[0].lower()
    if primary not in LANGUAGES:
        return "fr", "fr"
    try:
        Locale.parse(text)
    except (ValueError, UnknownLocaleError):
        return primary, primary
    return primary, text


def when(moment: datetime, tz_name: str, locale: str) -> dict[str, str]:
    local = moment.astimezone(zone(tz_name))
    return {
        "date": format_date(local, "full", locale=locale),
        "time": format_time(local, "short", locale=locale),
    }


class Composer:
    """Writes messages for one send run; caches what many messages share."""

    def __init__(
        self, app: App, db: DbSession, settings: Settings, *, now: datetime, instance: str
    ) -> None:
        self.app = app
        self.db = db
        self.settings = settings
        self.now = now
        self.instance = instance
        self._people: dict[tuple[str, int], Person | None] = {}
        self._programs: dict[int, Program | None] = {}
        self._items: dict[tuple[str, int, Reader], CalendarItem | None] = {}

    @cached_property
    def env(self) -> jinja2.Environment:
        return template_env(self.app)

    @cached_property
    def rules(self) -> RuleBook:
        """The rules in force, for the alarms of attachments (read once per run)."""
        return load_rulebook(self.db, self.app.config, now=None)

    # --- people -------------------------------------------------------------------------

    def person(self, kind: str, person_id: int) -> Person | None:
        key = (kind, person_id)
        if key not in self._people:
            default_tz = self.settings.default_timezone
            if kind == "participant":
                p = self.db.get(Participant, person_id)
                if p is None:
                    self._people[key] = None
                else:
                    language, locale = languages(p.language)
                    self._people[key] = Person(
                        kind,
                        person_id,
                        p.name,
                        p.email,
                        p.phone,
                        language,
                        p.timezone or default_tz,
                        locale,
                    )
            else:
                c = self.db.get(Coach, person_id)
                language = self.settings.coach_language
                self._people[key] = (
                    None
                    if c is None
                    else Person(
                        kind, person_id, c.name, c.email, c.phone, language, default_tz, language
                    )
                )
        return self._people[key]

    def program(self, program_id: int | None) -> Program | None:
        if program_id is None:
            return None
        if program_id not in self._programs:
            self._programs[program_id] = self.db.get(Program, program_id)
        return self._programs[program_id]

    def item(self, kind: str, item_id: int, reader: Reader) -> CalendarItem | None:
        key = (kind, item_id, reader)
        if key not in self._items:
            read = session_item if kind == "session" else followup_item
            self._items[key] = read(self.db, item_id, reader)
        return self._items[key]

    # --- the message --------------------------------------------------------------------

    def compose(self, row: Any, target: Occasion, channel: Any = None) -> OutgoingMessage | Skip:
        recipient = self.person(row.recipient_kind, row.recipient_id)
        if recipient is None:
            return Skip(f"{row.recipient_kind} #{row.recipient_id} no longer exists")
        traits = channel_traits(channel)
        coach_id = target.coaches[0] if target.coaches else None
        if coach_id is None:
            coach_id = self._default_coach_id()
        coach = self.person("coach", coach_id) if coach_id else None
        context: dict[str, Any] = {
            "recipient": recipient,
            "coach": coach,
            "rule": {"name": row.rule},
        }
        attachments: tuple[Attachment, ...] = ()
        if target.kind in ("session", "followup"):
            item = self.item(target.kind, target.id, recipient.reader)
            if item is None:
                return Skip(f"{target.kind} #{target.id} no longer exists")
            context["item"] = self._item_context(item, recipient)
            if traits.takes_attachments:
                attachments = (self._attachment(item, recipient),)
        else:
            context["item"] = self._occasion_context(target, recipient)
            if target.kind == "program":
                people = self._without_followup(target)
                if not people:
                    return Skip("every participant has a follow-up planned")
                context["participants"] = people
            elif target.kind == "week":
                tracks = self._stalled(row.recipient_id, recipient.locale)
                if not tracks:
                    return Skip("no stalled track this week")
                context["tracks"] = tracks
        names = template_names(
            self._template(row, target), recipient.language, row.channel, short=traits.short
        )
        subject, text = self._render(names, context)
        if traits.max_length is not None and len(text) > traits.max_length:
            text = text[: traits.max_length - 1].rstrip() + "…"
        return OutgoingMessage(
            key=message_key(self.instance, row),
            to_name=recipient.name,
            to_email=recipient.email,
            to_phone=recipient.phone,
            subject=subject,
            text=text,
            language=recipient.language,
            attachments=attachments,
            headers={"Auto-Submitted": "auto-generated"},
            recipient_kind=recipient.kind,
            recipient_id=recipient.id,
            now=self.now,
        )

    def _template(self, row: Any, target: Occasion) -> str:
        rule = next((r for r in target.rules if r.name == row.rule), None)
        if rule is None:
            raise ComposeError(f"rule {row.rule} is no longer in force")
        return rule.template

    def _render(self, names: list[str], context: dict[str, Any]) -> tuple[str, str]:
        import jinja2

        try:
            template = self.env.select_template(names)
            rendered = template.render(**context)
        except jinja2.TemplateNotFound:
            raise ComposeError(
                f"no template (looked for {' or '.join(names)} in "
                f"{override_dir(self.app)} and the plugin)"
            ) from None
        except jinja2.TemplateError as exc:
            raise ComposeError(f"template {names[-1]!r} is broken: {exc}") from None
        subject, _, body = rendered.partition("\n")
        subject = " ".join(subject.split())  # one line, whatever the data held
        return subject[:200], body.lstrip("\n")

    def _default_coach_id(self) -> int | None:
        coach = coach_of(self.db)  # the core's rule: a row without a coach is hers
        return coach.id if coach else None

    # --- what the templates see ---------------------------------------------------------

    def _item_context(self, item: CalendarItem, recipient: Person) -> dict[str, Any]:
        """A session or a follow-up, from the core's calendar item, in the item's zone; the
        reader's own time added when their zone differs (an in-person session is given in
        its venue's zone)."""
        locale = recipient.locale
        start, end = when(item.start, item.timezone, locale), when(item.end, item.timezone, locale)
        program = self.program(item.program_id)
        context: dict[str, Any] = {
            "kind": item.kind,
            "title": item.summary,
            "date": start["date"],
            "time": start["time"],
            "end_date": end["date"],
            "end_time": end["time"],
            "timezone": item.timezone,
            "reader_timezone": None,
            "reader_time": None,
            "program": program.title if program else None,
            "location": item.location,
            "moved": item.revision > 0 and not item.cancelled,
            "topic": item.description if item.kind == "followup" else None,
            "call": item.followup_kind == FollowUpKind.CALL,
            "with_name": item.with_name,
        }
        if item.kind == "session":
            context["moved"] = self._session_moved(item)
        if recipient.timezone != item.timezone:
            mine = when(item.start, recipient.timezone, locale)
            same_day = mine["date"] == start["date"]
            context["reader_time"] = mine["time"] if same_day else f"{mine['date']} {mine['time']}"
            context["reader_timezone"] = recipient.timezone
        return context

    def _session_moved(self, item: CalendarItem) -> bool:
        from programs.api import Session

        session = self.db.get(Session, item.id)
        return session is not None and session.status == SessionStatus.MOVED

    def _occasion_context(self, target: Occasion, recipient: Person) -> dict[str, Any]:
        """A program (first start, last end) or a week, in the recipient's zone."""
        tz = recipient.timezone if target.kind == "week" else str(target.tz.key)
        start = when(target.start, tz, recipient.locale)
        end = when(target.end, tz, recipient.locale)
        program = self.program(target.program_id if target.kind != "program" else target.id)
        return {
            "kind": target.kind,
            "title": program.title if program else None,
            "program": program.title if program else None,
            "slug": program.slug if program else None,
            "date": start["date"],
            "time": start["time"],
            "end_date": end["date"],
            "end_time": end["time"],
            "timezone": tz,
        }

    def _without_followup(self, target: Occasion) -> list[Person]:
        """Seated participants of the program with no follow-up planned from now on."""
        planned = {
            pid
            for (pid,) in self.db.execute(
                sa.select(FollowUp.participant_id)
                .where(
                    FollowUp.status == FollowUpStatus.PLANNED,
                    FollowUp.start >= self.now,  # type: ignore[operator]
                )
                .distinct()
            )
        }
        from programs.api import Enrollment

        seated = self.db.execute(
            sa.select(Participant.id)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(seated_condition(program_id=target.id))
            .order_by(Participant.name)
        )
        people = [self.person("participant", pid) for (pid,) in seated if pid not in planned]
        return [p for p in people if p is not None]

    def _stalled(self, coach_id: int, language: str) -> list[dict[str, Any]]:
        default = self._default_coach_id()
        out = []
        for progress in list_tracks(self.db, stalled_only=True, now=self.now):
            owner = progress.track.coach_id or default
            if owner != coach_id:
                continue
            out.append(
                {
                    "participant": progress.participant.name,
                    "goal": progress.track.goal,
                    "done": progress.done,
                    "planned": progress.track.planned_sessions,
                    "last_activity": format_date(progress.last_activity, "long", locale=language),
                }
            )
        return out

    # --- the .ics attachment ------------------------------------------------------------

    def _attachment(self, item: CalendarItem, recipient: Person) -> Attachment:
        """The item's own VEVENT (the one its reader's feed holds, alarms included)."""
        alarms = item_alarms(
            self.rules,
            item,
            for_coach=recipient.kind == "coach",
            language=recipient.language,
        )
        data = event_file(
            item, [(int(a.before.total_seconds()), str(a.description)) for a in alarms]
        )
        return Attachment(f"{item.kind}.ics", ICS_TYPE, data)
