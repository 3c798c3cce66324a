"""``participant export`` and ``participant erase``: a person's data, on their request."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from programs.cli.toolkit import confirm, pass_app

from programs.i18n import gettext as _

if TYPE_CHECKING:
    from programs.app import App


def write_atomically(target: Path, fmt: Any, data: dict[str, Any]) -> None:
    """Write to a temporary file beside ``target``, then rename it: a crash or a failing
    format never leaves a half-written export under the final name."""
    from programs.errors import InvalidInput

    target = target.expanduser()
    folder = target.parent.resolve()
    if not folder.is_dir():
        raise InvalidInput(_("folder {folder} does not exist").format(folder=folder))
    if target.is_dir():
        raise InvalidInput(_("{target} is a folder; give a file name").format(target=target))
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=folder)
    except OSError as exc:
        raise InvalidInput(
            _("cannot write in {folder}: {reason}").format(
                folder=folder, reason=exc.strerror or exc
            )
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            fmt.write(data, stream)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


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
    write_atomically(output, fmt, data)
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
