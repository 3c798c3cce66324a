"""What goes into a feed: the core's calendar items for the scope, their alarms, and the
items of other plugins' calendar sources.

The items themselves, titled, timed, zoned and placed for the feed's reader, come from the
core (``programs.api.scope_items``), which reads only what the scope may see: a participant's
feed cannot show another participant's name, email or phone, or any coach note. This module
adds what only a feed has: cancelled items kept (``STATUS:CANCELLED``) for
``cancelled_grace_days`` after their last change, alarms (asked once per feed from the
plugins implementing ``calendar_item_alarms``, on the feed's own database session), and
items from calendar sources; a source that fails is reported as a plugin failure and the
feed is still served.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from programs.plugins.ical.settings import read_settings

from programs.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App, CalendarItem, CalendarScope, Reader

AlarmSpec = tuple[int, str]


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One VEVENT's content: the core's item and its alarms. Frozen and hashable: it is its
    own cache key, so any change to what the event says is a different key."""

    item: CalendarItem
    alarms: tuple[AlarmSpec, ...] = ()


@dataclass(frozen=True)
class FeedSpec:
    """A feed before serialisation: its name and its items, sorted by start, and the
    language they are worded in (its reader's: the page behind the feed speaks it too)."""

    scope: CalendarScope
    name: str
    items: tuple[FeedItem, ...]
    language: str = "en"

    @property
    def tzid(self) -> str | None:
        """The one TZID all items use, if they share one (X-WR-TIMEZONE)."""
        zones = {i.item.timezone for i in self.items}
        return next(iter(zones)) if len(zones) == 1 else None

    @property
    def last_modified(self) -> datetime | None:
        return max((i.item.modified for i in self.items), default=None)


def feed_name(db: DbSession, scope: CalendarScope, reader: Reader) -> str:
    """A program's feed is named by its title; a person's in their language: "Coaching —
    Claire Dubois" for a participant, "Programs — Claire Dubois" for the coach."""
    from programs.api import Program, default_coach, get_coach
    from programs.i18n import translator

    if scope.kind == "program":
        program = db.get(Program, scope.id)
        return program.title if program else ""
    t = translator(reader.language)
    coach = get_coach(db, scope.id) if scope.kind == "coach" else default_coach(db)
    if coach is None:
        return t.gettext("Coaching")
    if scope.kind == "coach":
        return t.gettext("Programs — {coach}").format(coach=coach.name)
    return t.gettext("Coaching — {coach}").format(coach=coach.name)


def _alarms(
    app: App, db: DbSession, items: list[CalendarItem], scope: CalendarScope
) -> dict[str, tuple[AlarmSpec, ...]]:
    """Every plugin's alarms for the items, by UID."""
    found: dict[str, set[AlarmSpec]] = {}

    def add(uid: str, answer: Any) -> None:
        for alarm in answer or ():
            found.setdefault(uid, set()).add(
                (int(alarm.before.total_seconds()), str(alarm.description))
            )

    if items and app.implements("calendar_item_alarms"):
        for _plugin, answer in app.call_each(
            "calendar_item_alarms", db=db, items=tuple(items), scope=scope
        ):
            for uid, alarms in (answer or {}).items():
                add(uid, alarms)
    if items and app.implements("calendar_alarms"):
        _legacy_alarms(app, db, items, scope, add)
    return {uid: tuple(sorted(alarms)) for uid, alarms in found.items()}


def _legacy_alarms(
    app: App, db: DbSession, items: list[CalendarItem], scope: CalendarScope, add: Any
) -> None:
    """Plugins written for the per-item ``calendar_alarms`` (deprecated): asked once per
    item with its row, as before, and told once that the batch hook replaces it."""
    from sqlmodel import select

    from programs.api import FollowUp, Session

    for plugin in app.implementers("calendar_alarms"):
        app.notice(plugin, _("calendar_alarms is deprecated: implement calendar_item_alarms"))
    for model, kind in ((Session, "session"), (FollowUp, "followup")):
        ids = [i.id for i in items if i.kind == kind and i.id is not None]
        rows: dict[int, Any] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows.update((r.id, r) for r in db.exec(select(model).where(model.id.in_(chunk))))  # type: ignore[attr-defined]
        for item in items:
            if item.kind == kind and item.id in rows and not item.cancelled:
                for _plugin, answer in app.call_each(
                    "calendar_alarms", item=rows[item.id], scope=scope
                ):
                    add(item.uid, answer)


def _sources(app: App, scope: CalendarScope, seen: set[str], cutoff: datetime) -> list[FeedItem]:
    """Items from other plugins' calendar sources; a bad one is reported, not served."""
    from dataclasses import replace

    from programs.api import default_coach, zone

    found: list[FeedItem] = []
    sources = app.registry.all("calendar_source")
    if not sources:
        return found
    with app.read() as db:
        coach = default_coach(db)
    organizer = (coach.name, coach.email) if coach is not None and coach.email else None
    for name, source in sources.items():
        owner = app.registry.owner("calendar_source", name)
        try:
            for item in source.items(app, scope):
                if item.start.tzinfo is None or item.end.tzinfo is None:
                    raise ValueError(
                        _("item {uid!r} has a time without a zone").format(uid=item.uid)
                    )
                zone(item.timezone)
                if item.uid in seen:
                    raise ValueError(
                        _("item {uid!r} reuses a UID already in the feed").format(uid=item.uid)
                    )
                modified = item.last_modified or item.start
                if item.cancelled and modified < cutoff:
                    continue
                seen.add(item.uid)
                found.append(
                    FeedItem(
                        replace(
                            item,
                            start=item.start.astimezone(UTC),
                            end=item.end.astimezone(UTC),
                            last_modified=modified.astimezone(UTC),
                            organizer=item.organizer or organizer,
                        )
                    )
                )
        except Exception as exc:  # another plugin's bug must not take the feed down
            app.report_failure(
                owner,
                _("calendar source {name}").format(name=name),
                str(exc) or type(exc).__name__,
            )
    return found


def collect(app: App, db: DbSession, scope: CalendarScope, *, day: date | None = None) -> FeedSpec:
    """The feed of ``scope`` as of ``day`` (today); :class:`programs.api.NotFound` when its
    owner no longer exists. A cancelled item stays for the grace days counted from the start
    of ``day`` (UTC): what the feed shows changes by the day, never by the hour, so the day
    is all its ETag needs of the time."""
    from programs.api import scope_items

    day = day or datetime.now(UTC).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    cutoff = midnight - timedelta(days=read_settings(app).cancelled_grace_days)
    reader, items = scope_items(db, scope, keep_cancelled_since=cutoff, settings=app.settings)
    alarms = _alarms(app, db, items, scope)
    feed = [FeedItem(i, () if i.cancelled else alarms.get(i.uid, ())) for i in items]
    feed += _sources(app, scope, {i.uid for i in items}, cutoff)
    feed.sort(key=lambda f: (f.item.start, f.item.uid))
    return FeedSpec(scope, feed_name(db, scope, reader), tuple(feed), reader.language)
