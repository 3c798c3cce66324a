"""The ``.ics`` attached to a reminder: the item as it is now, built with ``icalendar``.

Written here rather than borrowed from the iCal plugin (plugins never import each other). It
follows the same rules as the feeds: the item's stable UID, its revision as SEQUENCE, DTSTAMP
in UTC, times with their TZID and the VTIMEZONE for it, METHOD:PUBLISH and no ATTENDEE (the
file names nobody but the organiser).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def event_ics(
    *,
    uid: str,
    sequence: int,
    summary: str,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    stamp: datetime,
    location: str | None = None,
    description: str | None = None,
    organizer: tuple[str, str] | None = None,
    modified: datetime | None = None,
) -> bytes:
    """One VEVENT in a VCALENDAR, as bytes (CRLF lines, folded by icalendar)."""
    from icalendar import Calendar, Event, vCalAddress

    cal = Calendar()
    cal.add("prodid", "-//programs//reminders//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start.astimezone(tz))
    event.add("dtend", end.astimezone(tz))
    event.add("summary", summary)
    event.add("status", "CONFIRMED")
    if modified is not None:
        event.add("last-modified", modified)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if organizer is not None:
        address = vCalAddress(f"mailto:{organizer[1]}")
        address.params["cn"] = organizer[0]
        event.add("organizer", address)
    cal.add_component(event)
    # A VTIMEZONE for the years around the item only: the default (1970-2038) is four
    # times longer and some readers (dateutil, behind vobject) get its DST dates wrong.
    first, last = start.astimezone(tz).year, end.astimezone(tz).year
    cal.add_missing_timezones(date(first - 1, 1, 1), date(last + 2, 1, 1))
    return cal.to_ical()
