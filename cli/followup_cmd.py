"""``programs followup``: individual calls and one-to-one sessions.

Times are read and shown in the participant's time zone (else ``[core] default_timezone``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from programs.cli import words
from programs.cli.toolkit import output_options, pass_app, render, when, zoned

from programs.i18n import gettext as _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.app import App
    from programs.models import FollowUp


def _tz(app: App, db: DbSession, followup: FollowUp) -> str:
    from programs.models import Participant

    person = db.get(Participant, followup.participant_id)
    return (person.timezone if person else None) or app.settings.default_timezone


def _line(app: App, db: DbSession, followup: FollowUp) -> str:
    """``call #1 with S. Martin about "small incident": Tue 8 Dec 2026, 18:30 Europe/Paris,
    20 min (planned)``, in the coach's language."""
    from programs.models import Participant

    person = db.get(Participant, followup.participant_id)
    tz = _tz(app, db, followup)
    fields = {
        "id": followup.id,
        "name": person.name if person else "?",
        "topic": followup.topic,
        "when": when(followup.start, tz, "table", with_zone=True),
        "minutes": followup.duration_minutes,
        "status": words.followup_status(followup.kind, followup.status),
    }
    call = followup.kind != "session"
    if followup.topic:
        text = (
            _('call #{id} with {name} about "{topic}": {when}, {minutes} min ({status})')
            if call
            else _('session #{id} with {name} about "{topic}": {when}, {minutes} min ({status})')
        )
    else:
        text = (
            _("call #{id} with {name}: {when}, {minutes} min ({status})")
            if call
            else _("session #{id} with {name}: {when}, {minutes} min ({status})")
        )
    return text.format(**fields)


@click.group()
def followup() -> None:
    """Individual follow-ups: phone calls and one-to-one sessions with a participant.

    \b
    Example:
      programs followup add "S. Martin" --kind call --at "2026-12-08 18:30" --duration 20m \\
          --program marseille-2026 --topic "small incident"
      programs followup done 1 --outcome "agreed on one individual session"
      programs followup list "S. Martin"
    """


@followup.command("add")
@click.argument("person")
@click.option(
    "--kind",
    type=click.Choice(["call", "session"]),
    required=True,
    help="A phone call or a one-to-one session.",
)
@click.option(
    "--at",
    "at",
    required=True,
    help='Local start, "YYYY-MM-DD HH:MM", in the participant\'s time zone.',
)
@click.option("--duration", default="45m", show_default=True, help="e.g. 20m, 1h, 1h30.")
@click.option("--program", "slug", metavar="SLUG", help="Part of this program's support.")
@click.option("--track", "track_id", metavar="ID", help="One of the sessions of this track.")
@click.option("--topic", help='What it is about, e.g. "prepare the meeting with management".')
@click.option("--location", help="Where (for a session), or how (phone, video link).")
@click.option(
    "--coach",
    "coach_ref",
    metavar="COACH",
    help="Whose it is, in a practice: a coach's id, email or name [the default coach].",
)
@pass_app
def add(
    app: App,
    person: str,
    kind: str,
    at: str,
    duration: str,
    slug: str | None,
    track_id: str | None,
    topic: str | None,
    location: str | None,
    coach_ref: str | None,
) -> None:
    """Plan a follow-up with PERSON.

    \b
    Example:
      programs followup add "S. Martin" --kind session --at "2026-12-15 10:00" --duration 1h30 \\
          --topic "prepare the meeting with management" --location "Marseille"
    """
    from programs.domain.base import get_program
    from programs.domain.coach import get_coach
    from programs.domain.followup import plan_followup
    from programs.domain.participant import find_person
    from programs.domain.track import get_track
    from programs.durations import parse_minutes
    from programs.times import parse_time

    minutes = parse_minutes(duration)
    with app.write() as db:
        found = find_person(db, person)
        tz = found.timezone or app.settings.default_timezone
        planned = plan_followup(
            db,
            participant=found,
            kind=kind,
            start=parse_time(at, tz),
            duration_minutes=minutes,
            topic=topic,
            location=location,
            program=get_program(db, slug) if slug else None,
            track=get_track(db, track_id) if track_id else None,
            coach=get_coach(db, coach_ref) if coach_ref else None,
        )
        click.echo(_("planned {followup}").format(followup=_line(app, db, planned)))


