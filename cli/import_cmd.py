"""``programs participant import``: a CSV file in, all rows or none.

A progress bar (rich) shows on stderr only when stderr is a terminal, so pipes and logs
stay clean.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
from programs.cli.toolkit import pass_app

if TYPE_CHECKING:
    from programs.app import App


def _open(path: str) -> IO[str]:
    """The file, or stdin for '-', read as UTF-8 with any byte-order mark dropped (what
    spreadsheet programs write for "CSV UTF-8")."""
    if path == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:
            return sys.stdin
        return io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
    from programs.errors import InvalidInput

    try:
        return Path(path).open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None


def _rows(stream: IO[str], path: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The domain's CSV reader, with unreadable bytes and broken CSV as one-line errors."""
    import csv

    from programs.domain.csv_import import read_rows
    from programs.errors import InvalidInput

    try:
        yield from read_rows(stream)
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text; save it as CSV UTF-8") from None
    except csv.Error as exc:
        raise InvalidInput(f"{path} is not a readable CSV file: {exc}") from None


def _count_lines(path: str) -> int | None:
    if path == "-":
        return None
    with Path(path).open("rb") as f:
        return max(sum(1 for _ in f) - 1, 0)


@contextmanager
def _progress(path: str) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on a terminal's stderr; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("importing", total=_count_lines(path))
        yield lambda done: bar.update(task, completed=done)


@click.command("import")
@click.argument("path", metavar="FILE.csv")
@click.option("--program", "slug", metavar="SLUG", help="Also enroll everyone in this program.")
@pass_app
def import_participants(app: App, path: str, slug: str | None) -> None:
    """Import participants from a CSV file with a header line ('-' reads stdin).

    Columns: name (required), email, phone, organisation, role, language, timezone, notes.
    All rows or none: bad rows are listed with their line numbers and nothing is written.
    With --program, people are enrolled in file order; when it is full, the rest wait.

    \b
    Example:
      programs participant import people.csv --program marseille-2026
      cat people.csv | programs participant import -
    """
    from programs.domain.base import get_program
    from programs.domain.csv_import import import_participants as run_import

    stream = _open(path)
    try:
        with _progress(path) as progress, app.write() as db:
            program = get_program(db, slug) if slug else None
            result = run_import(db, _rows(stream, path), program=program, progress=progress)
    finally:
        if path == "-" and isinstance(stream, io.TextIOWrapper):
            stream.detach()  # leave stdin itself open
        elif path != "-":
            stream.close()
    click.echo(f"imported {result.created} participant(s)")
    if slug:
        waiting = f", {result.waitlisted} waitlisted" if result.waitlisted else ""
        click.echo(f"{slug}: {result.enrolled} enrolled{waiting}")
