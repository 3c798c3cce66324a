"""Building feeds for an app: what the server and the commands share.

One :class:`FeedService` per app keeps the VEVENT cache, the last body of each feed, and the
ETag of each content it has seen, so a poll of an unchanged feed costs a query and a hash of
its items, and a ``304`` costs no rendering.
Event hooks (a session moved, a person erased) reach the same service through
:func:`service_for` to drop what they made stale.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

from programs.plugins.ical.items import FeedSpec, collect
from programs.plugins.ical.render import Feed, VeventCache, etag_of, render

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App, CalendarScope

_SERVICES: weakref.WeakKeyDictionary[App, FeedService] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
MAX_ETAGS = 10_000


class FeedService:
    def __init__(self, app: App) -> None:
        self.app = app
        self.cache = VeventCache()
        self._bodies: dict[CalendarScope, Feed] = {}
        self._etags: dict[tuple[CalendarScope, int], str] = {}
        self._lock = threading.Lock()

    def spec(self, db: DbSession, scope: CalendarScope) -> FeedSpec:
        return collect(self.app, db, scope)

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
        if uid is None:
            self.cache.clear()
        else:
            self.cache.forget(uid)


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
