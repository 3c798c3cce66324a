"""Serialising feeds with ``icalendar``, one cached VEVENT at a time.

Building events with ``icalendar`` costs far more than joining strings, and calendar apps
poll every feed every hour or so, while most items never change. So each item's VEVENT is
rendered once by ``icalendar`` and kept, keyed by the item itself (its UID, revision and
every field that shows in the text); an unchanged feed is then rebuilt by concatenation.
The calendar's head and each VTIMEZONE are cached the same way.

Published-feed rules (RFC 5545, 5546 PUBLISH, 7986) kept here: ``METHOD:PUBLISH``; a stable
``UID`` from the row; ``SEQUENCE`` = the row's revision; ``DTSTAMP`` and ``LAST-MODIFIED`` in
UTC (``DTSTAMP`` is the item's last change rather than the time of the request, so an
unchanged feed is byte-for-byte the same and its ETag holds); ``ORGANIZER`` from the coach and
never an ``ATTENDEE``; times with their ``TZID`` and a ``VTIMEZONE`` for each;
``REFRESH-INTERVAL;VALUE=DURATION`` and ``X-PUBLISHED-TTL`` written as durations; CRLF lines
folded at 75 octets by the library.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vDuration
from programs.plugins.ical.text import IcalText, clean

if TYPE_CHECKING:
    from programs.plugins.ical.items import FeedItem, FeedSpec

PRODID = "-//programs//calendar feeds//EN"
FORMAT_VERSION = b"programs-ical-1"  # part of every ETag: bump when the output changes
END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class Feed:
    """A rendered feed: the bytes, a strong ETag, and when its newest item last changed."""

    body: bytes
    etag: str
    last_modified: datetime | None


def _text(value: str) -> IcalText:
    return IcalText(value if value.isprintable() else clean(value))


def build_event(item: FeedItem) -> Event:
    """One item as an icalendar ``Event`` (with its VALARMs)."""
    tz = ZoneInfo(item.timezone)
    organizer = None
    if item.organizer is not None:
        organizer = vCalAddress(f"mailto:{item.organizer[1]}")
        name = clean(item.organizer[0])
        if name:
            organizer.params["CN"] = name
    event = Event.new(
        uid=item.uid,
        start=item.start.astimezone(tz),
        end=item.end.astimezone(tz),
        stamp=item.modified,
        last_modified=item.modified,
        sequence=item.revision,
        organizer=organizer,
        status="CANCELLED" if item.cancelled else "CONFIRMED",
    )
    event.add("SUMMARY", _text(item.summary))
    if item.location:
        event.add("LOCATION", _text(item.location))
    if item.description:
        event.add("DESCRIPTION", _text(item.description))
    for seconds, description in item.alarms:
        # A DISPLAY alarm needs a text: the alarm's own, else the event's title.
        shown = _text(description) or _text(item.summary) or IcalText("Reminder")
        event.add_component(Alarm.new_display(shown, trigger=-timedelta(seconds=seconds)))
    return event


def render_vevent(item: FeedItem) -> bytes:
    """One VEVENT, built and serialised by icalendar (the uncached path)."""
    return build_event(item).to_ical()


class VeventCache:
    """Rendered VEVENTs by (feed kind, UID): the latest rendering of each item, reused
    while the item is equal. Memory is bounded by the number of items, not of changes."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[FeedItem, bytes]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def render(self, kind: str, items: tuple[FeedItem, ...]) -> list[bytes]:
        entries = self._entries
        out: list[bytes] = []
        fresh: list[tuple[tuple[str, str], tuple[FeedItem, bytes]]] = []
        for item in items:
            key = (kind, item.uid)
            entry = entries.get(key)
            if entry is not None and entry[0] == item:
                out.append(entry[1])
            else:
                text = render_vevent(item)
                fresh.append((key, (item, text)))
                out.append(text)
        with self._lock:
            self.hits += len(items) - len(fresh)
            self.misses += len(fresh)
            entries.update(fresh)
        return out

    def forget(self, uid: str) -> None:
        """Drop an item's renderings (it moved, was cancelled, or its person was erased)."""
        with self._lock:
            for key in [k for k in self._entries if k[1] == uid]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def new_calendar(name: str, uid: str, tzid: str | None) -> Calendar:
    """An empty feed calendar with its published-feed properties."""
    cal = Calendar.new(prodid=PRODID, method="PUBLISH", uid=uid)
    cal.add("NAME", _text(name))
    cal.add("X-WR-CALNAME", _text(name))
    # The library's refresh_interval= writes no VALUE=DURATION, which RFC 7986 requires.
    cal.add("REFRESH-INTERVAL", vDuration(timedelta(hours=1)), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", "PT1H")  # a string: a timedelta would be written 1:00:00
    if tzid is not None:
        cal.add("X-WR-TIMEZONE", tzid)  # only when every item uses this one TZID
    return cal


@lru_cache(maxsize=256)
def _head(name: str, uid: str, tzid: str | None) -> bytes:
    """BEGIN:VCALENDAR and the calendar's properties (without END:VCALENDAR)."""
    text = new_calendar(name, uid, tzid).to_ical()
    assert text.endswith(END)
    return text[: -len(END)]


@lru_cache(maxsize=256)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of ``tzid`` for whole years (so it stays the same as items come and go).

    ``Timezone.from_tzid`` is what ``Calendar.add_missing_timezones`` calls for each TZID
    used; calling it directly lets the cached VEVENTs stay bytes.
    """
    return Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    ).to_ical()


def year_spans(items: tuple[FeedItem, ...]) -> dict[str, tuple[int, int]]:
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


def vtimezones(items: tuple[FeedItem, ...]) -> list[bytes]:
    """A VTIMEZONE for every TZID the items use, covering the years they span."""
    return [
        _vtimezone(tzid, *span)
        for tzid, span in sorted(year_spans(items).items())
        if not written_in_utc(tzid)  # no TZID refers to it: no VTIMEZONE
    ]


def feed_uid(spec: FeedSpec) -> str:
    return f"feed-{spec.scope.kind}-{spec.scope.id}@programs"


def etag_of(spec: FeedSpec) -> str:
    """A strong ETag computed from the items, without rendering anything.

    Two equal specs give equal bodies (rendering is deterministic), so the digest of what
    goes in stands for the digest of what comes out.
    """
    digest = hashlib.blake2b(FORMAT_VERSION, digest_size=16)
    digest.update(repr((spec.name, spec.tzid, feed_uid(spec))).encode())
    for item in spec.items:
        digest.update(repr(item).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def plain_calendar(spec: FeedSpec) -> Calendar:
    """The whole feed as one icalendar ``Calendar``, VTIMEZONEs added by
    ``add_missing_timezones``: the reference that :func:`render` must equal (and what the
    benchmark calls "plain icalendar")."""
    cal = new_calendar(spec.name, feed_uid(spec), spec.tzid)
    for item in spec.items:
        cal.add_component(build_event(item))
    spans = year_spans(spec.items).values()
    if spans:
        first, last = min(s[0] for s in spans), max(s[1] for s in spans)
        cal.add_missing_timezones(date(first, 1, 1), date(last + 1, 1, 1))
    return cal


def render(spec: FeedSpec, cache: VeventCache | None = None) -> Feed:
    """The feed's bytes: head, VTIMEZONEs, VEVENTs (cached ones reused), end."""
    cache = cache if cache is not None else VeventCache()
    parts = [_head(spec.name, feed_uid(spec), spec.tzid)]
    parts += vtimezones(spec.items)
    parts += cache.render(spec.scope.kind, spec.items)
    parts.append(END)
    return Feed(b"".join(parts), etag_of(spec), spec.last_modified)
