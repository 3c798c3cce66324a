"""The CLI toolkit: what every command that lists or shows uses, the core's and plugins' alike.

Public and documented (docs/plugins.md, "Commands"): a plugin's commands import this module,
``programs.api``, ``programs.i18n``, ``programs.formats`` and ``programs.hookspecs``, nothing
else of programs. What it gives:

- :func:`pass_app`: the command receives the :class:`programs.api.App` as first argument
  (started for a plugin's command: its settings were checked before it runs);
- :func:`output_options`: ``--json`` and ``--csv`` on a listing; the command gets ``fmt``;
- :func:`render`: rows (dicts, the same keys in every format) as a table for people, JSON
  (a list of objects) or CSV for scripts. JSON and CSV are machine form in every language
  (English keys, ISO 8601, ``true``/``false``). A table is for people, in the coach's
  language: headers are the keys' words from the catalog (:func:`header`), yes and no are
  words, a column empty in every row is left out. On a terminal the table is rich's, fitted
  to the width, and never splits a word: text wraps at spaces, a word too long for its
  column is cut with "…", and a text longer than :data:`LONG_TEXT` is cut at a space with
  "…". In a pipe it is plain aligned text, no box characters, one line per row;
- :func:`echo_json` (one object, for ``show --json``), :func:`echo_fields` (aligned
  ``label: value`` lines) and :func:`echo_title`; :func:`confirm`, a yes/no question in
  the coach's language (``[o/N]``, ``oui``/``non`` in French);
- times: :func:`when` (``Thu 3 Dec 2026, 09:00`` / ``jeu. 3 déc. 2026, 09:00`` in a table,
  ISO 8601 with the offset in JSON and CSV), :func:`zoned` (rows in several zones: the zone
  goes in the header when all rows share it), :func:`span`, :func:`column`, :func:`wall_clock`.

CSV written for people is safe to open in a spreadsheet: a cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP "CSV
injection"), phone numbers included; JSON stays exact.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import update_wrapper, wraps
from typing import Any, TypeVar

import click
from programs.cli.context import State

from programs import formats
from programs.i18n import current_language, pgettext
from programs.i18n import gettext as _
from programs.times import format_local, to_local

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "LONG_TEXT",
    "Label",
    "column",
    "confirm",
    "csv_cell",
    "echo_fields",
    "echo_json",
    "echo_title",
    "header",
    "output_options",
    "pass_app",
    "plain",
    "render",
    "span",
    "wall_clock",
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
            raise click.UsageError(_("--json and --csv cannot be used together"))
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
        return formats.yes_no(value)
    return str(plain(value))


class Label(str):
    """A column key that is already a header in people's words (a time column with its
    zone, from :func:`column`): a table shows it as it is."""

    __slots__ = ()


def header(key: str, headers: Mapping[str, str] | None = None) -> str:
    """A column's header in a table: ``headers[key]`` if given, a :class:`Label` as it is,
    else the catalog's word for the key with its underscores as spaces (``next_planned``:
    "next planned", marked ``N_("next planned")`` where the rows are built; a key the
    catalog lacks is shown as it is)."""
    if headers and key in headers:
        return headers[key]
    if isinstance(key, Label):
        return str(key)
    return _(key.replace("_", " "))


def render(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    *,
    title: str | None = None,
    empty: str | None = None,
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Rows as a table, JSON or CSV; ``columns`` picks and orders the keys (all by default).

    ``headers`` (``{key: header}``) names columns in a table; a key it lacks is headed by
    :func:`header`. JSON and CSV keep the keys. ``empty`` is printed when there is no row
    ("Nothing to show." by default)."""
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
        click.echo(_("Nothing to show.") if empty is None else empty)
        return
    body = [[_cell(r.get(k)) for k in columns] for r in rows]
    # a column empty in every row says nothing: left out of the table
    kept = [i for i in range(len(columns)) if any(row[i] for row in body)] or list(
        range(len(columns))
    )
    cells = [[header(columns[i], headers) for i in kept]] + [[row[i] for i in kept] for row in body]
    if _on_terminal() and len(rows) <= RICH_MAX_ROWS:
        _rich_table(cells, title)
    else:
        _plain_table(cells, title)


