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
        erase_participant(db, found)
    app.checkpoint()  # nothing of them left in the write-ahead log either
    click.echo(_("erased {name} (#{id})").format(name=name, id=pid))