@followup.command("move")
@click.argument("followup_id", metavar="ID")
@click.option("--at", "at", help="New local start, in the participant's time zone.")
@click.option("--duration", help="New length, e.g. 30m, 1h.")
@click.option("--location", help="New place.")
@pass_app
def move(
    app: App, followup_id: str, at: str | None, duration: str | None, location: str | None
) -> None:
    """Move a planned follow-up (it keeps its identity in calendars).

    \b
    Example:
      programs followup move 3 --at "2026-12-16 10:00" --duration 1h
    """
    from programs.domain.followup import get_followup, move_followup
    from programs.durations import parse_minutes
    from programs.times import parse_time

    if at is None and duration is None and location is None:
        raise click.UsageError(_("give at least one of --at, --duration, --location"))
    minutes = parse_minutes(duration) if duration is not None else None
    with app.write() as db:
        found = get_followup(db, followup_id)
        start = parse_time(at, _tz(app, db, found)) if at else None
        previous = move_followup(
            db, found, start=start, duration_minutes=minutes, location=location
        )
        text = _("moved {followup}") if previous else _("nothing changed: {followup}")
        click.echo(text.format(followup=_line(app, db, found)))


@followup.command("done")
@click.argument("followup_id", metavar="ID")
@click.option("--outcome", help="How it went, in a sentence or two.")
@pass_app
def done(app: App, followup_id: str, outcome: str | None) -> None:
    """Record that a follow-up took place, with its outcome.

    \b
    Example:
      programs followup done 4 --outcome "I got what I expected, I put less pressure on the team"
    """
    from programs.domain.followup import complete_followup, get_followup

    with app.write() as db:
        found = complete_followup(db, get_followup(db, followup_id), outcome=outcome)
        click.echo(_("done: {followup}").format(followup=_line(app, db, found)))


@followup.command("cancel")
@click.argument("followup_id", metavar="ID")
@pass_app
def cancel(app: App, followup_id: str) -> None:
    """Cancel a planned follow-up.

    \b
    Example:
      programs followup cancel 5
    """
    from programs.domain.followup import cancel_followup, get_followup

    with app.write() as db:
        found = cancel_followup(db, get_followup(db, followup_id))
        click.echo(_("cancelled: {followup}").format(followup=_line(app, db, found)))


@followup.command("missed")
@click.argument("followup_id", metavar="ID")
@pass_app
def missed(app: App, followup_id: str) -> None:
    """Record that a planned follow-up did not happen (no show, no answer).

    \b
    Example:
      programs followup missed 5
    """
    from programs.domain.followup import get_followup, miss_followup

    with app.write() as db:
        found = miss_followup(db, get_followup(db, followup_id))
        click.echo(_("missed: {followup}").format(followup=_line(app, db, found)))


@followup.command("list")
@click.argument("person", required=False)
@click.option("--upcoming", is_flag=True, help="Only planned ones not yet started.")
@output_options
@pass_app
def list_followups(app: App, person: str | None, upcoming: bool, fmt: str) -> None:
    """List follow-ups (everyone's, or PERSON's), by start time.

    Times are in each participant's time zone, shown with it.

    \b
    Example:
      programs followup list
      programs followup list "S. Martin" --upcoming --json
    """
    from programs.domain.followup import list_followups as followups
    from programs.domain.participant import find_person
    from programs.models import Participant, Program

    default_tz = app.settings.default_timezone
    with app.read() as db:
        found = find_person(db, person) if person else None
        people: dict[int, Participant] = {}
        slugs: dict[int, str] = {}
        rows = []
        for f in followups(db, participant=found, upcoming=upcoming):
            if f.participant_id not in people:
                people[f.participant_id] = db.get(Participant, f.participant_id)  # type: ignore[assignment]
            who = people[f.participant_id]
            if f.program_id is not None and f.program_id not in slugs:
                slugs[f.program_id] = db.get(Program, f.program_id).slug  # type: ignore[union-attr]
            rows.append(
                {
                    "id": f.id,
                    "participant": who.name,
                    "kind": words.word("kind", f.kind, fmt),
                    "status": words.followup_status(f.kind, f.status, fmt),
                    "start": f.start,
                    "timezone": who.timezone or default_tz,
                    "minutes": f.duration_minutes,
                    "topic": f.topic,
                    "outcome": f.outcome,
                    "program": slugs.get(f.program_id) if f.program_id else None,  # type: ignore[arg-type]
                    "track": f.track_id,
                    "location": f.location,
                }
            )
    names = zoned(rows, ["start"], fmt)
    columns = None
    if fmt == "table":
        columns = [
            "id",
            "participant",
            "kind",
            "status",
            names["start"],
            "minutes",
            "topic",
            "outcome",
            "program",
            "track",
        ]
    render(rows, fmt, title=_("Follow-ups"), columns=columns, empty=_("No follow-up."))
