"""``programs participant import``: a CSV or Excel file in, all rows or none.

A progress bar (rich) shows on stderr only when stderr is a terminal, so pipes and logs
stay clean. ``--dry-run`` runs the whole import in its transaction and rolls it back: what
it reports is exactly what the import would do, and nothing is written to the database.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
from programs.cli.toolkit import pass_app

from programs.i18n import _, ngettext

if TYPE_CHECKING:
    from programs.app import App
    from programs.domain.csv_import import ImportResult


class _DryRun(Exception):
    """Not an error: how a dry run leaves its transaction (rolled back), with its result."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


def _open(path: str) -> IO[bytes]:
    """The file as bytes, or stdin's for '-': its encoding is found from its bytes."""
    if path == "-":
        return getattr(sys.stdin, "buffer", None) or _encoded(sys.stdin)
    from programs.errors import InvalidInput

    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from None


def _encoded(stream: IO[str]) -> IO[bytes]:
    """A text stdin with no bytes under it (a test's): its text as UTF-8 bytes."""
    import io

    return io.BytesIO(stream.read().encode("utf-8"))


def _count_lines(path: str) -> int | None:
    if path == "-" or Path(path).suffix.lower() == ".xlsx":
        return None
    with Path(path).open("rb") as f:
        return max(sum(1 for _line in f) - 1, 0)


@contextmanager
def _progress(path: str) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on a terminal's stderr; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(_("importing"), total=_count_lines(path))
        yield lambda done: bar.update(task, completed=done)


@click.command("import")
@click.argument("path", metavar="FILE")
@click.option("--program", "slug", metavar="SLUG", help="Also enroll everyone in this program.")
@click.option(
    "--update", is_flag=True, help="Update people already known (same email) and add the others."
)
@click.option(
    "--skip-existing", is_flag=True, help="Add only the new people; leave known ones as they are."
)
@click.option(
    "--dry-run", is_flag=True, help="Say what the import would do; write nothing to the database."
)
@click.option(
    "--rejects",
    "rejects_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every bad row to FILE, with its reason, to fix and import again.",
)
@pass_app
def import_participants(
    app: App,
    path: str,
    slug: str | None,
    update: bool,
    skip_existing: bool,
    dry_run: bool,
    rejects_path: Path | None,
) -> None:
    """Import participants from a CSV or Excel (.xlsx) file with a header line ('-': stdin).

    Columns, in French or English, case and accents aside: name (nom), given name (prénom),
    family name (nom de famille), email (e-mail, courriel), phone (téléphone, portable),
    organisation (société, entreprise), role (fonction, poste), language (langue),
    timezone (fuseau), notes. "Nom" beside "Prénom" is the family name. CSV in UTF-8 or
    Windows-1252, separated by commas, semicolons or tabs, as spreadsheets save it.

    All rows or none: bad rows are listed with their line numbers and nothing is written;
    --rejects FILE writes them all back, with the reason, in the file's own format. Someone
    whose email is already known is a bad row, unless --update or --skip-existing.
    With --program, people are enrolled in file order; when it is full, the rest wait.

    \b
    Example:
      programs participant import people.csv --program marseille-2026
      programs participant import inscrits.xlsx --update --dry-run
      programs participant import people.csv --rejects to-fix.csv
      cat people.csv | programs participant import -
    """
    from programs.domain import rejects as rejects_file
    from programs.domain.base import get_program
    from programs.domain.csv_import import REFUSE, SKIP, UPDATE, ImportRejected
    from programs.domain.csv_import import import_participants as run_import
    from programs.domain.people_file import open_people

    if update and skip_existing:
        raise click.UsageError(_("--update and --skip-existing cannot be used together"))
    known = UPDATE if update else SKIP if skip_existing else REFUSE
    if rejects_path is not None:
        rejects_file.check_target(rejects_path)
    stream = _open(path)
    rejects = None
    try:
        people = open_people(stream, path)
        if rejects_path is not None:
            rejects = rejects_file.Rejects(rejects_path, people)
        with _progress(path) as progress, app.write() as db:
            program = get_program(db, slug) if slug else None
            result = run_import(
                db,
                people,
                program=program,
                progress=progress,
                known=known,
                rejected=rejects.add if rejects is not None else None,
            )
            if dry_run:
                raise _DryRun(result)
    except _DryRun as done:
        if rejects is not None:
            rejects.close()
        _report(done.result, slug, dry_run=True)
        return
    except ImportRejected as exc:
        if rejects is not None:
            rejects.close()
        if dry_run:
            _report(exc.result, slug, dry_run=True)
        raise _rejected(exc, rejects) from None
    except BaseException:
        if rejects is not None:  # the file could not be read to its end: no half a list
            rejects.discard()
        raise
    finally:
        if path != "-":
            stream.close()
    if rejects is not None:
        rejects.close()
    _report(result, slug, dry_run=False)


