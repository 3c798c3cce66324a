"""Building feeds for an app: what the server and the commands share.

One :class:`FeedService` per app keeps the VEVENT cache and the rendered feeds.

A feed's ETag comes from the core's change markers of its scope (``programs.api.markers_of``,
one indexed query), the day (cancelled items leave a feed by the day), and a fingerprint of
everything else a feed depends on: the config file (settings, reminder rules), the plugins
and their versions, the format. So a conditional poll is answered without reading an item,
and a full one from the rendered bytes kept for that ETag (a bounded LRU, per process).
Feeds that other plugins' calendar sources add to cannot be known unchanged from markers:
their ETag is computed from their items, as before.

Event hooks (a session moved, a person erased) reach the same service through
:func:`service_for` to drop what they made stale.
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from programs.plugins.ical.items import FeedSpec, collect
from programs.plugins.ical.render import FORMAT_VERSION, Feed, VeventCache, etag_of, render

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App, CalendarScope

_SERVICES: weakref.WeakKeyDictionary[App, FeedService] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
MAX_ETAGS = 10_000
MAX_SPECS = 2_000  # feeds' contents kept for pages, per process
MAX_CACHED_BYTES = 64 * 1024 * 1024  # rendered feeds kept per process
RENDER_WAIT_SECONDS = 30.0


class FeedService:
    def __init__(self, app: App) -> None:
        self.app = app
        self.cache = VeventCache()
        self._bodies: dict[CalendarScope, Feed] = {}
        self._etags: dict[tuple[CalendarScope, int], str] = {}
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[CalendarScope, str], Feed] = OrderedDict()
        self._kept_bytes = 0
        self._rendering: dict[tuple[CalendarScope, str], threading.Event] = {}
        self._fingerprint: bytes | None = None
        self._specs: OrderedDict[tuple[CalendarScope, str], FeedSpec] = OrderedDict()

    # --- what a feed depends on besides its items -------------------------------------------

    def fingerprint(self) -> bytes:
        """Everything but the data a feed depends on: the config file (settings, rules),
        the plugins loaded and their versions, the format. Read once per process."""
        if self._fingerprint is None:
            digest = hashlib.blake2b(FORMAT_VERSION, digest_size=16)
            digest.update(json.dumps(self.app.config.data, sort_keys=True, default=str).encode())
            digest.update(repr(self.app.plugin_versions()).encode())
            self._fingerprint = digest.digest()
        return self._fingerprint

    def marker_etag(self, db: Any, scope: CalendarScope, day: date) -> str | None:
        """The ETag of ``scope``'s feed on ``day`` from its change markers (one query), or
        None when markers cannot tell (a calendar source adds items, an unknown scope)."""
        from programs.api import markers_of

        if self.app.registry.all("calendar_source"):
            return None
        markers = markers_of(db, scope)
        if markers is None:
            return None
        digest = hashlib.blake2b(self.fingerprint(), digest_size=16)
        digest.update(repr((scope.kind, scope.id, day.isoformat(), markers)).encode())
        return "m" + digest.hexdigest()

    def kept(self, scope: CalendarScope, etag: str) -> Feed | None:
        """The feed rendered for this ETag, if this process still has it."""
        with self._lock:
            feed = self._kept.get((scope, etag))
            if feed is not None:
                self._kept.move_to_end((scope, etag))
            return feed

    def render_once(self, scope: CalendarScope, etag: str, make: Callable[[], Feed]) -> Feed:
        """The feed kept for ``etag``, made by ``make`` once however many threads ask for it
        at the same time: the others wait for that one instead of rendering it too."""
        key = (scope, etag)
        with self._lock:
            feed = self._kept.get(key)
            if feed is not None:
                return feed
            turn = self._rendering.get(key)
            mine = turn is None
            if mine:
                turn = self._rendering[key] = threading.Event()
        assert turn is not None
        if not mine:
            turn.wait(RENDER_WAIT_SECONDS)
            return self.kept(scope, etag) or make()  # it failed or took too long: our own
        try:
            feed = make()
            self.keep(scope, etag, feed)
            return feed
        finally:
            with self._lock:
                self._rendering.pop(key, None)
            turn.set()

    def keep(self, scope: CalendarScope, etag: str, feed: Feed) -> None:
        with self._lock:
            key = (scope, etag)
            if key in self._kept:
                return
            self._kept[key] = feed
            self._kept_bytes += len(feed.body)
            while self._kept_bytes > MAX_CACHED_BYTES and len(self._kept) > 1:
                _key, dropped = self._kept.popitem(last=False)
                self._kept_bytes -= len(dropped.body)

    def spec(self, db: DbSession, scope: CalendarScope, *, day: date | None = None) -> FeedSpec:
        """The feed's content as of ``day`` (today): cancelled items leave it by the day."""
        return collect(self.app, db, scope, day=day or today())

    def page_spec(self, db: DbSession, scope: CalendarScope) -> FeedSpec:
        """The feed's content for its page: kept per marker ETag (the feed's own), so an
        unchanged calendar's page costs one indexed query and no item read; whatever the
        size of the database, what a page reads is its scope's rows."""
        day = today()
        etag = self.marker_etag(db, scope, day)
        if etag is None:
            return self.spec(db, scope, day=day)
        key = (scope, etag)
        with self._lock:
            found = self._specs.get(key)
            if found is not None:
                self._specs.move_to_end(key)
                return found
        spec = self.spec(db, scope, day=day)
        with self._lock:
            self._specs[key] = spec
            while len(self._specs) > MAX_SPECS:
                self._specs.popitem(last=False)
        return spec

    def etag(self, spec: FeedSpec) -> str:
        """The feed's ETag, from its items: the stable digest is computed once per content,
        then found again by the items' (much cheaper) hash."""
        key = (spec.scope, hash((spec.name, spec.tzid, spec.items)))
        etag = self._etags.get(key)
        if etag is None:
            etag = etag_of(spec)
            with self._lock:
                if len(self._etags) > MAX_ETAGS:
                    self._etags.clear()
                self._etags[key] = etag
        return etag

    def feed(self, spec: FeedSpec, etag: str | None = None) -> Feed:
        """The rendered feed, reusing the last body when nothing changed."""
        etag = etag or self.etag(spec)
        last = self._bodies.get(spec.scope)
        if last is not None and last.etag == etag:
            return last
        feed = render(spec, self.cache)
        with self._lock:
            self._bodies[spec.scope] = feed
        return feed

    def forget(self, uid: str | None = None) -> None:
        """Drop cached renderings: of one item, or (``uid=None``) of everything."""
        with self._lock:
            self._bodies.clear()
            self._etags.clear()
            self._kept.clear()
            self._specs.clear()
            self._kept_bytes = 0
        if uid is None:
            self.cache.clear()
        else:
            self.cache.forget(uid)


def today() -> date:
    return datetime.now(UTC).date()


def service_for(app: App, *, create: bool = True) -> FeedService | None:
    """The app's feed service (made on first use unless ``create=False``)."""
    with _LOCK:
        service = _SERVICES.get(app)
        if service is None and create:
            service = _SERVICES[app] = FeedService(app)
        return service


def build_feed(app: App, scope: CalendarScope) -> Feed:
    """Render one feed now (``ical export``, the demo)."""
    service = service_for(app)
    assert service is not None
    with app.read() as db:
        spec = service.spec(db, scope)
    return service.feed(spec)
