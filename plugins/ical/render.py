"""Serialising feeds, one cached VEVENT at a time, with the core's one iCalendar writer.

Each VEVENT is written by ``programs.api.vevent`` (the writer the reminders' attachments use
too, so an item's VEVENT is the same in its feed and in its ``.ics``). Building events with
``icalendar`` costs far more than joining strings, and calendar apps poll every feed every
hour or so while most items never change, so each item's VEVENT is written once and kept,
keyed by the item itself (its UID, revision, every field that shows, its alarms); an
unchanged feed is then rebuilt by concatenation. The calendar's head and each VTIMEZONE are
cached by the core's writer the same way.

A feed's calendar carries ``METHOD:PUBLISH``, ``NAME`` / ``X-WR-CALNAME``,
``REFRESH-INTERVAL;VALUE=DURATION`` and ``X-PUBLISHED-TTL`` (``programs.ics.new_calendar``).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from programs.api import assemble_calendar as assemble
from programs.api import plain_calendar as plain
from programs.api import vevent

if TYPE_CHECKING:
    from icalendar import Calendar
    from programs.plugins.ical.items import FeedItem, FeedSpec

FORMAT_VERSION = b"programs-ical-2"  # part of every ETag: bump when the output changes


@dataclass(frozen=True)
class Feed:
    """A rendered feed: the bytes, a strong ETag, when its newest item last changed, and how
    many events it holds (counted from the items, never from the text, which may itself
    contain "BEGIN:VEVENT" in a topic)."""

    body: bytes
    etag: str
    last_modified: datetime | None
    events: int = 0


def render_vevent(entry: FeedItem) -> bytes:
    """One VEVENT (the uncached path)."""
    return vevent(entry.item, entry.alarms)


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
        for entry in items:
            key = (kind, entry.item.uid)
            cached = entries.get(key)
            if cached is not None and cached[0] == entry:
                out.append(cached[1])
            else:
                text = render_vevent(entry)
                fresh.append((key, (entry, text)))
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


def feed_uid(spec: FeedSpec) -> str:
    return f"feed-{spec.scope.kind}-{spec.scope.id}@programs"


def etag_of(spec: FeedSpec) -> str:
    """A strong ETag computed from the items, without rendering anything.

    Two equal specs give equal bodies (rendering is deterministic), so the digest of what
    goes in stands for the digest of what comes out.
    """
    digest = hashlib.blake2b(FORMAT_VERSION, digest_size=16)
    digest.update(repr((spec.name, spec.tzid, feed_uid(spec))).encode())
    for entry in spec.items:
        digest.update(repr(entry).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def plain_calendar(spec: FeedSpec) -> Calendar:
    """The whole feed as one icalendar ``Calendar`` (VTIMEZONEs by ``add_missing_timezones``):
    the reference that :func:`render` must equal, and the benchmark's "plain icalendar"."""
    return plain(
        spec.name,
        feed_uid(spec),
        [e.item for e in spec.items],
        [e.alarms for e in spec.items],
    )


def render(spec: FeedSpec, cache: VeventCache | None = None) -> Feed:
    """The feed's bytes: head, VTIMEZONEs, VEVENTs (cached ones reused), end."""
    cache = cache if cache is not None else VeventCache()
    items = [e.item for e in spec.items]
    body = assemble(spec.name, feed_uid(spec), items, cache.render(spec.scope.kind, spec.items))
    return Feed(body, etag_of(spec), spec.last_modified, len(items))
