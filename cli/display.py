"""Rendering helpers the command modules share: local times with their zone, one object as
JSON, aligned ``key: value`` blocks. Only formatting here; commands do the reading."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import click

from programs.times import format_local, to_local


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


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_plain))


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def echo_fields(pairs: Iterable[tuple[str, Any]]) -> None:
    """Aligned ``label: value`` lines; empty values are left out."""
    shown = [(label, value) for label, value in pairs if value not in (None, "")]
    width = max((len(label) for label, _ in shown), default=0)
    for label, value in shown:
        text = str(value).replace("\n", "\n" + " " * (width + 2))
        click.echo(f"{label + ':':<{width + 1}} {text}")


def echo_title(text: str) -> None:
    click.echo()
    click.echo(click.style(text, bold=True))
