"""``participant export`` and ``participant erase``: a person's data, on their request."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from programs.cli.toolkit import confirm, pass_app

from programs.i18n import gettext as _

if TYPE_CHECKING:
    from programs.app import App


def write_export(target: Path, fmt: Any, data: dict[str, Any]) -> None:
    """The export, written as every file for the coach is (600, atomically: a failing
    format never leaves half a file under the final name)."""
    import io

    from programs.api import write_private_file

    def writing(stream: Any) -> None:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        fmt.write(data, text)
        text.flush()
        text.detach()

    write_private_file(target, writing)


@click.command()
@click.argument("person")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@click.option(
    "--format",
    "format_name",
    default="json",
    show_default=True,
    help="An export format (plugins may add more).",
)
@pass_app
def export(app: App, person: str, output: Path | None, format_name: str) -> None:
    """Export everything held about PERSON (to stdout, or to FILE with -o).

    Includes private notes and each plugin's data: hand it to the person who asked.

    \b
    Example:
      programs participant export "S. Martin" -o s-martin.json
      programs participant export s.martin@example.com --format json
    """
    from programs.domain.participant import find_person
    from programs.domain.privacy import export_participant

    fmt = app.registry.get("export_format", format_name)
    with app.read() as db:
        data = export_participant(db, find_person(db, person))
    if output is None:
        fmt.write(data, sys.stdout)
        return
    write_export(output, fmt, data)
    click.echo(_("exported {name} to {path}").format(name=data["participant"]["name"], path=output))
    click.echo(data["on_erasure"]["why"])


@click.command()
@click.argument("person")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--force",
    is_flag=True,
    help="Erase even though a plugin that may hold data about people is installed but "
    "disabled (its rows about the person still go, by foreign key).",
)
@pass_app
def erase(app: App, person: str, yes: bool, force: bool) -> None:
    """Erase PERSON and everything about them (enrollments, attendance, follow-ups, tracks,
    plugins' data); their seats go to people waiting. This cannot be undone.

    With [core] retention_years set, a pseudonymous record (a random key, nothing of the
    person) keeps the attendance of the programs they attended until the retention ends,
    as funders audit; `programs purge` deletes it then.

    \b
    Example:
      programs participant export "S. Martin" -o s-martin.json
      programs participant erase "S. Martin"
      programs participant erase 12 --yes
    """
    from programs.domain.participant import find_person
    from programs.domain.privacy import erase_participant
    from programs.errors import RuleViolation
    from programs.i18n import ngettext
    from programs.models import Participant

    with app.read() as db:
        found = find_person(db, person)
        pid, name = found.id, found.name
    dormant = app.dormant_plugins()
    if dormant and not force:
        raise RuleViolation(
            ngettext(
                "plugin {plugins} is installed but disabled and may hold data about {name}: "
                "enable it, or erase with --force (its rows about {name} still go)",
                "plugins {plugins} are installed but disabled and may hold data about {name}: "
                "enable them, or erase with --force (their rows about {name} still go)",
                len(dormant),
            ).format(plugins=", ".join(dormant), name=name)
        )
    if not yes:
        confirm(
            _("Erase {name} (#{id}) and everything about them? This cannot be undone").format(
                name=name, id=pid
            ),
            abort=True,
        )
    with app.write() as db:
        found = find_person(db, str(pid))
        if found.name != name:  # changed while we asked
            raise RuleViolation(
                _("participant #{id} changed meanwhile; run the command again").format(id=pid)
            )
        key = erase_participant(db, found)
        record = db.get(Participant, pid) if key else None
    app.checkpoint()  # nothing of them left in the write-ahead log either
    click.echo(_("erased {name} (#{id})").format(name=name, id=pid))
    if record is not None and record.retained_until is not None:
        click.echo(
            _(
                "kept until {until} as pseudonymous record {key}: their attendance, the proof "
                "funders audit ([core] retention_years = {years}); `programs purge` deletes it then"
            ).format(
                until=record.retained_until.date().isoformat(),
                key=key,
                years=app.settings.retention_years,
            )
        )


@click.command()
@pass_app
def purge(app: App) -> None:
    """Delete the pseudonymous records whose retention has ended ([core] retention_years).

    Safe to run again and from cron: what is gone is not counted twice.

    \b
    Example:
      programs purge
    """
    from programs.domain.retention import purge as purge_expired

    with app.write() as db:
        gone = purge_expired(db)
    app.checkpoint()
    if gone:
        from programs.i18n import ngettext

        click.echo(
            ngettext(
                "purged {n} pseudonymous record past its retention",
                "purged {n} pseudonymous records past their retention",
                len(gone),
            ).format(n=len(gone))
        )
    else:
        click.echo(_("nothing to purge"))
