"""Listings: a table for people, ``--json`` and ``--csv`` for scripts.

Every listing command takes :func:`output_options` and hands its rows to :func:`render`;
rows are dicts, the same keys in every format.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def output_options(f: F) -> F:
    """Adds ``--json`` and ``--csv``; the command receives ``fmt`` ("table", "json", "csv")."""

    @click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of objects).")
    @click.option("--csv", "as_csv", is_flag=True, help="Print CSV with a header line.")
    @wraps(f)
    def wrapper(*args: Any, as_json: bool, as_csv: bool, **kwargs: Any) -> Any:
        if as_json and as_csv:
            raise click.UsageError("--json and --csv cannot be used together")
        fmt = "json" if as_json else "csv" if as_csv else "table"
        return f(*args, fmt=fmt, **kwargs)

    return wrapper  # type: ignore[return-value]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def render(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    *,
    title: str | None = None,
    empty: str = "Nothing to show.",
    columns: Sequence[str] | None = None,
) -> None:
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        click.echo(
            json.dumps(
                [{k: _plain(r.get(k)) for k in columns} for r in rows], indent=2, ensure_ascii=False
            )
        )
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r.get(k) is None else _plain(r.get(k)) for k in columns])
        return
    if not rows:
        click.echo(empty)
        return
    cells = [[column.replace("_", " ") for column in columns]] + [
        ["" if r.get(k) is None else str(_plain(r.get(k))) for k in columns] for r in rows
    ]
    if sys.stdout.isatty() and len(rows) <= RICH_MAX_ROWS:
        _rich_table(cells, title)
    else:
        _plain_table(cells, title)


RICH_MAX_ROWS = 300
"""Above this, or when stdout is not a terminal, tables are plain aligned text: rich lays out
1,000 rows in ~0.5 s, more than the whole rest of ``programs list`` (see bench/startup)."""


def _rich_table(cells: list[list[str]], title: str | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=False, title_justify="left")
    for i, column in enumerate(cells[0]):
        # the first column names the row (an id, a slug): never fold it, so it can be copied
        table.add_column(column, overflow="fold", no_wrap=i == 0)
    for row in cells[1:]:
        table.add_row(*(Text(c) for c in row))  # Text: a "[bold]" in a name is not markup
    Console(soft_wrap=False).print(table)


def _plain_table(cells: list[list[str]], title: str | None) -> None:
    """Columns padded to their widest cell, a rule under the header; multi-line cells are
    shown on one line (``\n`` becomes ``⏎``) so every row stays one line for grep."""
    cells = [[c.replace("\n", " ⏎ ") for c in row] for row in cells]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [title] if title else []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    click.echo("\n".join(lines))
