"""``programs participant``: people, found by id, email or an unambiguous part of a name.

The group's longer commands live beside it: ``import`` in :mod:`programs.cli.import_cmd`,
``export`` and ``erase`` in :mod:`programs.cli.privacy_cmd`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from programs.cli import import_cmd, privacy_cmd
from programs.cli.toolkit import (
    echo_fields,
    echo_json,
    echo_title,
    output_options,
    pass_app,
    render,
    wall_clock,
    when,
)

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.app import App
    from programs.models import Participant


def person_fields(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``add`` and ``edit`` share."""
    for decorator in reversed(
        (
            click.option("--email", help="Email address (unique per participant)."),
            click.option("--phone", help="Phone number; +country code for numbers abroad."),
            click.option("--org", "organisation", help="Organisation (employer...)."),
            click.option("--role", help='Role, e.g. "pre-sales support".'),
            click.option("--lang", "language", metavar="CODE", help="Language: fr, en, pt-BR..."),
            click.option("--tz", "timezone", metavar="ZONE", help="Time zone, if not the default."),
            click.option("--notes", help="Your private notes (never in feeds or messages)."),
        )
    ):
        f = decorator(f)
    return f


def tz_of(app: App, person: Participant) -> str:
    """A participant's time zone, else the core default: follow-ups are read and shown in it."""
    return person.timezone or app.settings.default_timezone


@click.group()
def participant() -> None:
    """People: add, import, list, show, edit, export, erase.

    PERSON is an id, an email or an unambiguous part of a name.

    \b
    Example:
      programs participant add "S. Martin" --email s.martin@example.com --role "pre-sales support"
      programs participant import people.csv --program marseille-2026
      programs participant show "S. Martin"
    """


participant.add_command(import_cmd.import_participants)
participant.add_command(privacy_cmd.export)
participant.add_command(privacy_cmd.erase)


@participant.command("add")
@click.argument("name")
@person_fields
@pass_app
def add(app: App, name: str, **fields: str | None) -> None:
    """Add a participant named NAME.

    \b
    Example:
      programs participant add "S. Martin" --email s.martin@example.com \\
          --phone "06 98 76 54 32" --org "Logiciel SA" --role "pre-sales support"
    """
    from programs.domain.participant import add_participant

    with app.write() as db:
        person = add_participant(db, name=name, **fields)
        click.echo(f"added participant #{person.id} {person.name}")


@participant.command("list")
@click.option("--program", "slug", metavar="SLUG", help="Only people in this program.")
@output_options
@pass_app
def list_people(app: App, slug: str | None, fmt: str) -> None:
    """List participants (all, or those of one program).

    \b
    Example:
      programs participant list
      programs participant list --program marseille-2026 --csv
    """
    from programs.domain.base import get_program
    from programs.domain.participant import list_participants

    with app.read() as db:
        program = get_program(db, slug) if slug else None
        rows = [
            {
                "id": p.id,
                "name": p.name,
                "email": p.email,
                "phone": p.phone,
                "organisation": p.organisation,
                "role": p.role,
                "language": p.language,
                "timezone": p.timezone,
            }
            for p in list_participants(db, program=program)
        ]
    render(rows, fmt, title="Participants", empty="No participant yet.")


def person_report(app: App, db: DbSession, person: Participant) -> dict[str, Any]:
    """What ``show`` prints, as one JSON-able object."""
    from programs.domain.enrollment import enrollments_of
    from programs.domain.followup import list_followups
    from programs.domain.track import list_tracks

    tz = tz_of(app, person)
    return {
        "id": person.id,
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "organisation": person.organisation,
        "role": person.role,
        "language": person.language,
        "timezone": tz,
        "notes": person.notes,
        "programs": [
            {"slug": p.slug, "title": p.title, "status": e.status}
            for e, p in enrollments_of(db, person)
        ],
        "followups": [
            {
                "id": f.id,
                "kind": f.kind,
                "status": f.status,
                "start": when(f.start, tz, "json"),
                "topic": f.topic,
                "outcome": f.outcome,
            }
            for f in list_followups(db, participant=person)
        ],
        "tracks": [
            {
                "id": t.track.id,
                "goal": t.track.goal,
                "status": t.track.status,
                "progress": str(t),
                "stalled": t.stalled,
            }
            for t in list_tracks(db, participant=person)
        ],
    }


@participant.command("show")
@click.argument("person")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def show(app: App, person: str, as_json: bool) -> None:
    """Show a participant: details, private notes, programs, follow-ups and tracks.

    \b
    Example:
      programs participant show "S. Martin"
      programs participant show s.martin@example.com --json
    """
    from programs.domain.participant import find_person

    with app.read() as db:
        report = person_report(app, db, find_person(db, person))
    if as_json:
        echo_json(report)
        return
    click.echo(click.style(f"#{report['id']} {report['name']}", bold=True))
    echo_fields(
        (key, report[key])
        for key in ("email", "phone", "organisation", "role", "language", "timezone", "notes")
    )
    tz = report["timezone"]
    for title, key, columns in (
        ("Programs", "programs", ["slug", "title", "status"]),
        ("Follow-ups", "followups", ["id", "kind", "status", f"start ({tz})", "topic", "outcome"]),
        ("Tracks", "tracks", ["id", "goal", "status", "progress", "stalled"]),
    ):
        if report[key]:
            echo_title(title)
            rows = [{**r, f"start ({tz})": wall_clock(r.get("start"))} for r in report[key]]
            render(rows, "table", columns=columns)


@participant.command("edit")
@click.argument("person")
@click.option("--name", help="New name.")
@person_fields
@pass_app
def edit(app: App, person: str, **fields: str | None) -> None:
    """Change a participant's details.

    \b
    Example:
      programs participant edit "S. Martin" --phone "+33 6 98 76 54 32" --notes "prefers mornings"
    """
    from programs.domain.participant import edit_participant, find_person

    if all(v is None for v in fields.values()):
        raise click.UsageError("give at least one field to change (see --help)")
    with app.write() as db:
        found = find_person(db, person)
        old = edit_participant(db, found, **fields)
        if not old:
            click.echo(f"#{found.id} {found.name}: nothing changed")
        for key, value in old.items():
            shown = "(changed)" if key == "notes" else f"{value!r} -> {getattr(found, key)!r}"
            click.echo(f"#{found.id} {found.name}: {key} {shown}")
