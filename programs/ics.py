"""The one iCalendar writer: a :class:`programs.calendar.CalendarItem` as a VEVENT, built with
``icalendar``, for the feeds and for the ``.ics`` attached to a message alike.

It lives in the core, not in the iCal plugin: a reminder's attachment must not depend on
whether the iCal plugin is enabled, and plugins never import each other. The feed of an
item and the attachment of the same item hold the same VEVENT, byte for byte; only the
calendar around it differs (a feed's name and refresh hints, and its other events).

Rules kept here (RFC 5545, 5546 PUBLISH, 7986; see shared/STANDARDS.md): the item's stable
``UID``; ``SEQUENCE`` = its revision; ``DTSTAMP`` and ``LAST-MODIFIED`` in UTC, both the
item's last change (so an unchanged feed is byte for byte the same and its ETag holds);
``ORGANIZER`` from the coach and never an ``ATTENDEE``; times with their ``TZID`` and a
``VTIMEZONE`` for each zone used; ``STATUS:CANCELLED`` for a cancelled item; text escaped so
that nothing a person typed can add a property or a component; CRLF lines folded at 75
octets by the library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from icalendar import Alarm as IcalAlarm
from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText

if TYPE_CHECKING:
    from programs.calendar import CalendarItem

PRODID = "-//programs//calendar feeds//EN"
END = b"END:VCALENDAR\r\n"
AlarmSpec = tuple[int, str]
"""An alarm as the writer takes it: (seconds before the start, the text it shows)."""

# --- text --------------------------------------------------------------------------------

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufeff]")


def clean(value: str) -> str:
    """Text a person typed, made safe for a calendar line before it is escaped.

    RFC 5545 TEXT may hold any character but the ASCII controls (tab excepted); a line break
    is written ``\\n``. So CR LF and lone CR become LF (one line break each); other ASCII
    controls, lone surrogates and U+FEFF (an invisible byte-order mark that parsers such as
    vobject strip) are dropped. Everything else is kept exactly.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", value)


class IcalText(vText):
    """A TEXT value escaped exactly as RFC 5545 §3.3.11 says.

    icalendar 7's own escaping first turns a literal backslash-``N`` into a line break
    (``"C:\\New"`` comes back as ``"C:"`` + newline + ``"ew"``); this one escapes the
    backslash first and nothing else is rewritten, so every parser reads back what was
    written.
    """

    __slots__ = ()

    def to_ical(self) -> bytes:
        return (
            self.replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\n", "\\n")
            .encode(self.encoding)
        )


def text(value: str) -> IcalText:
    return IcalText(value if value.isprintable() else clean(value))


# --- events ------------------------------------------------------------------------------


def build_event(item: CalendarItem, alarms: Sequence[AlarmSpec] = ()) -> Event:
    """One item as an icalendar ``Event``, with its VALARMs."""
    tz = ZoneInfo(item.timezone)
    organizer = None
    if item.organizer is not None:
        organizer = vCalAddress(f"mailto:{item.organizer[1]}")
        name = clean(item.organizer[0])
        if name:
            organizer.params["CN"] = name
    modified = item.modified
    event = Event.new(
        uid=item.uid,
        start=item.start.astimezone(tz),
        end=item.end.astimezone(tz),
        stamp=modified,
        last_modified=modified,
        sequence=item.revision,
        organizer=organizer,
        status="CANCELLED" if item.cancelled else "CONFIRMED",
    )
    event.add("SUMMARY", text(item.summary))
    if item.location:
        event.add("LOCATION", text(item.location))
    if item.description:
        event.add("DESCRIPTION", text(item.description))
    if not item.cancelled:
        # One order whoever asked: the earliest alarm first (a feed and an attachment of the
        # same item hold the same VEVENT).
        for seconds, description in sorted(set(alarms), key=lambda a: (-a[0], a[1])):
            # A DISPLAY alarm needs a text: the alarm's own, else the event's title.
            shown = text(description) or text(item.summary) or IcalText("Reminder")
            event.add_component(IcalAlarm.new_display(shown, trigger=-timedelta(seconds=seconds)))
    return event


def vevent(item: CalendarItem, alarms: Sequence[AlarmSpec] = ()) -> bytes:
    """One VEVENT, built and serialised by icalendar."""
    return build_event(item, alarms).to_ical()


# --- calendars ---------------------------------------------------------------------------


