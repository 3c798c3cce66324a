"""Offsets, durations and due times.

A rule's offset is written like ``-2d``, ``-2h``, ``+1d``, ``-1d12h`` or ``-90m``. Whole days
move the wall clock of the item's time zone ("two days before, at the same time of day"),
hours and minutes move absolute time ("two hours before"): a session at 09:00 on the day
Europe/Paris goes to summer time gets its 2-day reminder at 09:00 local two days earlier,
not at 08:00. An optional ``at`` (``09:00``) then sets the local time of day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from programs.api import InvalidInput

_PART = re.compile(r"(\d+)\s*([wdhms])")
_WHOLE = re.compile(r"^(?:\d+\s*[wdhms]\s*)+$")
UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}


class BadSpan(InvalidInput):
    """Text that is not an offset or a duration; the message says what was expected."""


@dataclass(frozen=True)
class Offset:
    """``days`` of wall-clock time plus ``seconds`` of absolute time (same sign)."""

    days: int = 0
    seconds: int = 0

    @property
    def total(self) -> timedelta:
        return timedelta(days=self.days, seconds=self.seconds)

    def __str__(self) -> str:
        if not self.days and not self.seconds:
            return "0"
        sign = "-" if self.days < 0 or self.seconds < 0 else "+"
        days, seconds = abs(self.days), abs(self.seconds)
        out = ""
        if days:
            out += f"{days // 7}w" if days % 7 == 0 else f"{days}d"
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        out += (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
        out += f"{secs}s" if secs else ""
        return sign + out


def _parts(body: str, text: str, what: str) -> dict[str, int]:
    if not _WHOLE.match(body):
        raise BadSpan(f"cannot read {what} {text!r}: expected e.g. {_EXAMPLES[what]}")
    found: dict[str, int] = {}
    for amount, unit in _PART.findall(body):
        found[unit] = found.get(unit, 0) + int(amount)
    return found


_EXAMPLES = {"offset": "-2d, -2h, -1d12h or +1d", "duration": "30s, 5m, 1h or 2d"}


def parse_offset(text: str) -> Offset:
    """``-2d`` -> Offset(days=-2); ``+1d2h`` -> Offset(1, 7200); ``0`` -> Offset()."""
    raw = str(text).strip().lower().replace(" ", "")
    if raw in ("0", "+0", "-0"):
        return Offset()
    sign = -1 if raw.startswith("-") else 1
    parts = _parts(raw.lstrip("+-"), str(text), "offset")
    days = parts.get("w", 0) * 7 + parts.get("d", 0)
    seconds = sum(UNITS[u] * n for u, n in parts.items() if u in "hms")
    if days > 366 or seconds > 366 * 86400:
        raise BadSpan(f"offset {text!r} is more than a year")
    return Offset(sign * days, sign * seconds)


def parse_duration(text: str) -> timedelta:
    """``5m`` -> 5 minutes; ``1h30m``; ``2d``. Always positive."""
    raw = str(text).strip().lower().replace(" ", "")
    parts = _parts(raw, str(text), "duration")
    total = sum(UNITS[u] * n for u, n in parts.items())
    if total <= 0:
        raise BadSpan(f"duration {text!r} must be more than zero")
    return timedelta(seconds=total)


def parse_clock(text: str) -> time:
    """``09:00`` -> time(9, 0)."""
    match = re.match(r"^(\d{1,2}):(\d{2})$", str(text).strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise BadSpan(f"cannot read time of day {text!r}: expected HH:MM, e.g. 09:00")
    return time(int(match[1]), int(match[2]))


def due_time(anchor: datetime, offset: Offset, at: time | None, tz: ZoneInfo) -> datetime:
    """When a reminder is due, in UTC, from an aware ``anchor`` read in ``tz``."""
    due = anchor.astimezone(UTC)
    if offset.days or at is not None:
        wall = anchor.astimezone(tz).replace(tzinfo=None) + timedelta(days=offset.days)
        if at is not None:
            wall = datetime.combine(wall.date(), at)
        # fold=0: a wall time repeated when clocks go back is read as the first one; one
        # skipped when they go forward is read with the offset before the change.
        due = wall.replace(tzinfo=tz).astimezone(UTC)
    return due + timedelta(seconds=offset.seconds)


def week_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Monday 00:00, local time in ``tz``, of the week holding ``moment`` (aware, in tz)."""
    local = moment.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime.combine(monday, time(0, 0)).replace(tzinfo=tz)


def short(delta: timedelta) -> str:
    """A timedelta as people read it: ``2d``, ``1h30m``, ``45s``."""
    seconds = int(abs(delta.total_seconds()))
    if seconds == 0:
        return "0s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else ""]
    parts += [f"{minutes}m" if minutes else "", f"{secs}s" if secs and not days else ""]
    return "".join(parts)
