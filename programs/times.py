"""Reading and showing times.

Times are stored in UTC. People type local times ("2026-12-03 09:00"), read in the program's
time zone (or the participant's, for follow-ups). A local time that does not exist (the hour
skipped when clocks go forward) is an error that says so; one that exists twice (the hour
repeated when clocks go back) is an error unless an offset is given.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from programs.errors import InvalidInput

_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}$")


def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name ("Europe/Paris"); an unknown name is a clear error."""
    if not name or ("/" not in name and name not in ("UTC", "GMT")):
        raise InvalidInput(f"unknown time zone {name!r} (use an IANA name like Europe/Paris)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from None


def localize(naive: datetime, tz_name: str) -> datetime:
    """Attach ``tz_name`` to a wall-clock time, refusing times skipped or repeated by DST."""
    tz = zone(tz_name)
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    shown = naive.strftime("%Y-%m-%d %H:%M")
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise InvalidInput(
            f"{shown} does not exist in {tz_name}: the clocks skip that hour (daylight saving); "
            "pick another time"
        )
    if early.utcoffset() != late.utcoffset():
        offsets = " or ".join(_offset(d) for d in (early, late))
        raise InvalidInput(
            f"{shown} happens twice in {tz_name} (clocks go back): add the offset, "
            f"e.g. '{shown}{_offset(early)}' ({offsets})"
        )
    return early


def _offset(dt: datetime) -> str:
    minutes = int(dt.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_time(text: str, tz_name: str, *, on_date: date | None = None) -> datetime:
    """Read what a person typed into an aware UTC datetime.

    Accepts ``2026-12-03 09:00``, ``2026-12-03T09:00``, either with an offset
    (``+01:00``, ``Z``) and, when ``on_date`` is given, a bare ``17:00`` on that date.
    Without an offset the time is read in ``tz_name``.
    """
    raw = text.strip()
    if on_date is not None and _TIME_ONLY.match(raw):
        hours, minutes = (int(x) for x in raw.split(":"))
        if hours > 23 or minutes > 59:
            raise InvalidInput(f"cannot read time {text!r}: expected HH:MM")
        naive = datetime.combine(on_date, time(hours, minutes))
        return localize(naive, tz_name).astimezone(UTC)
    candidate = raw.replace(" ", "T", 1)
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        expected = "'YYYY-MM-DD HH:MM'" + (" or 'HH:MM'" if on_date else "")
        raise InvalidInput(f"cannot read time {text!r}: expected {expected}") from None
    if "T" not in candidate:
        raise InvalidInput(f"cannot read time {text!r}: give a time of day too (YYYY-MM-DD HH:MM)")
    _check_year(parsed, text)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return localize(parsed, tz_name).astimezone(UTC)


def parse_date(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"cannot read date {text!r}: expected YYYY-MM-DD") from None
    _check_year(day, text, "date")
    return day


YEARS = range(1900, 3000)
"""Years people may type: far from year 1 and 9999, where converting to UTC or adding a
duration overflows (and where no coaching session is)."""


def _check_year(value: date, text: str, what: str = "time") -> None:
    if value.year not in YEARS:
        raise InvalidInput(
            f"cannot read {what} {text!r}: the year must be between {YEARS.start} and "
            f"{YEARS.stop - 1}"
        )


def to_local(dt: datetime, tz_name: str) -> datetime:
    return dt.astimezone(zone(tz_name))


def format_local(dt: datetime, tz_name: str) -> str:
    """``2026-12-03 09:00`` in ``tz_name``: how the CLI shows times."""
    return to_local(dt, tz_name).strftime("%Y-%m-%d %H:%M")


def weeks(n: float) -> timedelta:
    return timedelta(weeks=n)
