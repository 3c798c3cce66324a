"""Reading and showing times.

Times are stored in UTC. People type local times ("2026-12-03 09:00"), read in the program's
time zone (or the participant's, for follow-ups). A local time that does not exist (the hour
skipped when clocks go forward) is an error that says so; one that exists twice (the hour
repeated when clocks go back) is an error unless an offset is given.

What is accepted depends on the coach's language, because it is how people write there:
ISO 8601 (``2026-12-03 09:00``) and ``HH:MM`` in every language; in French also the day
first, ``03/12/2026 09:00``, ``3/12/2026 9h30``, ``3/12/2026 9h`` and a bare ``9h``,
``17h30`` (never read month first: ``03/12`` is the 3rd of December). English keeps ISO and
``HH:MM`` only: ``12/03/2026`` is the 3rd of December in Britain and the 12th of March in the
United States, so guessing would be wrong for half of the readers.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from programs.errors import InvalidInput
from programs.i18n import _, current_language

_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}$")
_FR_DAY = r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})"
_FR_CLOCK = r"(?P<hour>\d{1,2})(?:\s*[hH]\s*(?P<hmin>\d{2})?|:(?P<min>\d{2}))"
_FR_DATE = re.compile(rf"^{_FR_DAY}$", re.ASCII)
_FR_DATE_TIME = re.compile(rf"^{_FR_DAY}(?:\s+à)?\s+{_FR_CLOCK}$", re.IGNORECASE | re.ASCII)
_FR_TIME_ONLY = re.compile(rf"^{_FR_CLOCK}$", re.ASCII)


def zone(name: str) -> ZoneInfo:
    """A time zone by IANA name ("Europe/Paris"); an unknown name is a clear error."""
    if not name or ("/" not in name and name not in ("UTC", "GMT")):
        raise InvalidInput(
            _("unknown time zone {name!r} (use an IANA name like Europe/Paris)").format(name=name)
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            _("unknown time zone {name!r} (use an IANA name like Europe/Paris)").format(name=name)
        ) from None


def localize(naive: datetime, tz_name: str) -> datetime:
    """Attach ``tz_name`` to a wall-clock time, refusing times skipped or repeated by DST."""
    tz = zone(tz_name)
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    shown = naive.strftime("%Y-%m-%d %H:%M")
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise InvalidInput(
            _(
                "{shown} does not exist in {zone}: the clocks skip that hour (daylight saving); "
                "pick another time"
            ).format(shown=shown, zone=tz_name)
        )
    if early.utcoffset() != late.utcoffset():
        raise InvalidInput(
            _(
                "{shown} happens twice in {zone} (clocks go back): add the offset, "
                "e.g. '{example}' ({first} or {second})"
            ).format(
                shown=shown,
                zone=tz_name,
                example=f"{shown}{_offset(early)}",
                first=_offset(early),
                second=_offset(late),
            )
        )
    return early


def _offset(dt: datetime) -> str:
    minutes = int(dt.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _french() -> bool:
    """Whether the forms French people write are read too (the coach's language is French)."""
    return current_language() == "fr"


def _clock(match: re.Match[str], text: str) -> time:
    """The time of day of a match of ``_FR_CLOCK`` (``9h``, ``9h30``, ``09:30``)."""
    hours = int(match["hour"])
    minutes = int(match["hmin"] or match["min"] or 0)
    if hours > 23 or minutes > 59:
        raise InvalidInput(_("cannot read time {text!r}: expected HH:MM").format(text=text))
    return time(hours, minutes)


def _day(match: re.Match[str], text: str, what: str = "time") -> date:
    """The date of a match of ``_FR_DAY``: day first, then month, then the year."""
    try:
        day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise InvalidInput(_unreadable(text, what, bare=False)) from None
    _check_year(day, text, what)
    return day


def _unreadable(text: str, what: str, *, bare: bool) -> str:
    """What a time or a date that cannot be read says: the forms that are accepted."""
    if what == "date":
        return _("cannot read date {text!r}: expected YYYY-MM-DD").format(text=text)
    if bare:
        return _("cannot read time {text!r}: expected 'YYYY-MM-DD HH:MM' or 'HH:MM'").format(
            text=text
        )
    return _("cannot read time {text!r}: expected 'YYYY-MM-DD HH:MM'").format(text=text)


def parse_time(text: str, tz_name: str, *, on_date: date | None = None) -> datetime:
    """Read what a person typed into an aware UTC datetime.

    Accepts ``2026-12-03 09:00``, ``2026-12-03T09:00``, either with an offset
    (``+01:00``, ``Z``) and, when ``on_date`` is given, a bare ``17:00`` on that date.
    In French (the current language), also ``03/12/2026 09:00``, ``3/12/2026 9h30``,
    ``3/12/2026 9h`` and, with ``on_date``, a bare ``9h``, ``17h30``: the day always comes
    first. In English only ISO and ``HH:MM`` are read (no guessing day or month first).
    Without an offset the time is read in ``tz_name``.
    """
    raw = text.strip()
    french = _french()
    if on_date is not None:
        bare = (_FR_TIME_ONLY if french else _TIME_ONLY).match(raw)
        if bare is not None:
            if french:
                clock = _clock(bare, text)
            else:
                hours, minutes = (int(x) for x in raw.split(":"))
                if hours > 23 or minutes > 59:
                    raise InvalidInput(
                        _("cannot read time {text!r}: expected HH:MM").format(text=text)
                    )
                clock = time(hours, minutes)
            return localize(datetime.combine(on_date, clock), tz_name).astimezone(UTC)
    if french:
        found = _FR_DATE_TIME.match(raw)
        if found is not None:
            naive = datetime.combine(_day(found, text), _clock(found, text))
            return localize(naive, tz_name).astimezone(UTC)
        if _FR_DATE.match(raw):
            raise InvalidInput(_no_time_of_day(text))
    candidate = raw.replace(" ", "T", 1)
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise InvalidInput(_unreadable(text, "time", bare=on_date is not None)) from None
    if "T" not in candidate:
        raise InvalidInput(_no_time_of_day(text))
    _check_year(parsed, text)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return localize(parsed, tz_name).astimezone(UTC)


def _no_time_of_day(text: str) -> str:
    return _("cannot read time {text!r}: give a time of day too (YYYY-MM-DD HH:MM)").format(
        text=text
    )


def parse_date(text: str) -> date:
    """A date: ``2026-12-03``; in French also ``03/12/2026`` and ``3/12/2026`` (day first)."""
    raw = text.strip()
    if _french():
        found = _FR_DATE.match(raw)
        if found is not None:
            return _day(found, text, "date")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_unreadable(text, "date", bare=False)) from None
    _check_year(day, text, "date")
    return day


YEARS = range(1900, 3000)
"""Years people may type: far from year 1 and 9999, where converting to UTC or adding a
duration overflows (and where no coaching session is)."""


def _check_year(value: date, text: str, what: str = "time") -> None:
    if value.year not in YEARS:
        message = (
            _("cannot read date {text!r}: the year must be between {first} and {last}")
            if what == "date"
            else _("cannot read time {text!r}: the year must be between {first} and {last}")
        )
        raise InvalidInput(message.format(text=text, first=YEARS.start, last=YEARS.stop - 1))


def to_local(dt: datetime, tz_name: str) -> datetime:
    return dt.astimezone(zone(tz_name))


def format_local(dt: datetime, tz_name: str) -> str:
    """``2026-12-03 09:00`` in ``tz_name``: how the CLI shows times."""
    return to_local(dt, tz_name).strftime("%Y-%m-%d %H:%M")


def now() -> datetime:
    """Now, aware UTC, to the second: what "has it started yet?" is asked against (attendance,
    a follow-up done or missed). One function, so a test can set the time of its story."""
    from datetime import UTC

    return datetime.now(UTC).replace(microsecond=0)


def weeks(n: float) -> timedelta:
    return timedelta(weeks=n)
