"""The HTML page behind a feed link, for people who do not know what a feed URL is: the
calendar's name, what comes next, and subscribe links. Everything shown is escaped by
Jinja's autoescape, and it shows only the feed's own items (the same allow-list)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import jinja2
    from programs.plugins.ical.items import FeedSpec

    from programs.api import CalendarItem

MAX_UPCOMING = 20


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True
    )


def webcal(url: str) -> str:
    """The ``webcal://`` form of an http(s) URL: calendar apps open it as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


def when(item: CalendarItem) -> str:
    """``Thu 03 Dec 2026, 09:00–17:00 (Europe/Paris)`` in the item's own time zone."""
    tz = ZoneInfo(item.timezone)
    start, end = item.start.astimezone(tz), item.end.astimezone(tz)
    day = start.strftime("%a %d %b %Y, %H:%M")
    until = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%d %b %H:%M")
    return f"{day}–{until} ({item.timezone})"


def render_page(spec: FeedSpec, *, feed_url: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    from programs.api import upcoming as next_items

    upcoming = [
        {"when": when(i), "summary": i.summary, "location": i.location}
        for i in next_items([e.item for e in spec.items], now)
    ][:MAX_UPCOMING]
    return (
        _environment()
        .get_template("page.html")
        .render(name=spec.name, feed_url=feed_url, webcal_url=webcal(feed_url), upcoming=upcoming)
    )