def _on_terminal() -> bool:
    return sys.stdout.isatty()


RICH_MAX_ROWS = 300
"""Above this, or when stdout is not a terminal, tables are plain aligned text: rich lays out
1,000 rows in ~0.5 s, more than the whole rest of ``programs list`` (see bench/startup)."""

LONG_TEXT = 80
"""On a terminal, a cell longer than this is cut at a space and ends with "…": a long note
or outcome would otherwise make a row many lines tall. Pipes, JSON and CSV keep it whole."""


def shorten(text: str, limit: int = LONG_TEXT) -> str:
    """``text`` cut at its last space within ``limit`` characters, with "…" (a word is
    never cut in two unless it alone is longer than ``limit``)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head.strip():
        head = head.rstrip().rsplit(None, 1)[0]
    return head.rstrip(" ,;:.-–") + "…"


def _rich_table(cells: list[list[str]], title: str | None) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(soft_wrap=False)
    cells = [cells[0], *([shorten(c) for c in row] for row in cells[1:])]
    # light rules: a column costs its width and a gap of two (a padding and a blank rule)
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    widths = fitted_widths(cells, console.width, gap=2)
    for i, column in enumerate(cells[0]):
        # The first column names the row (an id, a slug): never wrapped, so it can be
        # copied. Others wrap at spaces; a word longer than its column is cut with "…"
        # rather than folded in two ("fold" is what splits words mid-way).
        table.add_column(
            column,
            overflow="ellipsis",
            no_wrap=i == 0,
            width=widths[i] if widths else None,
        )
    for row in cells[1:]:
        table.add_row(*(Text(c) for c in row))  # Text: a "[bold]" in a name is not markup
    console.print(table)


def fitted_widths(cells: list[list[str]], width: int, *, gap: int) -> list[int] | None:
    """Column widths for a table of ``cells`` (header first) in ``width`` characters, or
    None when every cell fits on one line. Each column gets at least its longest word, so
    that words are whole and only text wraps (at spaces); what is left goes first to the
    columns that then fit on one line, the shortest first, then to the others in proportion
    to their text. When even the words do not fit, the widest columns give way first (their
    longest words are then cut with "…")."""
    from rich.cells import cell_len

    n = len(cells[0])
    room = max(width - gap * (n - 1), n)
    longest = [
        max(cell_len(line) for row in cells for line in row[i].split("\n")) for i in range(n)
    ]
    if sum(longest) <= room:
        return None
    words = [
        max((cell_len(w) for row in cells for w in row[i].split()), default=1) for i in range(n)
    ]
    widths = [max(1, min(w, most)) for w, most in zip(words, longest, strict=True)]
    spare = room - sum(widths)
    if spare >= 0:
        wanting = sorted(range(n), key=lambda k: longest[k] - widths[k])
        while wanting and longest[wanting[0]] - widths[wanting[0]] <= spare:
            k = wanting.pop(0)
            spare -= longest[k] - widths[k]
            widths[k] = longest[k]
        total = sum(longest[k] - widths[k] for k in wanting)
        for k in wanting:
            widths[k] += spare * (longest[k] - widths[k]) // total if total else 0
        return widths
    while sum(widths) > room and max(widths) > 1:
        widest = max(range(n), key=lambda k: widths[k])
        widths[widest] -= 1
    return widths


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
    """Aligned ``label: value`` lines (the colon as the coach's language writes it: French
    puts a narrow no-break space before it); empty values are left out."""
    shown = [
        (_("{label}:").format(label=label), _cell(value))
        for label, value in pairs
        if value not in (None, "")
    ]
    width = max((len(label) for label, _value in shown), default=0)
    room = _terminal_width() - width - 1 if _on_terminal() else 0
    for label, value in shown:
        lines = value.split("\n")
        if room >= 20:  # on a terminal, long values wrap at spaces under themselves
            import textwrap

            lines = [
                part
                for line in lines
                for part in textwrap.wrap(
                    line, room, break_long_words=False, break_on_hyphens=False
                )
                or [""]
            ]
        text = ("\n" + " " * (width + 1)).join(lines)
        click.echo(f"{label:<{width}} {text}")


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size().columns


def confirm(question: str, *, default: bool = False, abort: bool = False) -> bool:
    """``click.confirm`` in the coach's language: ``Erase …? [o/N] :`` and ``oui``/``non``
    in French. ``y``/``yes`` and ``n``/``no`` are understood in every language (a script
    written for English keeps working); an empty answer is ``default``; ``abort`` stops the
    command on no, as click's does."""
    yes, no = pgettext("answer", "y"), pgettext("answer", "n")
    choices = f"{yes.upper()}/{no}" if default else f"{yes}/{no.upper()}"
    prompt = _("{question} [{choices}]: ").format(question=question, choices=choices)
    accept = {"y", "yes", yes.lower(), _("yes").lower()}
    refuse = {"n", "no", no.lower(), _("no").lower()}
    while True:
        answer = click.prompt(prompt, default="", show_default=False, prompt_suffix="")
        answer = answer.strip().lower()
        if answer in accept or (not answer and default):
            return True
        if answer in refuse or not answer:
            if abort:
                raise click.Abort()
            return False
        click.echo(_("Error: invalid input"))


