"""Turning an outbox row into the message one person receives.

The message is written at send time from the database as it is then, so it always carries
the current time and place (a calendar feed can lag by hours in Google Calendar). What a
session or a follow-up is called, when and where, comes from the core's calendar item
(``programs.api.session_item`` / ``followup_item``): the same title, time, zone and place as
the feed and the page, and the attached ``.ics`` holds the same VEVENT as the feed.

One template per message and kind of channel is shipped (``session.j2``,
``session.short.j2``...), its words from the catalog in the recipient's language through
Jinja2's i18n extension (``{{ _("Hello %(name)s,", name=recipient.greeting) }}``): a
participant's own language, else the coach's; the coach's messages in ``[reminders]
coach_language``. The first line rendered is the subject. The coach's own copies in
``<config dir>/templates/reminders/`` come first, by language as before
(``NAME.CHANNEL.LANG.j2``, ``NAME.short.LANG.j2``, ``NAME.LANG.j2``: a ``session.fr.j2``
written for an earlier version still wins), then the shipped ``NAME.CHANNEL.j2``,
``NAME.short.j2`` (for a channel that takes no attachments or has a length limit) and
``NAME.j2`` (:func:`template_names`). Dates and times read as in a sentence
(``programs.formats``: "le jeudi 3 décembre 2026 à 9 h"), phones as people dial them in the
coach's region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.alarms import item_alarms
from programs.plugins.reminders.rules import RuleBook, load_rulebook
from programs.plugins.reminders.settings import Settings
from programs.plugins.reminders.targets import Occasion

from programs import formats, i18n
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
    events_file,
    followup_item,
    greeting,
    list_tracks,
    participant_reader,
    seated_condition,
    session_item,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

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


def template_env(app: App, language: str = i18n.FALLBACK) -> jinja2.Environment:
    """The templates, the coach's copies first, speaking ``language`` (its catalog's words
    installed once: one environment per language and run)."""
    import jinja2

    env = jinja2.Environment(
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
        extensions=["jinja2.ext.i18n"],
    )
    t = i18n.translator(language)
    env.install_gettext_callables(t.gettext, t.ngettext, newstyle=True, pgettext=t.pgettext)  # type: ignore[attr-defined]
    return env


def template_exists(app: App, name: str) -> bool:
    """Whether a rule may name ``name``: shipped or the coach's, in one file for every
    language (``NAME.j2``) or one per language (``NAME.fr.j2``)."""
    import jinja2

    env = template_env(app)
    candidates = [f"{name}.j2", *(f"{name}.{lang}.j2" for lang in i18n.available())]
    try:
        env.select_template(candidates)
    except jinja2.TemplateNotFound:
        return False
    return True


def template_names(name: str, language: str, channel: str, *, short: bool) -> list[str]:
    """The files tried for a message, most specific first: the coach's copies per language,
    then the shipped ones, which speak every language."""
    lang = i18n.primary(language) or i18n.FALLBACK
    names = [f"{name}.{channel}.{lang}.j2"]
    if short:
        names.append(f"{name}.short.{lang}.j2")
    names += [f"{name}.{lang}.j2", f"{name}.{channel}.j2"]
    if short:
        names.append(f"{name}.short.j2")
    names.append(f"{name}.j2")
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
    phone: str | None  # E.164, for channels
    language: str  # the words' language, one with a catalog: fr, en
    timezone: str  # their zone: their own, else the default one
    locale: str = "fr"  # the tag for dates: en-GB writes "Sunday, 28 March 2027"
    greeting: str = ""  # what follows "Hello": the given name

    @property
    def reader(self) -> Reader:
        return Reader(self.kind, self.id, self.locale, self.timezone)

    def shown(self, region: str) -> dict[str, Any]:
        """What templates see of the person (a phone as people dial it in ``region``)."""
        return {
            "kind": self.kind,
            "name": self.name,
            "greeting": self.greeting or self.name,
            "email": self.email,
            "phone": formats.phone(self.phone, region),
            "language": self.language,
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
        self._envs: dict[str, jinja2.Environment] = {}
        self._templates: dict[tuple[str, ...], jinja2.Template] = {}
        self._when: dict[tuple[datetime, str, str], dict[str, str]] = {}
        self.region = app.settings.phone_region

    def env(self, language: str) -> jinja2.Environment:
        if language not in self._envs:
            self._envs[language] = template_env(self.app, language)
        return self._envs[language]

    def when(self, moment: datetime, tz_name: str, tag: str) -> dict[str, str]:
        """``{"date": "jeudi 3 décembre 2026", "time": "9 h"}`` as a sentence writes them,
        computed once per run for each time (many messages share one session's)."""
        key = (moment, tz_name, tag)
        if key not in self._when:
            self._when[key] = {
                "date": formats.day_long(moment, tz_name, tag),
                "time": formats.time_of_day(moment, tz_name, tag),
            }
        return self._when[key]

    @cached_property
    def rules(self) -> RuleBook:
        """The rules in force, for the alarms of attachments (read once per run)."""
        return load_rulebook(self.db, self.app.config, now=None)

    # --- people -------------------------------------------------------------------------

    def person(self, kind: str, person_id: int) -> Person | None:
        key = (kind, person_id)
        if key not in self._people:
            found: Person | None = None
            if kind == "participant":
                p = self.db.get(Participant, person_id)
                if p is not None:
                    reader = participant_reader(p, self.app.settings)
                    tag = reader.language  # theirs if the tool speaks it, else the coach's
                    found = Person(
                        kind,
                        person_id,
                        p.name,
                        p.email,
                        p.phone,
                        i18n.primary(tag) or i18n.FALLBACK,  # a language with a catalog
                        reader.timezone,
                        tag,
                        greeting(p),
                    )
            else:
                c = self.db.get(Coach, person_id)
                language = self.settings.coach_language
                if c is not None:
                    found = Person(
                        kind,
                        person_id,
                        c.name,
                        c.email,
                        c.phone,
                        language,
                        self.settings.default_timezone,
                        language,
                        c.name,
                    )
            self._people[key] = found
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
            return Skip(
                (
                    i18n.gettext("participant #{id} no longer exists")
                    if row.recipient_kind == "participant"
                    else i18n.gettext("coach #{id} no longer exists")
                ).format(id=row.recipient_id)
            )
        traits = channel_traits(channel)
        coach_id = target.coaches[0] if target.coaches else None
        if coach_id is None:
            coach_id = self._default_coach_id()
        coach = self.person("coach", coach_id) if coach_id else None
        context: dict[str, Any] = {
            "recipient": recipient.shown(self.region),
            "coach": coach.shown(self.region) if coach else None,
            "rule": {"name": row.rule},
        }
        attachments: tuple[Attachment, ...] = ()
        if target.kind in ("session", "followup"):
            item = self.item(target.kind, target.id, recipient.reader)
            if item is None:
                return Skip(
                    (
                        i18n.gettext("session #{id} no longer exists")
                        if target.kind == "session"
                        else i18n.gettext("follow-up #{id} no longer exists")
                    ).format(id=target.id)
                )
            context["item"] = self._item_context(item, recipient)
            # whom the follow-up is with (the coach's copy says whom she calls, and where)
            other = self.person("participant", item.participant_id) if item.participant_id else None
            context["participant"] = other.shown(self.region) if other else None
            if traits.takes_attachments:
                attachments = (self._attachment(item, recipient),)
        else:
            context["item"] = self._occasion_context(target, recipient)
            if target.kind == "program":
                people = self._without_followup(target)
                if not people:
                    return Skip(i18n.gettext("every participant has a follow-up planned"))
                context["participants"] = [p.shown(self.region) for p in people]
            elif target.kind == "week":
                tracks = self._stalled(row.recipient_id, recipient)
                if not tracks:
                    return Skip(i18n.gettext("no stalled track this week"))
                context["tracks"] = tracks
        names = template_names(
            self._template(row, target), recipient.language, row.channel, short=traits.short
        )
        return self._message(row, recipient, traits, names, context, attachments)

    def _template(self, row: Any, target: Occasion) -> str:
        rule = next((r for r in target.rules if r.name == row.rule), None)
        if rule is None:
            raise ComposeError(
                i18n.gettext("rule {name} is no longer in force").format(name=row.rule)
            )
        return rule.template

    def _message(
        self,
        row: Any,
        recipient: Any,
        traits: Any,
        names: list[str],
        context: dict[str, Any],
        attachments: Any,
    ) -> OutgoingMessage:
        """The message written for ``recipient`` from the first of ``names`` that exists,
        cut to the channel's length: every kind of message ends here, the same way."""
        subject, text = self._render(names, context, recipient.language)
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

    def _render(self, names: list[str], context: dict[str, Any], language: str) -> tuple[str, str]:
        import jinja2

        try:
            key = (language, *names)
            if key not in self._templates:  # found once per run: no file looked up per message
                self._templates[key] = self.env(language).select_template(names)
            template = self._templates[key]
            rendered = template.render(**context)
        except jinja2.TemplateNotFound:
            raise ComposeError(
                i18n.gettext("no template (looked for {names} in {folder} and the plugin)").format(
                    names=", ".join(names), folder=override_dir(self.app)
                )
            ) from None
        except jinja2.TemplateError as exc:
            raise ComposeError(
                i18n.gettext("template {name!r} is broken: {error}").format(
                    name=names[-1], error=exc
                )
            ) from None
        subject, _, body = rendered.partition("\n")
        # One line whatever the data held; the no-break spaces of French typography stay.
        subject = re.sub(r"[ \t\r\n\f\v\x1c-\x1f\x85\u2028\u2029]+", " ", subject).strip()
        return subject[:200], body.lstrip("\n")

    def _default_coach_id(self) -> int | None:
        coach = coach_of(self.db)  # the core's rule: a row without a coach is hers
        return coach.id if coach else None

    # --- notices and the coach's messages (notices.py) -------------------------------

    def compose_notice(
        self,
        row: Any,
        channel: Any = None,
        links: Sequence[Any] = (),
        *,
        draft: Any = None,
    ) -> OutgoingMessage | Skip:
        """A notice or a cohort message for ``row``'s participant; ``links``: their
        private links (``participant_links``), the page preferred to the feed; ``draft``:
        a cohort message not stored yet (``subject``, ``body``, ``template``: a preview)."""
        from programs.plugins.reminders.models import MESSAGES

        recipient = self.person(row.recipient_kind, row.recipient_id)
        if recipient is None:
            return Skip(
                i18n.gettext("participant #{id} no longer exists").format(id=row.recipient_id)
            )
        program = self.program(row.program_id)
        if program is None:
            return Skip(i18n.gettext("the program no longer exists"))
        traits = channel_traits(channel)
        coach_id = program.coach_id or self._default_coach_id()
        coach = self.person("coach", coach_id) if coach_id else None
        link = next((x.url for x in links if x.kind == "page"), None) or next(
            (x.url for x in links if x.kind == "feed"), None
        )
        sessions = self._program_items(program.id, recipient)  # type: ignore[arg-type]
        context: dict[str, Any] = {
            "recipient": recipient.shown(self.region),
            "coach": coach.shown(self.region) if coach else None,
            "rule": {"name": row.rule},
            "program": {
                "title": program.title,
                "slug": program.slug,
                "location": program.location,
                "timezone": program.timezone,
            },
            "sessions": [self._item_context(i, recipient) for i in sessions],
            "session": None,
            "link": link,
            "position": None,
            "message": None,
        }
        attachments: tuple[Attachment, ...] = ()
        if row.rule in ("session-moved", "session-cancelled") and row.session_id:
            item = self.item("session", row.session_id, recipient.reader)
            if item is None:
                gone = i18n.gettext("session #{id} no longer exists")
                return Skip(gone.format(id=row.session_id))
            context["session"] = self._item_context(item, recipient)
            if traits.takes_attachments:
                attachments = (self._attachment(item, recipient),)
        elif row.rule in ("confirmation", "promoted") and sessions and traits.takes_attachments:
            data = events_file(f"program-{program.id}-{recipient.id}@programs", sessions)
            attachments = (Attachment("sessions.ics", ICS_TYPE, data),)
        if row.rule == "waitlisted":
            context["position"] = self._position(program.id, recipient.id)  # type: ignore[arg-type]
        if row.rule == "message":
            found = self.db.execute(sa.select(MESSAGES).where(MESSAGES.c.id == row.target_id))
            message = draft if draft is not None else found.first()
            if message is None:
                return Skip(i18n.gettext("the message no longer exists"))
            body = message.body
            if message.template:
                body = self._render_source(message.body, context, recipient.language)
            context["message"] = {"subject": message.subject, "body": body}
        if row.rule in ("invite",) and link is None:
            return Skip(i18n.gettext("no private link to send (is the iCal plugin enabled?)"))
        names = template_names(row.rule, recipient.language, row.channel, short=traits.short)
        return self._message(row, recipient, traits, names, context, attachments)

    def _program_items(self, program_id: int, recipient: Person) -> list[CalendarItem]:
        """The program's sessions still ahead and not cancelled, as the reader sees them."""
        from programs.api import Session

        ids = self.db.execute(
            sa.select(Session.id)
            .where(
                Session.program_id == program_id,
                Session.status != SessionStatus.CANCELLED,
                Session.end >= self.now,  # type: ignore[operator]
            )
            .order_by(Session.start, Session.id)
        )
        items = [self.item("session", sid, recipient.reader) for (sid,) in ids]
        return [i for i in items if i is not None]

    def _position(self, program_id: int, participant_id: int) -> int | None:
        """Where the person stands on the waiting list (1 is next), first come first served."""
        from programs.api import Enrollment

        queue = self.db.execute(
            sa.select(Enrollment.participant_id)
            .where(
                Enrollment.program_id == program_id,
                Enrollment.status == "waitlisted",
            )
            .order_by(Enrollment.requested_at, Enrollment.id)
        )
        for n, (pid,) in enumerate(queue, start=1):
            if pid == participant_id:
                return n
        return None

    def _render_source(self, source: str, context: dict[str, Any], language: str) -> str:
        import jinja2

        try:
            return self.env(language).from_string(source).render(**context)
        except jinja2.TemplateError as exc:
            raise ComposeError(
                i18n.gettext("template {name!r} is broken: {error}").format(
                    name="message", error=exc
                )
            ) from None

    # --- what the templates see ---------------------------------------------------------

    def _item_context(self, item: CalendarItem, recipient: Person) -> dict[str, Any]:
        """A session or a follow-up, from the core's calendar item, in the item's zone; the
        reader's own time added when their zone differs (an in-person session is given in
        its venue's zone)."""
        locale = recipient.locale
        start = self.when(item.start, item.timezone, locale)
        end = self.when(item.end, item.timezone, locale)
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
            "reader_date": None,
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
            mine = self.when(item.start, recipient.timezone, locale)
            context["reader_date"] = None if mine["date"] == start["date"] else mine["date"]
            context["reader_time"] = mine["time"]
            context["reader_timezone"] = recipient.timezone
        return context

    def _session_moved(self, item: CalendarItem) -> bool:
        from programs.api import Session

        session = self.db.get(Session, item.id)
        return session is not None and session.status == SessionStatus.MOVED

    def _occasion_context(self, target: Occasion, recipient: Person) -> dict[str, Any]:
        """A program (first start, last end) or a week, in the recipient's zone."""
        tz = recipient.timezone if target.kind == "week" else str(target.tz.key)
        start = self.when(target.start, tz, recipient.locale)
        end = self.when(target.end, tz, recipient.locale)
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

    def _stalled(self, coach_id: int, recipient: Person) -> list[dict[str, Any]]:
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
                    "last_activity": self.when(
                        progress.last_activity, recipient.timezone, recipient.locale
                    )["date"],
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
