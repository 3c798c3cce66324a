"""``programs session``: the meetings of a program, in the program's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click
from programs.cli import words
from programs.cli.toolkit import column, output_options, pass_app, render, span, when

from programs.i18n import gettext as _

if TYPE_CHECKING:
    from programs.app import App
    from programs.models import Program, Session


def _end(text: str, start: datetime, tz: str) -> datetime:
    """``--end`` is a time on the start's local date, or a full date-time."""
    from programs.times import parse_time, to_local

    return parse_time(text, tz, on_date=to_local(start, tz).date())


def _line(session: Session, program: Program) -> str:
    """``session #1 Jour 1 of marseille-2026: Thu 3 Dec 2026, 09:00–17:00 Europe/Paris at
    Marseille``, in the coach's language."""
    fields = {
        "id": session.id,
        "title": session.title,
        "slug": program.slug,
        "when": span(session.start, session.end, program.timezone),
        "zone": program.timezone,
        "place": session.location,
    }
    if session.title and session.location:
        text = _("session #{id} {title} of {slug}: {when} {zone} at {place}")
    elif session.title:
        text = _("session #{id} {title} of {slug}: {when} {zone}")
    elif session.location:
        text = _("session #{id} of {slug}: {when} {zone} at {place}")
    else:
        text = _("session #{id} of {slug}: {when} {zone}")
    return text.format(**fields)


@click.group()
def session() -> None:
    """Sessions of a program (day 1, day 2...): add, move, cancel, list.

    Times are read and shown in the program's time zone.

    \b
    Example:
      programs session add marseille-2026 --start "2026-12-03 09:00" --end 17:00 --title "Jour 1"
      programs session move 1 --start "2026-12-04 09:00"
      programs session list marseille-2026
    """


@session.command("add")
@click.argument("slug")
@click.option("--start", required=True, help='Local start, "YYYY-MM-DD HH:MM".')
@click.option(
    "--end", required=True, help='Local end: "HH:MM" on the same day, or a full date-time.'
)
@click.option("--title", help='e.g. "Jour 1".')
@click.option("--location", help="Place, if not the program's.")
@pass_app
def add(app: App, slug: str, start: str, end: str, title: str | None, location: str | None) -> None:
    """Add a session to the program SLUG.

    \b
    Example:
      programs session add marseille-2026 --start "2026-12-03 09:00" --end 17:00 --title "Jour 1"
    """
    from programs.domain.base import get_program
    from programs.domain.session import add_session
    from programs.times import parse_time

    with app.write() as db:
        program = get_program(db, slug)
        begins = parse_time(start, program.timezone)
        added = add_session(
            db,
            program=program,
            start=begins,
            end=_end(end, begins, program.timezone),
            title=title,
            location=location,
        )
        click.echo(_("added {session}").format(session=_line(added, program)))


@session.command("move")
@click.argument("session_id", metavar="ID")
@click.option("--start", help='New local start, "YYYY-MM-DD HH:MM" (the length is kept).')
@click.option("--end", help='New local end: "HH:MM" on the start\'s day, or a full date-time.')
@click.option("--location", help="New place.")
@pass_app
def move(
    app: App, session_id: str, start: str | None, end: str | None, location: str | None
) -> None:
    """Move a session to another time or place; it keeps its identity in calendars.

    \b
    Example:
      programs session move 2 --start "2027-01-14 09:00" --end 17:00
      programs session move 2 --location "Aix-en-Provence"
    """
    from programs.domain.base import program_of
    from programs.domain.session import get_session, move_session
    from programs.times import parse_time

    if start is None and end is None and location is None:
        raise click.UsageError(_("give at least one of --start, --end, --location"))
    with app.write() as db:
        moved = get_session(db, session_id)
        program = program_of(db, moved)
        tz = program.timezone
        begins = parse_time(start, tz) if start else None
        ends = _end(end, begins or moved.start, tz) if end else None
        previous = move_session(db, moved, start=begins, end=ends, location=location)
        if not previous:
            click.echo(_("session #{id}: nothing changed").format(id=moved.id))
        else:
            click.echo(
                _("moved {session} (revision {revision})").format(
                    session=_line(moved, program), revision=moved.revision
                )
            )


@session.command("cancel")
@click.argument("session_id", metavar="ID")
@pass_app
def cancel(app: App, session_id: str) -> None:
    """Cancel a session (it stays listed, marked cancelled, so calendars strike it through).

    \b
    Example:
      programs session cancel 2
    """
    from programs.domain.base import program_of
    from programs.domain.session import cancel_session, get_session

    with app.write() as db:
        cancelled = cancel_session(db, get_session(db, session_id))
        line = _line(cancelled, program_of(db, cancelled))
        click.echo(_("cancelled {session}").format(session=line))


@session.command("list")
@click.argument("slug")
@output_options
@pass_app
def list_sessions(app: App, slug: str, fmt: str) -> None:
    """List the sessions of a program, in its time zone.

    \b
    Example:
      programs session list marseille-2026
      programs session list marseille-2026 --csv
    """
    from programs.domain.base import get_program
    from programs.domain.session import list_sessions as sessions

    with app.read() as db:
        program = get_program(db, slug)
        tz = program.timezone
        shown = column("when", tz, fmt)
        rows = [
            {
                "id": s.id,
                "title": s.title,
                "start": when(s.start, tz, fmt),
                "end": when(s.end, tz, fmt),
                shown: span(s.start, s.end, tz),
                "location": s.location,
                "status": words.word("session", s.status, fmt),
                "revision": s.revision,
            }
            for s in sessions(db, program)
        ]
    times = [shown] if fmt == "table" else ["start", "end"]
    render(
        rows,
        fmt,
        title=_("Sessions of {slug} (times in {zone})").format(slug=slug, zone=tz),
        columns=["id", "title", *times, "location", "status", "revision"],
        empty=_("No session in {slug} yet.").format(slug=slug),
    )