def new_calendar(name: str | None, uid: str | None, tzid: str | None) -> Calendar:
    """An empty calendar with ``METHOD:PUBLISH``; a feed's (``name`` given) also has its
    name, refresh hints and, when every item uses one zone, ``X-WR-TIMEZONE``."""
    cal = Calendar.new(prodid=PRODID, method="PUBLISH", uid=uid)
    if name is not None:
        cal.add("NAME", text(name))
        cal.add("X-WR-CALNAME", text(name))
        # The library's refresh_interval= writes no VALUE=DURATION, which RFC 7986 requires.
        cal.add("REFRESH-INTERVAL", vDuration(timedelta(hours=1)), parameters={"VALUE": "DURATION"})
        cal.add("X-PUBLISHED-TTL", "PT1H")  # a string: a timedelta would be written 1:00:00
        if tzid is not None:
            cal.add("X-WR-TIMEZONE", tzid)  # only when every item uses this one TZID
    return cal


@lru_cache(maxsize=256)
def head(name: str | None, uid: str | None, tzid: str | None) -> bytes:
    """BEGIN:VCALENDAR and the calendar's properties (without END:VCALENDAR)."""
    data = new_calendar(name, uid, tzid).to_ical()
    assert data.endswith(END)
    return data[: -len(END)]


@lru_cache(maxsize=256)
def vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of ``tzid`` for whole years (so it stays the same as items come and go).

    ``Timezone.from_tzid`` is what ``Calendar.add_missing_timezones`` calls for each TZID
    used; calling it directly lets cached VEVENTs stay bytes.
    """
    return Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    ).to_ical()


def year_spans(items: Iterable[CalendarItem]) -> dict[str, tuple[int, int]]:
    """Per TZID, the years its VTIMEZONE covers: a year either side of its items."""
    spans: dict[str, tuple[int, int]] = {}
    for item in items:
        span = spans.get(item.timezone)
        first, last = item.start.year - 1, item.end.year + 1
        if span is None:
            spans[item.timezone] = (first, last)
        elif first < span[0] or last > span[1]:
            spans[item.timezone] = (min(first, span[0]), max(last, span[1]))
    return spans


@lru_cache(maxsize=256)
def written_in_utc(tzid: str) -> bool:
    """Whether icalendar writes times of ``tzid`` with Z and no TZID: UTC and the zones it
    holds equal to UTC (GMT, Africa/Dakar, Atlantic/Reykjavik...)."""
    from icalendar.timezone.tzid import tzid_from_tzinfo

    return tzid_from_tzinfo(ZoneInfo(tzid)) == "UTC"


def vtimezones(items: Iterable[CalendarItem]) -> list[bytes]:
    """A VTIMEZONE for every TZID the items use, covering the years they span."""
    return [
        vtimezone(tzid, *span)
        for tzid, span in sorted(year_spans(items).items())
        if not written_in_utc(tzid)  # no TZID refers to it: no VTIMEZONE
    ]


def shared_zone(items: Iterable[CalendarItem]) -> str | None:
    """The one TZID all items use, if they share one."""
    zones = {i.timezone for i in items}
    return next(iter(zones)) if len(zones) == 1 else None


def assemble(
    name: str | None, uid: str | None, items: Sequence[CalendarItem], vevents: Iterable[bytes]
) -> bytes:
    """A whole calendar from its items' VEVENTs (already written, maybe cached)."""
    parts = [head(name, uid, shared_zone(items) if name is not None else None)]
    parts += vtimezones(items)
    parts += vevents
    parts.append(END)
    return b"".join(parts)


def event_file(item: CalendarItem, alarms: Sequence[AlarmSpec] = ()) -> bytes:
    """The ``.ics`` attached to a message about ``item``: its VEVENT, in a calendar of its own
    (whose UID is derived from the item's: icalendar would invent a random one)."""
    return assemble(None, f"file-{item.uid}", [item], [vevent(item, alarms)])


def events_file(uid: str, items: Sequence[CalendarItem]) -> bytes:
    """Several items in one ``.ics`` (a program's sessions, in a confirmation)."""
    return assemble(None, uid, items, [vevent(item) for item in items])


def plain_calendar(
    name: str | None,
    uid: str | None,
    items: Sequence[CalendarItem],
    alarms: Sequence[Sequence[AlarmSpec]],
) -> Calendar:
    """The whole calendar as one icalendar ``Calendar``, VTIMEZONEs added by
    ``add_missing_timezones``: the reference that :func:`assemble` must equal."""
    cal = new_calendar(name, uid, shared_zone(items) if name is not None else None)
    for item, its_alarms in zip(items, alarms, strict=True):
        cal.add_component(build_event(item, its_alarms))
    spans = year_spans(items).values()
    if spans:
        first, last = min(s[0] for s in spans), max(s[1] for s in spans)
        cal.add_missing_timezones(date(first, 1, 1), date(last + 1, 1, 1))
    return cal
