"""Turning an outbox row into the message one person receives.

The message is written at send time from the database as it is then, so it always carries
the current time and place (a calendar feed can lag by hours in Google Calendar). Templates
are Jinja2 files ``NAME.LANG.j2`` (French and English shipped, French the fallback), looked
for first in ``<config dir>/templates/reminders/``; their first line is the subject. Dates
are written with Babel for the recipient's language and time zone ("jeudi 3 décembre 2026
à 09:00"). Sessions and follow-ups come with an ``.ics`` of the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date, format_time
from programs.plugins.reminders.settings import LANGUAGES, Settings
from programs.plugins.reminders.targets import SEATED, Target

from programs.api import (
    Attachment,
    Coach,
    Enrollment,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    OutgoingMessage,
    Participant,
    Program,
    Session,
    SessionStatus,
    list_tracks,
    zone,
)

if TYPE_CHECKING:
    import jinja2
    from sqlmodel import Session as DbSession

    from programs.api import App

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"


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
    timezone: str | None
    locale: str = "fr"  # Babel's locale for dates: en_GB writes "Sunday 28 March 2027"


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
        self._ics: dict[tuple[Any, ...], bytes] = {}
        self._people: dict[tuple[str, int], Person | None] = {}
        self._programs: dict[int, Program | None] = {}

    @cached_property
    def env(self) -> jinja2.Environment:
        return template_env(self.app)

    # --- people -------------------------------------------------------------------------

    def person(self, kind: str, person_id: int) -> Person | None:
        key = (kind, person_id)
        if key not in self._people:
            if kind == "participant":
                p = self.db.get(Participant, person_id)
                if p is None:
                    self._people[key] = None
                else:
                    language, locale = languages(p.language)
                    self._people[key] = Person(
                        kind, person_id, p.name, p.email, p.phone, language, p.timezone, locale
                    )
            else:
                c = self.db.get(Coach, person_id)
                language = self.settings.coach_language
                self._people[key] = (
                    None
                    if c is None
                    else Person(kind, person_id, c.name, c.email, c.phone, language, None, language)
                )
        return self._people[key]

    def program(self, program_id: int | None) -> Program | None:
        if program_id is None:
            return None
        if program_id not in self._programs:
            self._programs[program_id] = self.db.get(Program, program_id)
        return self._programs[program_id]

    # --- the message --------------------------------------------------------------------

    def compose(self, row: Any, target: Target) -> OutgoingMessage | Skip:
        recipient = self.person(row.recipient_kind, row.recipient_id)
        if recipient is None:
            return Skip(f"{row.recipient_kind} #{row.recipient_id} no longer exists")
        tz_name = recipient.timezone or (
            str(target.tz.key)
            if row.recipient_kind == "participant" or target.kind in ("session", "program")
            else self.settings.default_timezone
        )
        tz = zone(tz_name)
        coach_id = target.coaches[0] if target.coaches else None
        if coach_id is None:
            coach_id = self._default_coach_id()
        coach = self.person("coach", coach_id) if coach_id else None
        context: dict[str, Any] = {
            "recipient": recipient,
            "coach": coach,
            "rule": {"name": row.rule},
            "item": self._item(target, recipient, tz, tz_name),
        }
        attachments: tuple[Attachment, ...] = ()
        if target.kind == "session":
            attachments = (self._session_ics(target, recipient, coach),)
        elif target.kind == "followup":
            attachments = (self._followup_ics(target, recipient, coach),)
        elif target.kind == "program":
            people = self._without_followup(target)
            if not people:
                return Skip("every participant has a follow-up planned")
            context["participants"] = people
        elif target.kind == "week":
            tracks = self._stalled(row.recipient_id, recipient.locale)
            if not tracks:
                return Skip("no stalled track this week")
            context["tracks"] = tracks
        subject, text = self._render(self._template(row, target), recipient.language, context)
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
        )

    def _template(self, row: Any, target: Target) -> str:
        rule = next((r for r in target.rules if r.name == row.rule), None)
        if rule is None:
            raise ComposeError(f"rule {row.rule} is no longer in force")
        return rule.template

    def _render(self, name: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
        import jinja2

        names = [f"{name}.{language}.j2", f"{name}.fr.j2"]
        try:
            template = self.env.select_template(names)
            rendered = template.render(**context)
        except jinja2.TemplateNotFound:
            raise ComposeError(
                f"no template {name!r} (looked for {' or '.join(names)} in "
                f"{override_dir(self.app)} and the plugin)"
            ) from None
        except jinja2.TemplateError as exc:
            raise ComposeError(f"template {name!r} is broken: {exc}") from None
        subject, _, body = rendered.partition("\n")
        subject = " ".join(subject.split())  # one line, whatever the data held
        return subject[:200], body.lstrip("\n")

    def _default_coach_id(self) -> int | None:
        row = self.db.execute(sa.select(Coach.id).where(Coach.is_default == sa.true())).first()
        return row[0] if row else None

    # --- what the templates see ---------------------------------------------------------

    def _item(
        self, target: Target, recipient: Person, tz: ZoneInfo, tz_name: str
    ) -> dict[str, Any]:
        lang = recipient.locale
        start, end = target.start.astimezone(tz), target.end.astimezone(tz)
        item: dict[str, Any] = {
            "kind": target.kind,
            "date": format_date(start, "full", locale=lang),
            "time": format_time(start, "short", locale=lang),
            "end_date": format_date(end, "full", locale=lang),
            "end_time": format_time(end, "short", locale=lang),
            "timezone": tz_name,
            "title": None,
            "program": None,
            "location": None,
            "moved": False,
            "topic": None,
            "call": False,
            "with_name": None,
        }
        program = self.program(target.program_id)
        if program is not None:
            item["program"] = program.title
            item["title"] = program.title
            item["location"] = program.location
        if target.kind == "session":
            session = self.db.get(Session, target.id)
            assert session is not None
            item["title"] = session.title or (program.title if program else "")
            item["location"] = session.location or item["location"]
            item["moved"] = session.status == SessionStatus.MOVED
        elif target.kind == "followup":
            followup = self.db.get(FollowUp, target.id)
            assert followup is not None
            person = self.person("participant", followup.participant_id)
            item["title"] = followup.topic or (person.name if person else "")
            item["location"] = followup.location
            item["topic"] = followup.topic
            item["call"] = followup.kind == FollowUpKind.CALL
            item["moved"] = followup.revision > 0
            item["with_name"] = person.name if person else None
        return item

    def _without_followup(self, target: Target) -> list[Person]:
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
        seated = self.db.execute(
            sa.select(Participant.id)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(Enrollment.program_id == target.id, Enrollment.status.in_(SEATED))  # type: ignore[attr-defined]
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

    # --- .ics attachments ---------------------------------------------------------------

    def _session_ics(self, target: Target, recipient: Person, coach: Person | None) -> Attachment:
        key = ("session", target.id, target.revision)
        if key not in self._ics:
            from programs.plugins.reminders.ics import event_ics

            session = self.db.get(Session, target.id)
            program = self.program(target.program_id)
            assert session is not None
            self._ics[key] = event_ics(
                uid=session.uid,
                sequence=session.revision,
                summary=session.title or (program.title if program else "Session"),
                start=session.start,
                end=session.end,
                tz=target.tz,
                location=session.location or (program.location if program else None),
                organizer=(coach.name, coach.email) if coach and coach.email else None,
                stamp=self.now,
                modified=session.updated_at,
            )
        return Attachment("session.ics", "text/calendar", self._ics[key])

    def _followup_ics(self, target: Target, recipient: Person, coach: Person | None) -> Attachment:
        key = ("followup", target.id, target.revision, recipient.kind)
        if key not in self._ics:
            from programs.plugins.reminders.ics import event_ics

            followup = self.db.get(FollowUp, target.id)
            assert followup is not None
            who = self.person("participant", followup.participant_id)
            other = (
                (who.name if who else "")
                if recipient.kind == "coach"
                else (coach.name if coach else "")
            )
            label = {
                "fr": {"call": "Appel", "session": "Séance"},
                "en": {"call": "Call", "session": "Session"},
            }[recipient.language]
            summary = f"{label[followup.kind]} — {other}".strip(" —")
            self._ics[key] = event_ics(
                uid=followup.uid,
                sequence=followup.revision,
                summary=summary,
                start=target.start,
                end=target.end,
                tz=target.tz,
                location=followup.location,
                description=followup.topic,
                organizer=(coach.name, coach.email) if coach and coach.email else None,
                stamp=self.now,
                modified=followup.updated_at,
            )
        return Attachment("followup.ics", "text/calendar", self._ics[key])