def echo_title(text: str) -> None:
    click.echo()
    click.echo(click.style(text, bold=True))


# --- times ---------------------------------------------------------------------------------


def when(dt: datetime | None, tz: str, fmt: str, *, with_zone: bool = False) -> str | None:
    """A stored UTC time as people read it: ``Thu 3 Dec 2026, 09:00`` (``jeu. 3 déc. 2026,
    09:00``) in a table, local to ``tz`` (followed by the zone's name when rows mix zones);
    ISO 8601 with its offset for ``--json`` / ``--csv``."""
    if dt is None:
        return None
    if fmt != "table":
        return to_local(dt, tz).isoformat()
    shown = formats.when_short(dt, tz)
    return f"{shown} {tz}" if with_zone else shown


def span(start: datetime, end: datetime, tz: str, fmt: str = "table") -> str:
    """A start and an end local to ``tz``: ``Thu 3 Dec 2026, 09:00–17:00`` in a table (the
    end's date only when it differs); ``2026-12-03 09:00-17:00`` in machine output."""
    first, last = to_local(start, tz), to_local(end, tz)
    same_day = first.date() == last.date()
    if fmt != "table":
        tail = last.strftime("%H:%M") if same_day else format_local(end, tz)
        return f"{format_local(start, tz)}-{tail}"
    if same_day:
        return f"{formats.when_short(start, tz)}–{last.strftime('%H:%M')}"
    return f"{formats.when_short(start, tz)} – {formats.when_short(end, tz)}"


def wall_clock(iso: str | None, tz: str | None = None) -> str | None:
    """A report's ISO time (``2026-12-03T09:00:00+01:00``) as a table shows it: ``Thu 3 Dec
    2026, 09:00``, local to ``tz`` (else at the time's own offset)."""
    if iso is None:
        return None
    moment = datetime.fromisoformat(iso)
    if tz:
        return formats.when_short(moment, tz)
    from babel.dates import format_datetime

    return format_datetime(moment, formats.SHORT, locale=formats.locale_of(current_language()))


def column(name: str, tz: str, fmt: str) -> str:
    """A time column's key: in a table, its header with the zone (``start (Europe/Paris)``,
    ``début (Europe/Paris)``), a :class:`Label`; the plain name in machine output."""
    if fmt != "table":
        return name
    return Label(_("{column} ({zone})").format(column=header(name), zone=tz))


def zoned(rows: list[dict[str, Any]], keys: Sequence[str], fmt: str) -> dict[str, str]:
    """Format the aware times under ``keys`` in each row's own zone (``row["timezone"]``),
    in place. In a table, when every row shares one zone, it goes in the header
    ("start (Europe/Paris)"); otherwise each value carries its zone. Returns ``{key: column}``.
    """
    zones = {r["timezone"] for r in rows}
    shared = zones.pop() if fmt == "table" and len(zones) == 1 else None
    names = {key: column(key, shared, fmt) if shared else key for key in keys}
    for r in rows:
        for key in keys:
            r[key] = when(r[key], r["timezone"], fmt, with_zone=shared is None)
            if shared:
                r[names[key]] = r.pop(key)
    return names
