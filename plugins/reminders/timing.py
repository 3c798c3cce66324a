"""Due times of reminders, from the core's one grammar for spans (``programs.api.parse_offset``).

A rule's offset is written like ``-2d``, ``-2h``, ``+1d``, ``-1d12h`` or ``-90m``. Whole days
move the wall clock of the item's time zone ("two days before, at the same time of day"),
hours and minutes move absolute time ("two hours before"): a session at 09:00 on the day
Europe/Paris goes to summer time gets its 2-day reminder at 09:00 local two days earlier,
not at 08:00. An optional ``at`` (``09:00``) then sets the local time of day.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from programs.api import InvalidInput, Span
from programs.i18n import _


def parse_clock(text: str) -> time:
    """``09:00`` -> time(9, 0)."""
    match = re.match(r"^(\d{1,2}):(\d{2})$", str(text).strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput(
            _("cannot read time of day {text!r}: expected HH:MM, e.g. 09:00").format(text=text)
        )
    return time(int(match[1]), int(match[2]))


def due_time(anchor: datetime, offset: Span, at: time | None, tz: ZoneInfo) -> datetime:
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
