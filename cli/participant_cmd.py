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

from programs.i18n import N_, _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.app import App
    from programs.models import Participant


LABELS = {
    "name": N_("name"),
    "given_name": N_("given name"),
    "family_name": N_("family name"),
    "email": N_("email"),
    "phone": N_("phone"),
    "organisation": N_("organisation"),
    "role": N_("role"),
    "language": N_("language"),
    "timezone": N_("time zone"),
    "notes": N_("notes"),
}
"""How each field is named to people (tables, ``show``, what ``edit`` changed); JSON and CSV
keep the keys."""
ORDER = {key: n for n, key in enumerate(LABELS)}


def label(key: str) -> str:
    return _(LABELS[key]) if key in LABELS else key.replace("_", " ")


def shown_value(app: App, key: str, value: Any) -> str:
    """A field's value as people read it: a phone as they dial it, "(none)" for nothing."""
    if value is None or value == "":
        return _("(none)")
    if key == "phone":
        from programs.formats import phone

        return phone(value, app.settings.phone_region) or value
    return str(value)


def person_fields(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``add`` and ``edit`` share."""
    for decorator in reversed(
        (
            click.option("--given", "given_name", metavar="NAME", help="Given name (first name)."),
            click.option(
                "--family", "family_name", metavar="NAME", help="Family name (last name)."
            ),
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

    PERSON is an id, an email or an unambiguous part of a name. A full name is split into a
    given and a family name (particles such as "de La" go with the family name); --given
    and --family set or fix the two parts.

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
@click.argument("name", required=False)
@person_fields
@pass_app
def add(app: App, name: str | None, **fields: str | None) -> None:
    """Add a participant named NAME, or given --given and --family.

    NAME is the full name, split into its given and family names ("Jean de La Fontaine":
    Jean, de La Fontaine); --given and --family give the two parts instead.

    \b
    Example:
      programs participant add "S. Martin" --email s.martin@example.com \\
          --phone "06 98 76 54 32" --org "Logiciel SA" --role "pre-sales support"
      programs participant add --given "Jean" --family "de La Fontaine"
    """
    from programs.domain.participant import add_participant

    parts = fields["given_name"] is not None or fields["family_name"] is not None
    if name is not None and parts:
        raise click.UsageError(_("give NAME or --given and --family, not both"))
    if name is None and (fields["given_name"] is None or fields["family_name"] is None):
        raise click.UsageError(_("give the participant's NAME, or both --given and --family"))
    with app.write() as db:
        person = add_participant(db, name=name, **fields)
        click.echo(_("added participant #{id} {name}").format(id=person.id, name=person.name))


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
                "given_name": p.given_name,
                "family_name": p.family_name,
                "email": p.email,
                "phone": p.phone,
                "organisation": p.organisation,
                "role": p.role,
                "language": p.language,
                "timezone": p.timezone,
            }
            for p in list_participants(db, program=program)
        ]
    if fmt == "table":  # for people: the full name only, phones as dialled, words in their language
        columns = ("id", "name", "email", "phone", "organisation", "role", "language", "timezone")
        rows = [
            {
                label(k): shown_value(app, k, r[k]) if k == "phone" and r[k] else r[k]
                for k in columns
            }
            for r in rows
        ]
    render(rows, fmt, title=_("Participants"), empty=_("No participant yet."))


def person_report(app: App, db: DbSession, person: Participant) -> dict[str, Any]:
    """What ``show`` prints, as one JSON-able object."""
    from programs.domain.enrollment import enrollments_of
    from programs.domain.followup import list_followups
    from programs.domain.track import list_tracks

    tz = tz_of(app, person)
    return {
        "id": person.id,
        "name": person.name,
        "given_name": person.given_name,
        "family_name": person.family_name,
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
    keys = ("given_name", "family_name", "email", "phone", "organisation", "role", "language")
    echo_fields(
        (label(key), shown_value(app, key, report[key]) if report[key] else None)
        for key in (*keys, "timezone", "notes")
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
@click.option("--name", help="New full name (split again into given and family names).")
@person_fields
@pass_app
def edit(app: App, person: str, **fields: str | None) -> None:
    """Change a participant's details.

    --given and --family fix how the name is split (the full name follows); --name gives a
    new full name, split again.

    \b
    Example:
      programs participant edit "S. Martin" --phone "+33 6 98 76 54 32" --notes "prefers mornings"
      programs participant edit "Anne Dubois Martin" --given Anne --family "Dubois Martin"
    """
    from programs.domain.participant import edit_participant, find_person

    if all(v is None for v in fields.values()):
        raise click.UsageError(_("give at least one field to change (see --help)"))
    if fields["name"] is not None and (
        fields["given_name"] is not None or fields["family_name"] is not None
    ):
        raise click.UsageError(
            _("--name gives a new full name, --given and --family fix its parts: not both")
        )
    with app.write() as db:
        found = find_person(db, person)
        old = edit_participant(db, found, **fields)
        if not old:
            click.echo(_("#{id} {name}: nothing changed").format(id=found.id, name=found.name))
        for key, value in sorted(old.items(), key=lambda kv: ORDER.get(kv[0], len(ORDER))):
            if key == "notes":
                line = _("#{id} {name}: {field} (changed)")
            else:
                line = _("#{id} {name}: {field} {old} -> {new}")
            click.echo(
                line.format(
                    id=found.id,
                    name=found.name,
                    field=label(key),
                    old=shown_value(app, key, value),
                    new=shown_value(app, key, getattr(found, key)),
                )
            )