def _rejected(exc: Any, rejects: Any) -> Exception:
    """The error, with where every bad row is (or how to get them all)."""
    more = exc.total - len(exc.problems)
    if rejects is not None:
        exc.problems.append(
            ngettext(
                "the bad row is in {path}, with its reason: fix it there and import that file",
                "all {n} bad rows are in {path}, with their reasons: fix them there and "
                "import that file",
                exc.total,
            ).format(n=exc.total, path=rejects.path)
        )
    elif more:
        exc.problems.append(
            ngettext(
                "and {n} more: --rejects FILE writes every bad row to a file",
                "and {n} more: --rejects FILE writes every bad row to a file",
                more,
            ).format(n=more)
        )
    return exc  # type: ignore[no-any-return]


def _report(result: ImportResult, slug: str | None, *, dry_run: bool) -> None:
    """What the import did, or would do: one line a kind of change (the count of people
    imported always, the others when there are some)."""
    r = result
    if dry_run:
        click.echo(_("Dry run: nothing was written."))
        lines = [
            (True, r.created, ngettext(
                "would import {n} participant", "would import {n} participants", r.created
            )),
            (r.updated, r.updated, ngettext(
                "would update {n} known participant", "would update {n} known participants",
                r.updated,
            )),
            (r.skipped, r.skipped, ngettext(
                "would skip {n} known participant", "would skip {n} known participants",
                r.skipped,
            )),
        ]  # fmt: skip
    else:
        lines = [
            (True, r.created, ngettext(
                "imported {n} participant", "imported {n} participants", r.created
            )),
            (r.updated, r.updated, ngettext(
                "updated {n} known participant", "updated {n} known participants", r.updated
            )),
            (r.skipped, r.skipped, ngettext(
                "skipped {n} known participant", "skipped {n} known participants", r.skipped
            )),
        ]  # fmt: skip
    lines.append(
        (r.unchanged, r.unchanged, ngettext(
            "{n} known participant already up to date",
            "{n} known participants already up to date",
            r.unchanged,
        ))
    )  # fmt: skip
    if dry_run and r.bad:
        lines.append(
            (True, r.bad, ngettext(
                "{n} bad row: the import would be refused",
                "{n} bad rows: the import would be refused",
                r.bad,
            ))
        )  # fmt: skip
    for shown, n, text in lines:
        if shown:
            click.echo(text.format(n=n))
    if slug and not r.bad:
        _report_program(r, slug, dry_run=dry_run)


def _report_program(result: ImportResult, slug: str, *, dry_run: bool) -> None:
    enrolled, waiting = result.enrolled, result.waitlisted
    if dry_run:
        text = (
            _("{slug}: would enroll {enrolled}, {waiting} would wait")
            if waiting
            else _("{slug}: would enroll {enrolled}")
        )
    else:
        text = (
            _("{slug}: {enrolled} enrolled, {waiting} waitlisted")
            if waiting
            else _("{slug}: {enrolled} enrolled")
        )
    click.echo(text.format(slug=slug, enrolled=enrolled, waiting=waiting))
    if result.already_in:
        click.echo(
            ngettext(
                "{slug}: {n} already in the program",
                "{slug}: {n} already in the program",
                result.already_in,
            ).format(slug=slug, n=result.already_in)
        )
