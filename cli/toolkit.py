"""The CLI toolkit: what every command that lists or shows uses, the core's and plugins' alike.

Public and documented (docs/plugins.md, "Commands"): a plugin's commands import this module,
``programs.api`` and ``programs.hookspecs``, nothing else of programs. What it gives:

- :func:`pass_app`: the command receives the :class:`programs.api.App` as first argument
  (started for a plugin's command: its settings were checked before it runs);
- :func:`output_options`: ``--json`` and ``--csv`` on a listing; the command gets ``fmt``;
- :func:`render`: rows (dicts, the same keys in every format) as a table for people, JSON
  (a list of objects) or CSV for scripts. On a terminal the table is rich's, fitted to the
  width, and never splits a word: text wraps at spaces and a word too long for its column is
  cut with "…". In a pipe it is plain aligned text, no box characters, one line per row;
- :func:`echo_json` (one object, for ``show --json``), :func:`echo_fields` (aligned
  ``label: value`` lines) and :func:`echo_title`;
- times: :func:`when` (local ``2026-12-03 09:00`` in a table, ISO 8601 with the offset in
  JSON and CSV), :func:`zoned` (rows in several zones: the zone goes in the header when all
  rows share it), :func:`span`, :func:`column`.

CSV written for people is safe to open in a spreadsheet: a cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP "CSV
injection"), phone numbers included; JSON stays exact.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import update_wrapper, wraps
from typing import Any, TypeVar

import click
from programs.cli.context import State

from programs.times import format_local, to_local

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "column",
    "csv_cell",
    "echo_fields",
    "echo_json",
    "echo_title",
    "output_options",
    "pass_app",
    "plain",
    "render",
    "span",
    "when",
    "write_csv",
    "zoned",
]


def pass_app(f: F) -> F:
    """Give the command the :class:`programs.api.App` as its first argument."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        state = ctx.find_object(State)
        if state is None:  # a plugin group invoked on its own in a test
            state = ctx.ensure_object(State)
        return ctx.invoke(f, state.app, *args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


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

    wrapper.__programs_listing__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def plain(value: Any) -> Any:
    """A value as JSON holds it: datetimes in ISO 8601, the rest as they are or as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell for a spreadsheet: blank for None, ``true``/``false``, and a
    leading ``'`` on anything a spreadsheet would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(plain(value))
    return "'" + text if text.startswith(_FORMULA) else text


def write_csv(stream: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Header and rows, every cell through :func:`csv_cell`; lines end in CRLF (RFC 4180),
    which also makes the writer quote a cell holding a lone CR or LF."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])


def _cell(value: Any) -> str:
    """A value in a table for people: no Python spellings (``None``, ``True``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(plain(value))


def render(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    *,
    title: str | None = None,
    empty: str = "Nothing to show.",
    columns: Sequence[str] | None = None,
) -> None:
    """Rows as a table, JSON or CSV; ``columns`` picks and orders the keys (all by default)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        click.echo(
            json.dumps(
                [{k: plain(r.get(k)) for k in columns} for r in rows], indent=2, ensure_ascii=False
            )
        )
        return
    if fmt == "csv":
        write_csv(sys.stdout, columns, ([r.get(k) for k in columns] for r in rows))
        return
    if not rows:
        click.echo(empty)
        return
    cells = [[column.replace("_", " ") for column in columns]] + [
        [_cell(r.get(k)) for k in columns] for r in rows
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
        # The first column names the row (an id, a slug): never wrapped, so it can be
        # copied. Others wrap at spaces; a word longer than its column is cut with "…"
        # rather than folded in two ("fold" is what splits words mid-way).
        table.add_column(column, overflow="ellipsis", no_wrap=i == 0)
    for row in cells[1:]:
        table.add_row(*(Text(c) for c in row))  # Text: a "[bold]" in a name is not markup
    Console(soft_wrap=False).print(table)


def _plain_table(cells: list[list[str]], title: str | None) -> None:
    """Columns padded to their widest cell, a rule under the header; multi-line cells are
    shown on one line (``\\n`` becomes ``⏎``) so every row stays one line for grep."""
    cells = [[c.replace("\n", " ⏎ ") for c in row] for row in cells]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = [title] if title else []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    click.echo("\n".join(lines))


def echo_json(data: Any) -> None:
    """One object as JSON (``show --json``)."""
    click.echo(json.dumps(plain(data), indent=2, ensure_ascii=False))


def echo_fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """Aligned ``label: value`` lines; empty values are left out."""
    shown = [(label, _cell(value)) for label, value in pairs if value not in (None, "")]
    width = max((len(label) for label, _ in shown), default=0)
    for label, value in shown:
        text = value.replace("\n", "\n" + " " * (width + 2))
        click.echo(f"{label + ':':<{width + 1}} {text}")


def echo_title(text: str) -> None:
    click.echo()
    click.echo(click.style(text, bold=True))


# --- times ---------------------------------------------------------------------------------


def when(dt: datetime | None, tz: str, fmt: str, *, with_zone: bool = False) -> str | None:
    """A stored UTC time as people read it: local ``2026-12-03 09:00`` in a table (with the
    zone name when rows mix zones), ISO 8601 with its offset for ``--json`` / ``--csv``."""
    if dt is None:
        return None
    if fmt != "table":
        return to_local(dt, tz).isoformat()
    shown = format_local(dt, tz)
    return f"{shown} {tz}" if with_zone else shown


def span(start: datetime, end: datetime, tz: str) -> str:
    """``2026-12-03 09:00-17:00`` (the end's date only when it differs), local to ``tz``."""
    first, last = to_local(start, tz), to_local(end, tz)
    tail = last.strftime("%H:%M") if first.date() == last.date() else format_local(end, tz)
    return f"{format_local(start, tz)}-{tail}"


def wall_clock(iso: str | None) -> str | None:
    """``2026-12-03T09:00:00+01:00`` (a report's local time) -> ``2026-12-03 09:00``."""
    return None if iso is None else datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")


def column(name: str, tz: str, fmt: str) -> str:
    """A time column's key: the zone goes in the table header, not in machine output."""
    return f"{name} ({tz})" if fmt == "table" else name


def zoned(rows: list[dict[str, Any]], keys: Sequence[str], fmt: str) -> dict[str, str]:
    """Format the aware times under ``keys`` in each row's own zone (``row["timezone"]``),
    in place. In a table, when every row shares one zone, it goes in the header
    ("start (Europe/Paris)"); otherwise each value carries its zone. Returns ``{key: column}``.
    """
    zones = {r["timezone"] for r in rows}
    shared = zones.pop() if fmt == "table" and len(zones) == 1 else None
    for r in rows:
        for key in keys:
            r[key] = when(r[key], r["timezone"], fmt, with_zone=shared is None)
            if shared:
                r[column(key, shared, fmt)] = r.pop(key)
    return {key: column(key, shared, fmt) if shared else key for key in keys}
